//! doctor's verdicts from hand-made facts: no I/O.

use std::collections::HashMap;
use std::time::Duration;

use super::*;
use crate::doors::operator::status;
use crate::engine::ec2::ApiErrorKind;
use crate::engine::planner::tests::{denied, two_region};
use crate::engine::planner::{self};
use crate::settings::Source;

fn settings(env: &[(&str, &str)]) -> Settings {
    let env: HashMap<String, String> = env
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    Settings::resolve(
        "/etc/default/LifeKeeper".into(),
        &HashMap::new(),
        &env,
        vec![],
    )
}

fn ok_ec2() -> Ec2Facts {
    let topology = two_region();
    let plan = planner::plan(&topology);
    let status = status::report(&topology, &plan, None, Some(Ok(None)));
    let dry_runs = iam::dry_run_targets(&plan)
        .into_iter()
        .map(|(api, c)| DryRun {
            api,
            region: c.region.clone(),
            table_id: c.table_id.clone(),
            result: Ok(()),
        })
        .collect();
    let endpoints = ["us-east-1", "us-west-2"]
        .map(|r| EndpointProbe {
            region: r.into(),
            elapsed: Duration::from_millis(20),
            result: Ok(()),
        })
        .to_vec();
    Ec2Facts {
        vpc_cidrs: vec![("us-east-1".into(), Ok(vec![]))],
        source_dest_check: Ok(false),
        topology,
        plan,
        status,
        endpoints,
        dry_runs,
        accounts: Vec::new(),
        node_role: None,
    }
}

fn facts(s: &Settings, ec2: Option<Ec2Facts>) -> DoctorFacts<'_> {
    DoctorFacts {
        settings: s,
        proxy_problem: None,
        vip: Ok("10.0.0.100".parse().unwrap()),
        imds_endpoint: "http://169.254.169.254".into(),
        token: Ok(Duration::from_millis(2)),
        node: ec2.as_ref().map(|e| Ok(e.topology.node.clone())),
        interface: Some("eth1".into()),
        credentials: Some(Ok(CredentialsInfo {
            provider: "IMDSv2".into(),
            expiry: None,
        })),
        tls: Default::default(),
        ec2,
        now: SystemTime::UNIX_EPOCH,
    }
}

fn check<'r>(r: &'r DoctorReport, id: &str) -> &'r Check {
    r.checks
        .iter()
        .find(|c| c.id == id)
        .unwrap_or_else(|| panic!("no check {id}: {:#?}", r.checks))
}

#[test]
fn a_healthy_node_passes_with_the_standby_routes_pending() {
    let s = settings(&[]);
    let r = report(&facts(&s, Some(ok_ec2())));
    assert!(r.ok, "{:#?}", r.checks);
    assert_eq!(r.totals.fail, 0);
    assert_eq!(
        check(&r, "iam.ReplaceTransitGatewayRoute").status,
        CheckStatus::Pass
    );
    let restore = &check(&r, "routes.restore").summary;
    let planned = ok_ec2().plan.replacements().count();
    assert!(
        restore.contains(&format!("make {planned} replacement")),
        "{restore}"
    );
    let ids: Vec<&str> = r.checks.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids[..3], ["imds.token", "imds.identity", "vip.address"]);
    assert_eq!(
        r.checks.iter().filter(|c| c.id.starts_with("iam.")).count(),
        8
    );
}

#[test]
fn a_denied_action_fails_and_prints_the_statement_to_add() {
    let s = settings(&[]);
    let mut ec2 = ok_ec2();
    ec2.dry_runs[1].result = Err(denied(ec2.dry_runs[1].api, "us-east-1"));
    let api = ec2.dry_runs[1].api;
    let r = report(&facts(&s, Some(ec2)));
    assert!(!r.ok);
    let c = check(&r, &format!("iam.{}", api.action()));
    assert_eq!(c.status, CheckStatus::Fail);
    let statement = format!(
        r#"{{"Effect": "Allow", "Action": "{}", "Resource": "*"}}"#,
        api.iam_action()
    );
    assert!(c.fix.as_deref().unwrap().ends_with(&statement), "{c:#?}");
    let parsed: serde_json::Value = serde_json::from_str(&statement).unwrap();
    assert_eq!(parsed["Action"], api.iam_action());
}

#[test]
fn optional_checks_are_skipped_not_failed_when_not_permitted() {
    let s = settings(&[]);
    let mut ec2 = ok_ec2();
    ec2.vpc_cidrs = vec![(
        "us-east-1".into(),
        Err(denied(Api::DescribeVpcs, "us-east-1")),
    )];
    ec2.source_dest_check = Err(denied(Api::DescribeNetworkInterfaceAttribute, "us-east-1"));
    let r = report(&facts(&s, Some(ec2)));
    assert!(r.ok);
    let c = check(&r, "optional.vip-outside-vpcs");
    assert_eq!(c.status, CheckStatus::Skip);
    assert!(c.summary.contains("ec2:DescribeVpcs"));
    assert_eq!(
        check(&r, "optional.source-dest-check").status,
        CheckStatus::Skip
    );
}

#[test]
fn a_vip_inside_a_vpc_and_source_dest_check_on_fail() {
    let s = settings(&[]);
    let mut ec2 = ok_ec2();
    ec2.vpc_cidrs = vec![(
        "us-east-1".into(),
        Ok(vec![VpcCidrs {
            vpc_id: "vpc-c1".into(),
            cidrs: vec!["10.0.0.0/16".parse().unwrap()],
        }]),
    )];
    ec2.source_dest_check = Ok(true);
    let r = report(&facts(&s, Some(ec2)));
    assert_eq!(
        check(&r, "optional.vip-outside-vpcs").status,
        CheckStatus::Fail
    );
    let sdc = check(&r, "optional.source-dest-check");
    assert!(
        sdc.fix
            .as_deref()
            .unwrap()
            .contains("--no-source-dest-check")
    );
}

#[test]
fn a_token_timeout_names_the_hop_limit_and_skips_what_depends_on_it() {
    let s = settings(&[]);
    let mut f = facts(&s, None);
    f.token = Err(TokenFailure::Timeout(Duration::from_secs(5)));
    f.credentials = None;
    let r = report(&f);
    let token = check(&r, "imds.token");
    assert_eq!(token.status, CheckStatus::Fail);
    assert!(
        token
            .fix
            .as_deref()
            .unwrap()
            .contains("--http-put-response-hop-limit 2")
    );
    assert_eq!(check(&r, "imds.identity").status, CheckStatus::Skip);
    assert_eq!(check(&r, "ec2").status, CheckStatus::Skip);
}

#[test]
fn a_proxy_only_in_the_shell_is_a_warning_naming_the_defaults_file() {
    let s = settings(&[("https_proxy", "http://proxy:3128")]);
    assert_eq!(s.https_proxy.as_ref().unwrap().source, Source::Environment);
    let r = report(&facts(&s, Some(ok_ec2())));
    let c = check(&r, "params.proxy");
    assert_eq!(c.status, CheckStatus::Warn);
    assert!(
        c.fix
            .as_deref()
            .unwrap()
            .contains("/etc/default/LifeKeeper")
    );
    assert!(
        c.details
            .iter()
            .any(|d| d.contains("http://proxy:3128 (environment)"))
    );
}

#[test]
fn a_silent_endpoint_fails_locally_and_warns_remotely() {
    let s = settings(&[]);
    let mut ec2 = ok_ec2();
    for p in &mut ec2.endpoints {
        p.result = Err(ApiError {
            api: Api::DescribeTransitGateways,
            region: p.region.clone(),
            resource: None,
            account: None,
            kind: ApiErrorKind::Unreachable {
                reason: "timed out".into(),
            },
        });
    }
    let r = report(&facts(&s, Some(ec2)));
    assert_eq!(check(&r, "endpoint.us-east-1").status, CheckStatus::Fail);
    assert_eq!(check(&r, "endpoint.us-west-2").status, CheckStatus::Warn);
    assert_eq!(
        check(&r, "iam.DescribeTransitGateways").status,
        CheckStatus::Warn
    );
}

#[test]
fn an_endpoint_answering_only_errors_is_told_apart_from_a_silent_one() {
    let s = settings(&[]);
    let mut ec2 = ok_ec2();
    for p in &mut ec2.endpoints {
        let kind = if p.region == "us-west-2" {
            ApiErrorKind::Overloaded {
                code: "InternalError".into(),
                status: 500,
            }
        } else {
            ApiErrorKind::Unreachable {
                reason: "timed out".into(),
            }
        };
        p.result = Err(ApiError {
            api: Api::DescribeTransitGateways,
            region: p.region.clone(),
            resource: None,
            account: None,
            kind,
        });
    }
    let r = report(&facts(&s, Some(ec2)));
    let west = check(&r, "endpoint.us-west-2");
    assert!(west.summary.contains("answered only errors"), "{west:?}");
    assert!(
        west.summary.contains("InternalError (HTTP 500)"),
        "{west:?}"
    );
    assert!(west.summary.contains("(127110)"), "{west:?}");
    let east = check(&r, "endpoint.us-east-1");
    assert!(east.summary.contains("did not answer"), "{east:?}");
}

#[test]
fn dry_runs_try_one_table_per_region_and_action() {
    let plan = planner::plan(&two_region());
    let tried: Vec<(Api, &str)> = iam::dry_run_targets(&plan)
        .into_iter()
        .map(|(api, c)| (api, c.region.as_str()))
        .collect();
    assert_eq!(
        tried,
        [
            (Api::ReplaceRoute, "us-east-1"),
            (Api::ReplaceTransitGatewayRoute, "us-east-1"),
            (Api::ReplaceTransitGatewayRoute, "us-west-2"),
            (Api::ReplaceRoute, "us-west-2"),
        ]
    );
}

#[test]
fn a_denied_lookup_makes_route_checks_unknown_not_absent() {
    let s = settings(&[]);
    let mut ec2 = ok_ec2();
    ec2.topology.local.vpc_tables = Err(denied(Api::DescribeRouteTables, "us-east-1"));
    ec2.plan = planner::plan(&ec2.topology);
    ec2.status = status::report(&ec2.topology, &ec2.plan, None, None);
    let r = report(&facts(&s, Some(ec2)));
    assert_eq!(
        check(&r, "iam.DescribeRouteTables").status,
        CheckStatus::Fail
    );
    let routes = check(&r, "routes.local-vpc");
    assert_eq!(routes.status, CheckStatus::Warn, "{routes:#?}");
    assert!(routes.summary.contains("UnauthorizedOperation"));
}

#[test]
fn failed_peering_lookup_is_not_a_single_region_cluster() {
    let s = settings(&[]);
    let mut ec2 = ok_ec2();
    ec2.topology.peerings = Err(ApiError {
        api: Api::DescribeTransitGatewayPeeringAttachments,
        region: "us-east-1".into(),
        resource: None,
        account: None,
        kind: ApiErrorKind::Overloaded {
            code: "InternalError".into(),
            status: 500,
        },
    });
    ec2.plan = planner::plan(&ec2.topology);
    ec2.status = status::report(&ec2.topology, &ec2.plan, None, None);
    let r = report(&facts(&s, Some(ec2)));
    let peered = check(&r, "routes.peered-tgw");
    assert_eq!(peered.status, CheckStatus::Warn, "{peered:#?}");
    assert!(peered.summary.contains("not checked"), "{peered:#?}");
    assert!(!peered.summary.contains("single-region"), "{peered:#?}");
}

#[test]
fn across_accounts_each_account_gets_its_role_and_its_actions_checked() {
    use super::accounts::{AccountProbe, NodePrincipal, checks, trust_statement};
    use crate::engine::ec2::{AccountContext, ApiErrorKind};
    let s = settings(&[("TGW_RK_ASSUME_ROLE_ARN", "arn:aws:iam::{account}:role/R")]);
    let node = NodePrincipal {
        account: "333300000001".into(),
        role_name: Some("node-role".into()),
    };
    let arn = |a: &str| format!("arn:aws:iam::{a}:role/R");
    let denied = |api: Api, account: &str| ApiError {
        api,
        region: "us-east-1".into(),
        resource: None,
        account: Some(Box::new(AccountContext {
            account: account.into(),
            role_arn: arn(account),
        })),
        kind: ApiErrorKind::Denied {
            code: "AccessDenied".into(),
            message: "no".into(),
        },
    };
    let all_ok = |skip: Api| {
        Api::ALL
            .iter()
            .map(|&api| (api, (api != skip).then_some(Ok(()))))
            .collect::<Vec<_>>()
    };
    let mut network_actions = all_ok(Api::ReplaceRoute);
    network_actions[7].1 = Some(Err(denied(Api::ReplaceTransitGatewayRoute, "222200000001")));
    let probes = vec![
        AccountProbe {
            account: "222200000001".into(),
            role_arn: Some(arn("222200000001")),
            role: Some(Ok(Duration::from_millis(12))),
            region: "us-east-1".into(),
            actions: network_actions,
        },
        AccountProbe {
            account: "333300000001".into(),
            role_arn: None,
            role: None,
            region: "us-east-1".into(),
            actions: all_ok(Api::SearchTransitGatewayRoutes),
        },
        AccountProbe {
            account: "444400000001".into(),
            role_arn: Some(arn("444400000001")),
            role: Some(Err(denied(Api::AssumeRole, "444400000001"))),
            region: "us-east-1".into(),
            actions: Api::ALL.iter().map(|&api| (api, None)).collect(),
        },
    ];
    let out = checks(&probes, &node, &s);
    let by_id = |id: &str| out.iter().find(|c| c.id == id).unwrap();
    assert_eq!(by_id("account.222200000001.role").status, CheckStatus::Pass);
    let network = by_id("account.222200000001.iam");
    assert_eq!(network.status, CheckStatus::Fail);
    assert!(
        network.summary.contains("ec2:ReplaceTransitGatewayRoute"),
        "{network:?}"
    );
    assert!(
        network.fix.as_ref().unwrap().contains(&arn("222200000001")),
        "{network:?}"
    );
    let own = by_id("account.333300000001.iam");
    assert_eq!(own.status, CheckStatus::Pass, "{own:?}");
    assert!(
        own.summary.contains("7 of 8") && own.summary.contains("1 not tried"),
        "{own:?}"
    );
    assert!(out.iter().all(|c| c.id != "account.333300000001.role"));
    let client = by_id("account.444400000001.role");
    assert_eq!(client.status, CheckStatus::Fail);
    let trust = trust_statement(&node, false);
    assert!(
        client.details.iter().any(|d| d.contains(&trust)),
        "{client:?}"
    );
    assert!(
        trust.contains("arn:aws:iam::333300000001:role/node-role"),
        "{trust}"
    );
    assert_eq!(by_id("account.444400000001.iam").status, CheckStatus::Skip);
    assert!(trust_statement(&node, true).contains("sts:ExternalId"));
}
