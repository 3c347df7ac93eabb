//! Applies a plan's replacements: all at once, each remote region under its
//! own deadline so a silent region cannot stall the failover.

use std::net::Ipv4Addr;
use std::time::Duration;

use futures_util::future::join_all;
use tokio::time::Instant;

use crate::ec2::{ApiError, Ec2};
use crate::planner::{Plan, RouteCheck};

/// What became of one replacement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Applied {
    Replaced,
    Failed(ApiError),
    /// The region did not answer before its deadline.
    TimedOut,
}

/// Replaces every wrong route of `plan`; results come back in plan order.
pub async fn apply<'p, E: Ec2>(
    ec2: &E,
    plan: &'p Plan,
    vip: Ipv4Addr,
    local_region: &str,
    remote_deadline: Duration,
) -> Vec<(&'p RouteCheck, Applied)> {
    let start = Instant::now();
    let work = plan.replacements().map(|check| async move {
        let replacement = check.replacement();
        let call = ec2.replace_vip_route(&replacement, vip, false);
        let result = if check.region == local_region {
            call.await
        } else {
            match tokio::time::timeout_at(start + remote_deadline, call).await {
                Ok(r) => r,
                Err(_) => return (check, Applied::TimedOut),
            }
        };
        match result {
            Ok(()) => (check, Applied::Replaced),
            Err(e) => (check, Applied::Failed(e)),
        }
    });
    join_all(work).await
}
