//! The 127xxx catalog and the log it is written to.

pub mod catalog;
pub mod lines;
pub mod output;
pub mod redact;

pub use output::{emit, init};
