//! tgw_generic_rk: keeps a LifeKeeper virtual IP reachable across VPCs,
//! Transit Gateways and regions on AWS.
//!
//! Functional core, imperative shell: [`discovery`] gathers a plain
//! [`topology::Topology`] through the narrow [`ec2::Ec2`] trait, the pure
//! [`planner`] decides every route, the [`executor`] applies the plan, and
//! the doors wire them to their callers.

pub mod aws;
pub mod cli;
pub mod doors;
pub mod engine;
pub mod log;
pub mod report;
pub mod session;
pub mod settings;
