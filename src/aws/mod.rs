//! AWS and the node: the SDK implementation of the engine's EC2 trait with
//! its configuration, instance metadata, and the local interfaces.

pub mod ec2;
pub mod imds;
pub mod interfaces;
