//! The engine's [`crate::engine::ec2::Ec2`] trait implemented with aws-sdk-ec2.

pub mod sdk;
pub mod sdk_config;
