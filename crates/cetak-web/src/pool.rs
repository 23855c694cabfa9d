//! A few SQLite connections shared by the request handlers, each used on a blocking thread.
//!
//! A request waits at most [`BUSY_WAIT`] for another process's write lock (a long import or
//! dedup run): then it fails with a "busy" error the pages turn into "the office database is
//! busy, try again" — instead of every write waiting 10 s and four of them holding the whole
//! pool. Reads never wait for a writer (WAL), so pages and session checks stay fast.

use std::path::PathBuf;
use std::sync::Mutex;

use cetak_store::{Store, StoreError};
use tokio::sync::Semaphore;

/// How long a request's statement waits for a lock held by another connection.
pub(crate) const BUSY_WAIT: std::time::Duration = std::time::Duration::from_millis(1500);

fn open(path: &std::path::Path) -> Result<Store, StoreError> {
    let store = Store::open(path)?;
    store.raw_connection().busy_timeout(BUSY_WAIT)?;
    Ok(store)
}

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
            free.push(open(path)?);
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
            None => open(&self.path)?,
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
