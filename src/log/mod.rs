//! The 127xxx catalog and the log it is written to, shared by every door
//! that logs: [`catalog`] holds every code and text, [`lines`] words the
//! engine's typed facts as catalog messages, [`output`] writes them to
//! stderr and syslog, [`redact`] keeps secrets out.

pub mod catalog;
pub mod lines;
pub mod output;
pub mod redact;

pub use output::{emit, init};
