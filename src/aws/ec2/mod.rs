//! The engine's [`crate::engine::ec2::Ec2`] trait implemented with aws-sdk-ec2.

pub mod sdk;
pub mod sdk_config;

// What `sdk.rs` imports as `super::…` (its old home held the trait).
use crate::engine::ec2::{Api, ApiError, ApiErrorKind, Ec2, Replacement};
