//! The domain of an E-KTP printing office, without I/O.
//!
//! This crate knows what a NIK is, what a resident record must hold to be printed on a card,
//! which value lists and region codes are valid, how a record moves through its lifecycle and
//! how the audit log's hash chain is computed. It never touches a file, a socket, a database or
//! the clock: callers pass time in and get decisions out. That is what lets the same code run
//! in the office binary and in a seeded simulator.
//!
//! ```
//! use cetak_domain::nik::Nik;
//! let nik = Nik::parse("1671014508900001").unwrap();
//! assert!(nik.encodes_female());
//! assert_eq!(nik.birth_day(), 5);
//! ```
#![deny(missing_docs)]

pub mod access;
pub mod audit;
pub mod lifecycle;
pub mod media;
pub mod nik;
pub mod record;
pub mod regions;
pub mod values;

pub use nik::Nik;
pub use record::{Checked, Draft, Problem, ReasonCode, Record, Rejection, Warning};
