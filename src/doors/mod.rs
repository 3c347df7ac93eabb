//! The front doors: one adapter per caller.

pub mod lifekeeper;
pub mod operator;
