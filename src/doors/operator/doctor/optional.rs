//! Checks that need permissions beyond the documented eight: run when the
//! policy happens to allow them, otherwise skipped with the permission that
//! would enable them. Never a reason to fail for lack of permission.

use super::{Check, CheckStatus, Ec2Facts};
use crate::engine::ec2::{Api, ApiError};

pub fn checks(ec2: &Ec2Facts) -> Vec<Check> {
    vec![vip_outside_vpcs(ec2), source_dest_check(ec2)]
}

fn not_permitted(id: &str, api: Api, what: &str) -> Check {
    Check::new(
        id,
        CheckStatus::Skip,
        format!("{what} not checked: needs {} (optional)", api.iam_action()),
    )
}

fn unanswered(id: &str, err: &ApiError, what: &str) -> Check {
    Check::new(
        id,
        CheckStatus::Warn,
        format!("{what} could not be checked: {err}"),
    )
}

fn vip_outside_vpcs(ec2: &Ec2Facts) -> Check {
    let id = "optional.vip-outside-vpcs";
    let what = "VIP outside every VPC CIDR";
    let vip = ec2.topology.vip;
    let mut vpcs = 0;
    for (region, result) in &ec2.vpc_cidrs {
        let listed = match result {
            Ok(listed) => listed,
            Err(e) if e.is_denied() => return not_permitted(id, Api::DescribeVpcs, what),
            Err(e) => return unanswered(id, e, what),
        };
        for v in listed {
            vpcs += 1;
            if let Some(cidr) = v.cidrs.iter().find(|c| c.contains(&vip)) {
                return Check::new(id, CheckStatus::Fail, format!("{vip} is inside {cidr} of {} ({region})", v.vpc_id))
                    .fix("choose a VIP outside every VPC CIDR of the cluster, as LifeKeeper's AWS route kits require");
            }
        }
    }
    let regions: Vec<&str> = ec2.vpc_cidrs.iter().map(|(r, _)| r.as_str()).collect();
    Check::new(
        id,
        CheckStatus::Pass,
        format!(
            "{vip} is outside the CIDRs of all {vpcs} VPCs in {}",
            regions.join(", ")
        ),
    )
}

fn source_dest_check(ec2: &Ec2Facts) -> Check {
    let id = "optional.source-dest-check";
    let what = "source/destination check";
    let node = &ec2.topology.node;
    match &ec2.source_dest_check {
        Ok(false) => Check::new(id, CheckStatus::Pass, format!("source/destination check is off on {}", node.eni_id)),
        Ok(true) => Check::new(id, CheckStatus::Fail, format!("source/destination check is on for {}: EC2 drops traffic addressed to the VIP", node.eni_id))
            .fix(format!("aws ec2 modify-network-interface-attribute --region {} --network-interface-id {} --no-source-dest-check", node.region, node.eni_id)),
        Err(e) if e.is_denied() => not_permitted(id, Api::DescribeNetworkInterfaceAttribute, what),
        Err(e) => unanswered(id, e, what),
    }
}
