//! Can this node talk to EC2, and may it do all that a switchover does?

use std::collections::BTreeSet;

use super::{Check, CheckStatus, Ec2Facts, millis};
use crate::engine::ec2::{Api, ApiError};
use crate::engine::planner::{Hop, Plan, RouteCheck, Verdict};
use crate::engine::topology::{RegionFacts, RemoteRegion};
use crate::settings::Settings;

pub fn endpoint_checks(ec2: &Ec2Facts, s: &Settings) -> Vec<Check> {
    let local = &ec2.topology.node.region;
    ec2.endpoints
        .iter()
        .map(|p| {
            let id = format!("endpoint.{}", p.region);
            let took = millis(p.elapsed);
            match &p.result {
                Err(e) if e.is_transient() => {
                    let status = if &p.region == local { CheckStatus::Fail } else { CheckStatus::Warn };
                    // Silence and an endpoint that answers only errors are different faults to chase.
                    let (what, code) = if e.answered() { ("answered only errors for", 127110) } else { ("did not answer after", 127102) };
                    let consequence = if &p.region == local { "restore will fail".to_string() } else { format!("restore will skip this region and warn ({code})") };
                    Check::new(id, status, format!("EC2 in {} {what} {took}: {}; {consequence}", p.region, e.kind))
                        .fix("check the route / security group / proxy to the regional EC2 endpoint (ec2.<region>.amazonaws.com:443)")
                }
                _ if p.elapsed > s.read_timeout.value / 2 => Check::new(id, CheckStatus::Warn, format!("EC2 in {} answered in {took}, over half of AWSCLI_READ_TIMEOUT", p.region))
                    .fix("raise AWSCLI_READ_TIMEOUT in the defaults file, or find what slows the path (proxy?)"),
                _ => Check::new(id, CheckStatus::Pass, format!("EC2 in {} answered in {took}", p.region)),
            }
        })
        .collect()
}

/// One table per region and replace action to try `DryRun=true` on:
/// enough to prove the permission without a call per table.
pub fn dry_run_targets(plan: &Plan) -> Vec<(Api, &RouteCheck)> {
    let mut tried = BTreeSet::new();
    plan.checks
        .iter()
        .filter(|c| c.verdict != Verdict::Propagated)
        .filter_map(|c| {
            let api = match c.hop {
                Hop::LocalTgw | Hop::RemoteTgw => Api::ReplaceTransitGatewayRoute,
                Hop::LocalVpc | Hop::LocalTgwVpc | Hop::RemoteTgwVpc => Api::ReplaceRoute,
            };
            tried.insert((api, c.region.as_str())).then_some((api, c))
        })
        .collect()
}

/// One call whose outcome says something about a permission.
struct Evidence<'a> {
    api: Api,
    region: &'a str,
    result: Result<(), &'a ApiError>,
}

fn seen<'a, T>(api: Api, region: &'a str, result: &'a Result<T, ApiError>) -> Evidence<'a> {
    Evidence {
        api,
        region,
        result: result.as_ref().map(|_| ()),
    }
}

fn region_evidence<'a>(facts: &'a RegionFacts, out: &mut Vec<Evidence<'a>>) {
    let region = facts.region.as_str();
    out.push(seen(Api::DescribeRouteTables, region, &facts.vpc_tables));
    out.push(seen(
        Api::DescribeTransitGatewayVpcAttachments,
        region,
        &facts.attachments,
    ));
    out.push(seen(
        Api::DescribeTransitGatewayRouteTables,
        region,
        &facts.tgw_tables,
    ));
    if let Ok(tables) = &facts.tgw_tables {
        out.extend(
            tables
                .iter()
                .map(|t| seen(Api::SearchTransitGatewayRoutes, region, &t.vip_route)),
        );
    }
}

/// Every call discovery, the endpoint probes and the dry runs made.
fn evidence(ec2: &Ec2Facts) -> Vec<Evidence<'_>> {
    let topo = &ec2.topology;
    let mut out = Vec::new();
    region_evidence(&topo.local, &mut out);
    for remote in &topo.remotes {
        if let RemoteRegion::Observed(facts) = remote {
            region_evidence(facts, &mut out);
        }
    }
    out.push(seen(
        Api::DescribeTransitGatewayPeeringAttachments,
        &topo.local.region,
        &topo.peerings,
    ));
    out.extend(
        ec2.endpoints
            .iter()
            .map(|p| seen(Api::DescribeTransitGateways, &p.region, &p.result)),
    );
    out.extend(
        ec2.dry_runs
            .iter()
            .map(|d| seen(d.api, &d.region, &d.result)),
    );
    out
}

/// The statement that grants `api`, as it goes into the role's policy.
pub fn policy_statement(api: Api) -> String {
    // Written out rather than through serde_json, whose maps sort their
    // keys: policies are read Effect, Action, Resource.
    format!(
        r#"{{"Effect": "Allow", "Action": "{}", "Resource": "*"}}"#,
        api.iam_action()
    )
}

/// One check per action of the documented policy, in the policy's order.
pub fn checks(ec2: &Ec2Facts) -> Vec<Check> {
    let all = evidence(ec2);
    Api::ALL
        .iter()
        .map(|&api| {
            let mine: Vec<&Evidence<'_>> = all.iter().filter(|e| e.api == api).collect();
            action_check(api, &mine)
        })
        .collect()
}

fn regions<'a>(evidence: &[&Evidence<'a>]) -> String {
    let set: BTreeSet<&str> = evidence.iter().map(|e| e.region).collect();
    set.into_iter().collect::<Vec<_>>().join(", ")
}

fn action_check(api: Api, evidence: &[&Evidence<'_>]) -> Check {
    let id = format!("iam.{}", api.action());
    let action = api.iam_action();
    let errors: Vec<&ApiError> = evidence.iter().filter_map(|e| e.result.err()).collect();
    let denied: Vec<&Evidence<'_>> = evidence
        .iter()
        .copied()
        .filter(|e| e.result.is_err_and(ApiError::is_denied))
        .collect();
    if !denied.is_empty() {
        let details = errors
            .iter()
            .filter(|e| e.is_denied())
            .map(|e| e.to_string())
            .collect();
        return Check::new(
            id,
            CheckStatus::Fail,
            format!("{action} is denied (in {})", regions(&denied)),
        )
        .details(details)
        .fix(format!(
            "add to the instance role's policy: {}",
            policy_statement(api)
        ));
    }
    let definite: Vec<&&ApiError> = errors.iter().filter(|e| !e.is_transient()).collect();
    if let Some(err) = definite.first() {
        return Check::new(
            id,
            CheckStatus::Warn,
            format!("{action} could not be verified: {err}"),
        )
        .fix("see the AWS error code; the permission itself was not refused");
    }
    let ok: Vec<&Evidence<'_>> = evidence
        .iter()
        .copied()
        .filter(|e| e.result.is_ok())
        .collect();
    let dry = matches!(api, Api::ReplaceRoute | Api::ReplaceTransitGatewayRoute);
    match (ok.is_empty(), errors.is_empty()) {
        (false, _) => {
            let how = if dry { "DryRun" } else { "called" };
            Check::new(
                id,
                CheckStatus::Pass,
                format!("{action} permitted ({how} in {})", regions(&ok)),
            )
        }
        (true, false) => Check::new(
            id,
            CheckStatus::Warn,
            format!("{action} not verified: EC2 did not answer"),
        )
        .fix("run doctor again once the endpoint checks above pass"),
        (true, true) => Check::new(
            id,
            CheckStatus::Skip,
            format!("{action} not tried: no table with a VIP route to try it on"),
        ),
    }
}
