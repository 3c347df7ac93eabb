//! Errors the emulator reports to the code driving it (tests, the CLI).
//!
//! These are never sent over the wire; EC2-shaped errors live in
//! `ec2::api_error` so the two cannot be confused.

use std::io;
use std::path::PathBuf;

/// Why the emulator could not be built, started or mutated.
#[derive(Debug, thiserror::Error)]
pub enum EmulatorError {
    #[error("cannot read topology file {path}: {source}")]
    ReadTopology {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("cannot parse topology: {0}")]
    ParseTopology(String),
    #[error("invalid topology: {0}")]
    InvalidTopology(String),
    #[error("invalid mesh specification: {0}")]
    InvalidMesh(String),
    #[error("cannot start the emulator: {0}")]
    Start(#[source] io::Error),
    #[error("unknown route table {0}")]
    UnknownRouteTable(String),
    #[error("route table {table} has no route for {cidr}")]
    UnknownRoute { table: String, cidr: String },
    #[error("the local route {cidr} of route table {table} cannot be changed")]
    LocalRoute { table: String, cidr: String },
    #[error("{0} is not a valid IPv4 CIDR block")]
    InvalidCidr(String),
    #[error("{0} is not a state EC2 reports for this kind of object")]
    InvalidState(String),
    #[error("unknown attachment {0}")]
    UnknownObject(String),
}
