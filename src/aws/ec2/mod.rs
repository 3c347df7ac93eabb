//! The engine's [`crate::engine::ec2::Ec2`] trait implemented with aws-sdk-ec2.

mod answer_check;
mod call_budget;
pub mod sdk;
pub mod sdk_config;
