//! tgw_generic_rk: keeps a LifeKeeper virtual IP reachable across VPCs,
//! Transit Gateways and regions on AWS.
//!
//! Functional core, imperative shell: [`discovery`] gathers a plain
//! [`topology::Topology`] through the narrow [`ec2::Ec2`] trait, the pure
//! [`planner`] decides every route, the [`executor`] applies the plan, and
//! [`run`] wires them to LifeKeeper's invocation and log.

pub mod aws;
pub mod cli;
pub mod doors;
pub mod engine;
pub mod log;
pub mod settings;

// Old paths, kept while the modules move (removed by the next commits).
pub use aws::{imds, interfaces};
pub use cli as invocation;
pub use cli::generate;
pub use doors::lifekeeper as run;
pub use doors::lifekeeper::info as lifekeeper;
pub use doors::operator;
pub use engine::{deadline, discovery, executor, planner, topology};
pub use log::lines as report;
pub use log::output as logging;
pub use log::{catalog, redact};
pub mod ec2 {
    pub use crate::aws::ec2::{sdk, sdk_config};
    pub use crate::engine::ec2::*;
}
