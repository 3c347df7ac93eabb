//! The imperative half of doctor: every probe, run concurrently where they
//! do not depend on each other, collected into [`DoctorFacts`].

use std::net::Ipv4Addr;
use std::time::{Instant, SystemTime};

use futures_util::future::join_all;

use super::{DoctorFacts, DryRun, Ec2Facts, EndpointProbe, TlsFacts, accounts, iam};
use crate::aws::ec2::ca_bundle::configured_trust;
use crate::aws::ec2::sdk::SdkEc2;
use crate::aws::imds::Imds;
use crate::aws::interfaces;
use crate::cli::Target;
use crate::doors::Ending;
use crate::doors::operator::{main_table, output, render, status};
use crate::engine::ec2::{ApiError, Ec2};
use crate::engine::topology::{LocalNode, VpcCidrs};
use crate::session::{self, connect, observe};
use crate::settings::Settings;

/// doctor, start to finish: exit 0 unless a check failed.
pub async fn run(target: &Target, settings: &Settings, json: bool) -> Ending {
    let facts = facts(session::vip_of(target.vip_source()), settings).await;
    let report = super::report(&facts);
    output(json, &report, render::doctor, report.ok)
}

pub async fn facts<'s>(
    vip: Result<Ipv4Addr, crate::log::catalog::Message>,
    settings: &'s Settings,
) -> DoctorFacts<'s> {
    let imds = Imds::from_env(settings.imds_timeout.value);
    let token = imds.probe_token().await;
    let listed = interfaces::list();
    let interface = vip
        .as_ref()
        .ok()
        .and_then(|v| interfaces::holding(&listed, *v))
        .map(|i| i.name.clone());
    let node = match &token {
        // Without a VIP, the primary interface still tells who we are.
        Ok(_) => Some(
            imds.local_node(*vip.as_ref().unwrap_or(&Ipv4Addr::UNSPECIFIED), &listed)
                .await,
        ),
        Err(_) => None,
    };
    let (node, node_role) = match node {
        Some(Ok(node)) if settings.assume_role.is_some() => {
            let (node, role) = with_identity(&imds, node).await;
            (Some(node), role)
        }
        other => (other, None),
    };
    let mut facts = DoctorFacts {
        settings,
        proxy_problem: None,
        imds_endpoint: imds.endpoint().to_string(),
        token,
        node: node.clone(),
        interface,
        credentials: None,
        tls: TlsFacts {
            trust: configured_trust(settings).await,
            endpoint_override: endpoint_override(),
        },
        ec2: None,
        now: SystemTime::now(),
        vip,
    };
    let Some(Ok(node)) = node else {
        return facts;
    };
    let named_vip = *facts.vip.as_ref().unwrap_or(&Ipv4Addr::UNSPECIFIED);
    let (ec2, proxy_problem) = connect(settings, &node, named_vip).await;
    facts.proxy_problem = proxy_problem;
    let (credentials, ec2_facts) = tokio::join!(ec2.credentials(), async {
        match &facts.vip {
            Ok(vip) => Some(ec2_facts(&ec2, node, *vip, settings).await),
            Err(_) => None,
        }
    });
    facts.credentials = Some(credentials);
    facts.ec2 = ec2_facts.map(|e| Ec2Facts { node_role, ..e });
    facts
}

/// Cross-account runs: the node's account and instance id (without them
/// no role can be assumed: 127118), and its instance role's name.
async fn with_identity(
    imds: &Imds,
    mut node: LocalNode,
) -> (
    Result<LocalNode, crate::log::catalog::Message>,
    Option<String>,
) {
    let (identity, role) = tokio::join!(imds.identity(), imds.get("iam/security-credentials/"));
    let role = role.and_then(|r| r.lines().next().map(str::to_string));
    match identity {
        Some(identity) => {
            node.identity = Some(identity);
            (Ok(node), role)
        }
        None => (Err(crate::log::catalog::Message::NoIdentity), role),
    }
}

async fn ec2_facts(ec2: &SdkEc2, node: LocalNode, vip: Ipv4Addr, settings: &Settings) -> Ec2Facts {
    let (topology, plan) = observe(ec2, node, vip, settings).await;
    let mut regions = vec![topology.node.region.clone()];
    if let Some(local) = topology.local_tgw() {
        for peer in topology.peers(&local.tgw_id) {
            if !regions.contains(&peer.region) {
                regions.push(peer.region);
            }
        }
    }
    let node = &topology.node;
    let (main, endpoints, dry_runs, vpc_cidrs, source_dest_check) = tokio::join!(
        main_table(ec2, &topology),
        join_all(regions.iter().map(|r| endpoint(ec2, r))),
        join_all(
            iam::dry_run_targets(&plan)
                .into_iter()
                .map(|(api, check)| async move {
                    DryRun {
                        api,
                        region: check.region.clone(),
                        table_id: check.table_id.clone(),
                        result: ec2.replace_vip_route(&check.replacement(), vip, true).await,
                    }
                })
        ),
        join_all(regions.iter().map(|r| cidrs(ec2, r))),
        ec2.source_dest_check(&node.region, &node.eni_id),
    );
    let status = status::report(&topology, &plan, None, main);
    let accounts = match topology.node.identity {
        Some(_) => accounts::probe(ec2, &topology, &plan, vip).await,
        None => Vec::new(),
    };
    Ec2Facts {
        accounts,
        node_role: None,
        topology,
        plan,
        status,
        endpoints,
        dry_runs,
        vpc_cidrs,
        source_dest_check,
    }
}

/// `AWS_ENDPOINT_URL_EC2`, else `AWS_ENDPOINT_URL`, as the SDK reads them.
fn endpoint_override() -> Option<String> {
    ["AWS_ENDPOINT_URL_EC2", "AWS_ENDPOINT_URL"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|e| !e.is_empty()))
}

async fn endpoint(ec2: &SdkEc2, region: &str) -> EndpointProbe {
    let started = Instant::now();
    let result = ec2.transit_gateways(region).await.map(drop);
    EndpointProbe {
        region: region.to_string(),
        elapsed: started.elapsed(),
        result,
    }
}

async fn cidrs(ec2: &SdkEc2, region: &str) -> (String, Result<Vec<VpcCidrs>, ApiError>) {
    (region.to_string(), ec2.vpc_cidrs(region).await)
}
