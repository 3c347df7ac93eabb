//! The engine: topology, discovery, planner, executor and their deadline.

pub mod deadline;
pub mod discovery;
pub mod ec2;
pub mod executor;
pub mod planner;
pub mod topology;
