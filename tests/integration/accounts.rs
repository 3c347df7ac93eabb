//! Landing zones: the VIP's path crosses AWS accounts (TGWs in network
//! accounts shared through RAM, nodes and clients in accounts of their
//! own). Each hop must be done in the account that owns its table, through
//! that account's role, and a role that cannot be assumed fails only the
//! hops in its account.

use crate::util::{Cluster, json, status_row, vip_cidr};

pub const TEMPLATE: &str = "arn:aws:iam::{account}:role/LifeKeeperTgwRoutes";
const NETWORK_EAST: &str = "222200000001";
const NETWORK_WEST: &str = "222200000002";
const WORKLOAD_1: &str = "333300000001";
const WORKLOAD_2: &str = "333300000002";
const CLIENTS_EAST: &str = "444400000001";
const CLIENTS_WEST: &str = "444400000002";
/// Every account node1's walk reaches besides its own: one role each.
const OTHER_ACCOUNTS: [&str; 5] = [
    NETWORK_EAST,
    NETWORK_WEST,
    WORKLOAD_2,
    CLIENTS_EAST,
    CLIENTS_WEST,
];
/// The clients' VPCs (hop 4 and hop 5 for node1).
const CLIENT_EAST_VPC: &str = "vpc-01000000000000011";
const CLIENT_WEST_VPC: &str = "vpc-02000000000000012";

/// The tables of `vpc` that hold a VIP route.
fn vip_tables_of(c: &Cluster, vpc: &str) -> Vec<String> {
    c.emu
        .topology()
        .route_tables
        .iter()
        .filter(|t| t.vpc == vpc && t.routes.iter().any(|r| r.destination == vip_cidr()))
        .map(|t| t.id.clone())
        .collect()
}

fn role(account: &str) -> String {
    TEMPLATE.replace("{account}", account)
}

/// The landing zone with the role template set.
fn landing_zone() -> Cluster {
    let c = Cluster::landing_zone();
    c.set_defaults(&format!("TGW_RK_ASSUME_ROLE_ARN={TEMPLATE}\n"));
    c
}

/// Role ARNs of the sessions the emulator granted, in order.
fn granted_roles(c: &Cluster) -> Vec<String> {
    let mut roles: Vec<String> = c
        .emu
        .assumed_sessions()
        .into_iter()
        .filter(|s| s.granted)
        .map(|s| s.role_arn)
        .collect();
    roles.sort();
    roles
}

#[test]
fn both_switchovers_converge_with_every_hop_in_its_owners_account() {
    let c = landing_zone();
    assert!(
        !c.mismatches("node1").is_empty(),
        "fixture starts for node2"
    );
    let r = c.lifekeeper("node1", "restore");
    r.assert_code(0);
    c.assert_converged("node1");
    // One role per other account on the walk, each assumed once; node1's
    // own account needs none.
    let mut expected: Vec<String> = OTHER_ACCOUNTS.iter().map(|a| role(a)).collect();
    expected.sort();
    assert_eq!(granted_roles(&c), expected, "{}", r.stderr);
    let node1 = c.emu.node("node1").unwrap();
    let session = format!("tgw_generic_rk-{}-10.0.0.100", node1.instance_id);
    for s in c.emu.assumed_sessions() {
        assert_eq!(s.session_name, session);
        assert!(s.caller_arn.contains(WORKLOAD_1), "{}", s.caller_arn);
    }
    let q = c.lifekeeper("node1", "quickCheck");
    q.assert_code(0);

    let back = c.lifekeeper("node2", "restore");
    back.assert_code(0);
    c.assert_converged("node2");
    assert!(!back.has(127116) && !back.has(127117), "{}", back.stderr);
}

#[test]
fn a_role_missing_in_the_client_account_fails_that_hop_and_the_rest_converges() {
    let c = landing_zone();
    // Client VPC routes point at their own TGW whichever node is active;
    // one pointing elsewhere is what this hop has to repair.
    let client_tables = vip_tables_of(&c, CLIENT_EAST_VPC);
    for t in &client_tables {
        c.emu
            .set_vpc_route_target(t, &vip_cidr(), "eni-0123456789abcdef0")
            .unwrap();
    }
    c.emu.remove_role(&role(CLIENTS_EAST));
    let r = c.lifekeeper("node1", "restore");
    // The client hop is in node1's own region: a definite refusal fails restore.
    r.assert_code(1);
    let refused = r.lines(127116);
    assert_eq!(refused.len(), 1, "{}", r.stderr);
    for needle in [
        role(CLIENTS_EAST).as_str(),
        CLIENTS_EAST,
        "sts:AssumeRole",
        "AccessDenied",
    ] {
        assert!(refused[0].contains(needle), "{needle} in {}", refused[0]);
    }
    // Every other hop converged: only the client VPC's tables are still wrong.
    let left = c.mismatches("node1");
    assert!(!left.is_empty());
    assert!(
        left.iter()
            .all(|m| client_tables.iter().any(|t| m.contains(t))),
        "{left:#?}"
    );
    // quickCheck never fails for a role: it could not see that table.
    c.lifekeeper("node1", "quickCheck").assert_code(0);
}

#[test]
fn a_trust_policy_that_does_not_name_the_node_is_refused_and_named() {
    let c = landing_zone();
    for t in vip_tables_of(&c, CLIENT_WEST_VPC) {
        c.emu
            .set_vpc_route_target(&t, &vip_cidr(), "eni-0123456789abcdef0")
            .unwrap();
    }
    c.emu.set_role_trust(
        &role(CLIENTS_WEST),
        vec![format!("arn:aws:iam::{WORKLOAD_2}:role/other")],
    );
    let r = c.lifekeeper("node1", "restore");
    // A definite "no" in a remote region fails restore, like any other.
    r.assert_code(1);
    let refused = r.lines(127116);
    assert!(
        refused
            .iter()
            .any(|l| l.contains(&role(CLIENTS_WEST)) && l.contains("trust policy")),
        "{}",
        r.stderr
    );
    let left = c.mismatches("node1");
    let client_tables = vip_tables_of(&c, CLIENT_WEST_VPC);
    assert!(!left.is_empty());
    assert!(
        left.iter()
            .all(|m| client_tables.iter().any(|t| m.contains(t))),
        "{left:#?}"
    );
}

#[test]
fn an_external_id_the_roles_require_must_be_given() {
    let c = landing_zone();
    for account in OTHER_ACCOUNTS {
        c.emu
            .set_role_external_id(&role(account), Some("lz-7f3a".into()));
    }
    let without = c.lifekeeper("node1", "restore");
    without.assert_code(1);
    assert!(without.has(127116), "{}", without.stderr);

    c.set_defaults(&format!(
        "TGW_RK_ASSUME_ROLE_ARN={TEMPLATE}\nTGW_RK_ASSUME_ROLE_EXTERNAL_ID=lz-7f3a\n"
    ));
    let with = c.lifekeeper("node1", "restore");
    with.assert_code(0);
    c.assert_converged("node1");
    assert!(
        !with.stderr.contains("lz-7f3a"),
        "the external id is never logged"
    );
    let last = c.emu.assumed_sessions().into_iter().last().unwrap();
    assert_eq!(last.external_id.as_deref(), Some("lz-7f3a"));
}

#[test]
fn without_the_template_a_one_account_estate_logs_exactly_as_before() {
    // The same switchover with and without the template: in one account
    // every owner is the node's, so no role is needed and the lines match.
    let plain = Cluster::two_region();
    let first = plain.lifekeeper("node1", "restore");
    first.assert_code(0);
    let templated = Cluster::two_region();
    templated.set_defaults(&format!("TGW_RK_ASSUME_ROLE_ARN={TEMPLATE}\n"));
    let second = templated.lifekeeper("node1", "restore");
    second.assert_code(0);
    templated.assert_converged("node1");
    assert_eq!(masked(&first.stderr), masked(&second.stderr));
    assert_eq!(plain.emu.sts_calls(), 0);
    assert_eq!(
        templated.emu.sts_calls(),
        0,
        "one account: no role to assume"
    );
}

/// Log lines without what varies from run to run (durations, call counts).
fn masked(stderr: &str) -> Vec<String> {
    stderr
        .lines()
        .filter(|l| !l.contains(":127101:"))
        .map(str::to_string)
        .collect()
}

#[test]
fn without_the_template_a_landing_zone_run_assumes_nothing() {
    let c = landing_zone();
    c.set_defaults("");
    let r = c.lifekeeper("node1", "restore");
    assert_eq!(c.emu.sts_calls(), 0, "{}", r.stderr);
    assert!(!r.has(127116) && !r.has(127118), "{}", r.stderr);
}

#[test]
fn status_shows_whose_each_table_is() {
    let c = landing_zone();
    let r = c.cli("node1", &["status", "--json", "--ip", "10.0.0.100"]);
    let doc = json(&r.stdout);
    let first_client_table = vip_tables_of(&c, CLIENT_EAST_VPC).remove(0);
    assert_eq!(
        status_row(&doc, &first_client_table)["account"],
        CLIENTS_EAST
    );
    let text = c.cli("node1", &["status", "--ip", "10.0.0.100"]);
    assert!(text.stdout.contains("ACCOUNT"), "{}", text.stdout);
    assert!(text.stdout.contains(NETWORK_WEST), "{}", text.stdout);
}

#[test]
fn doctor_checks_every_account_and_says_what_to_add() {
    let c = landing_zone();
    let ok = c.cli("node1", &["doctor", "--json", "--ip", "10.0.0.100"]);
    let doc = json(&ok.stdout);
    for account in OTHER_ACCOUNTS {
        let role_check = crate::util::doctor_check(&doc, &format!("account.{account}.role"));
        assert_eq!(role_check["status"], "PASS", "{role_check}");
        let iam = crate::util::doctor_check(&doc, &format!("account.{account}.iam"));
        assert_eq!(iam["status"], "PASS", "{iam}");
    }
    let own = crate::util::doctor_check(&doc, &format!("account.{WORKLOAD_1}.iam"));
    assert_eq!(own["status"], "PASS", "{own}");

    c.emu.remove_role(&role(CLIENTS_EAST));
    c.emu
        .deny_action_in_account(NETWORK_WEST, "ReplaceTransitGatewayRoute");
    let bad = c.cli("node1", &["doctor", "--json", "--ip", "10.0.0.100"]);
    let doc = json(&bad.stdout);
    let client = crate::util::doctor_check(&doc, &format!("account.{CLIENTS_EAST}.role"));
    assert_eq!(client["status"], "FAIL", "{client}");
    assert!(
        client["details"].to_string().contains("sts:AssumeRole"),
        "{client}"
    );
    let network = crate::util::doctor_check(&doc, &format!("account.{NETWORK_WEST}.iam"));
    assert_eq!(network["status"], "FAIL", "{network}");
    assert!(
        network["fix"]
            .to_string()
            .contains("ec2:ReplaceTransitGatewayRoute"),
        "{network}"
    );
    assert_ne!(bad.code, 0);
}

#[test]
fn sts_that_does_not_answer_fails_restore_in_the_local_region_and_never_quick_check() {
    let c = landing_zone();
    // Short budgets: every AssumeRole answers 503 until the budget is spent.
    c.set_defaults(&format!(
        "TGW_RK_ASSUME_ROLE_ARN={TEMPLATE}\nAWSCLI_CONNECT_TIMEOUT=1\nAWSCLI_READ_TIMEOUT=1\n"
    ));
    for region in ["us-east-1", "us-west-2"] {
        c.emu
            .fail_action(region, "AssumeRole", 503, "ServiceUnavailable", None);
    }
    // node2 is active: its own routes are right, the rest cannot be seen.
    let q = c.lifekeeper("node2", "quickCheck");
    q.assert_code(0);
    assert!(q.has(127116), "{}", q.stderr);
    let r = c.lifekeeper("node1", "restore");
    r.assert_code(1);
    let refused = r.lines(127116);
    assert!(
        refused.iter().any(|l| l.contains(&role(NETWORK_EAST))),
        "{}",
        r.stderr
    );
    // node1's own account needs no role: its VPC's tables converged.
    let node1_vpc = c.emu.node("node1").unwrap().vpc;
    let left = c.mismatches("node1");
    for t in vip_tables_of(&c, &node1_vpc) {
        assert!(left.iter().all(|m| !m.contains(&t)), "{t}: {left:#?}");
    }
}
