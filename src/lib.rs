//! tgw_generic_rk: keeps a LifeKeeper virtual IP reachable across VPCs,
//! Transit Gateways and regions on AWS.
//!
//! One engine, several front doors (README, "How the code is organised").
//! The [`engine`] gathers a plain topology through its narrow
//! [`engine::ec2::Ec2`] trait (implemented over the SDK in [`aws`]), plans
//! every route purely and applies the plan; the [`session`] is what every
//! command does first; each of the [`doors`] adapts one caller to it and
//! words the engine's typed facts through [`log`] and [`report`].

pub mod aws;
pub mod cli;
pub mod doors;
pub mod engine;
pub mod log;
pub mod report;
pub mod session;
pub mod settings;
#[cfg(test)]
mod test_support;
