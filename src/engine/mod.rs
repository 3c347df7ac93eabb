//! The engine: discovery gathers a plain [`topology::Topology`] through the
//! [`ec2::Ec2`] trait, the pure [`planner`] decides every route and what is
//! wrong (typed [`planner::Finding`]s), the [`executor`] applies the plan
//! under the run's [`deadline`]. It knows nothing of LifeKeeper, Pacemaker,
//! the terminal or the log's wording; the doors decide what its facts mean
//! to their callers.

pub mod deadline;
pub mod discovery;
pub mod ec2;
pub mod executor;
pub mod planner;
pub mod topology;
