//! A loopback stand-in for the parts of EC2 (Query protocol) and IMDSv2 that
//! tgw_generic_rk uses, so its integration tests, benchmark and demo can run
//! the real aws-sdk-ec2 against something that behaves like AWS without ever
//! leaving 127.0.0.1.
//!
//! Start one with [`Emulator::start`] from a [`Topology`]; it serves until
//! dropped. Everything a test needs to steer (latency, throttling, outages,
//! IMDS faults, denied actions, garbled answers, page size) and to observe
//! (call counters, route state) is a method on [`Emulator`].

mod accounts;
mod cidr;
mod connect_proxy;
mod ec2;
mod emulator;
mod error;
mod imds;
mod knobs;
mod server;
mod state;
mod sts;
mod tls;
mod topology;

pub use connect_proxy::{ConnectProxy, ProxyCounters};
pub use emulator::{Emulator, RouteView, TableKind};
pub use error::EmulatorError;
pub use knobs::{DEFAULT_THROTTLE_SEED, HANG_LIMIT, ImdsFault, Malformed, Outage};
pub use state::AssumedSession;
pub use tls::ServerCertificate;
pub use topology::{
    ATTACHMENT_STATES, DEFAULT_ACCOUNT_ID, DEFAULT_IAM_ROLE, LOCAL_TARGET, MESH_REGIONS, MeshSpec,
    Node, Peering, REFERENCE_OTHER_VIP, REFERENCE_VIP, Role, RouteState, RouteTable, RouteType,
    TgwRoute, TgwRouteTable, Topology, TransitGateway, Vpc, VpcAttachment, VpcRoute,
};
pub mod oracle;
