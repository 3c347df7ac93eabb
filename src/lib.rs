//! tgw_generic_rk: keeps a LifeKeeper virtual IP reachable across VPCs,
//! Transit Gateways and regions on AWS.
//!
//! Functional core, imperative shell: [`discovery`] gathers a plain
//! [`topology::Topology`] through the narrow [`ec2::Ec2`] trait, the pure
//! [`planner`] decides every route, the [`executor`] applies the plan, and
//! [`run`] wires them to LifeKeeper's invocation and log.

pub mod catalog;
pub mod deadline;
pub mod discovery;
pub mod ec2;
pub mod executor;
pub mod generate;
pub mod imds;
pub mod interfaces;
pub mod invocation;
pub mod lifekeeper;
pub mod logging;
pub mod operator;
pub mod planner;
pub mod redact;
pub mod report;
pub mod run;
pub mod settings;
pub mod topology;
