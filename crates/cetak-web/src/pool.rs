//! A few SQLite connections shared by the request handlers, each used on a blocking thread.

use std::path::PathBuf;
use std::sync::Mutex;

use cetak_store::{Store, StoreError};
use tokio::sync::Semaphore;

pub(crate) struct Pool {
    free: Mutex<Vec<Store>>,
    permits: Semaphore,
    path: PathBuf,
}

impl Pool {
    pub(crate) fn open(path: &std::path::Path, size: usize) -> Result<Pool, StoreError> {
        let size = size.clamp(1, 64);
        let mut free = Vec::with_capacity(size);
        for _ in 0..size {
            free.push(Store::open(path)?);
        }
        Ok(Pool {
            free: Mutex::new(free),
            permits: Semaphore::new(size),
            path: path.to_path_buf(),
        })
    }

    /// Run `f` with a connection on a blocking thread.
    pub(crate) async fn run<R, F>(&self, f: F) -> Result<R, StoreError>
    where
        F: FnOnce(&mut Store) -> Result<R, StoreError> + Send + 'static,
        R: Send + 'static,
    {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| StoreError::Refused("the server is shutting down".into()))?;
        let store = self.free.lock().ok().and_then(|mut v| v.pop());
        let mut store = match store {
            Some(s) => s,
            None => Store::open(&self.path)?,
        };
        let (store, result) = tokio::task::spawn_blocking(move || {
            let r = f(&mut store);
            (store, r)
        })
        .await
        .map_err(|e| StoreError::Refused(format!("worker failed: {e}")))?;
        if let Ok(mut v) = self.free.lock() {
            v.push(store);
        }
        result
    }
}
