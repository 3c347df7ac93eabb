//! The engine's [`crate::engine::ec2::Ec2`] trait implemented with
//! aws-sdk-ec2: [`sdk`] converts SDK types to the engine's plain ones at the
//! boundary, [`sdk_config`] builds the client (credentials, timeouts,
//! proxies); the interceptors check every answer and bound every call.

mod answer_check;
pub mod ca_bundle;
mod call_budget;
mod roles;
pub mod sdk;
pub mod sdk_config;
pub mod transport;
pub mod transport_error;
