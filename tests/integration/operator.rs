//! status, plan / restore --dry-run and doctor, run by hand against the emulator.

use ec2_emulator::{ImdsFault, REFERENCE_VIP};
use serde_json::Value;

use crate::util::{Cluster, TAG, doctor_check as check, json, status_row as row, vip_cidr};

const NODE1_MAIN: &str = "rtb-01000000000000011";
const WEST_TGW_TABLE: &str = "tgw-rtb-02000000000000001";

/// The text of a top-level field of a pretty-printed document, as printed.
fn raw_field<'t>(doc: &'t str, field: &str) -> &'t str {
    let start = doc
        .find(&format!("\n  \"{field}\": "))
        .unwrap_or_else(|| panic!("no {field} in {doc}"));
    let rest = &doc[start + 1..];
    let end = rest.find(",\n  \"").unwrap_or(rest.len());
    &rest[..end]
}

#[test]
fn status_shows_wrong_routes_then_all_ok_after_restore() {
    let c = Cluster::two_region();
    let before = c.cli("node1", &["status", "-t", TAG]);
    before.assert_code(1);
    let out = &before.stdout;
    assert!(
        out.contains("Local TGW: tgw-01000000000000001 via tgw-attach-01000000000000001"),
        "{out}"
    );
    assert!(
        out.contains("tgw-attach-0c000000000000012 to tgw-02000000000000001 (us-west-2)"),
        "{out}"
    );
    let wrong = out.lines().filter(|l| l.contains(" WRONG")).count();
    assert_eq!(wrong, 6, "{out}");
    assert!(!out.contains('\x1b'), "no colour into a pipe:\n{out}");
    assert_eq!(c.emu.writes(), 0, "status never writes");

    c.lifekeeper("node1", "restore").assert_code(0);
    let after = c.cli("node1", &["status", "--ip", "10.0.0.100"]);
    after.assert_code(0);
    assert!(!after.stdout.contains("WRONG"), "{}", after.stdout);
    assert!(after.stdout.contains("Status: OK"), "{}", after.stdout);
    assert!(
        after.stderr.lines().all(|l| !l.starts_with("ERROR")),
        "{}",
        after.stderr
    );
}

#[test]
fn status_json_reports_wrong_and_missing_routes() {
    let c = Cluster::two_region();
    c.lifekeeper("node2", "restore").assert_code(0);
    c.emu.delete_route(NODE1_MAIN, &vip_cidr()).unwrap();
    c.emu.delete_route(WEST_TGW_TABLE, &vip_cidr()).unwrap();

    let run = c.cli("node1", &["status", "--ip", "10.0.0.100", "--json"]);
    run.assert_code(1);
    let doc = json(&run.stdout);
    assert_eq!(doc["kind"], "status");
    assert_eq!(doc["schema_version"], 2);
    assert_eq!(doc["ok"], false);
    assert_eq!(doc["topology"]["node"]["eni_id"], "eni-01000000000000001");

    let main = row(&doc, NODE1_MAIN);
    assert_eq!(main["state"], "MISSING");
    assert_eq!(main["hop"], "local-vpc");
    assert_eq!(main["current"], Value::Null);
    assert_eq!(main["desired"], "eni-01000000000000001");
    let west = row(&doc, WEST_TGW_TABLE);
    assert_eq!(
        (&west["state"], &west["hop"]),
        (&"LEFT_ALONE".into(), &"remote-tgw".into())
    );
    let local_tgw = row(&doc, "tgw-rtb-01000000000000001");
    assert_eq!(local_tgw["state"], "WRONG");
    assert_eq!(local_tgw["current"], "tgw-attach-0c000000000000012");
}

#[test]
fn colour_only_when_forced_and_never_with_no_color() {
    let mut c = Cluster::two_region();
    c.env.insert("CLICOLOR_FORCE".into(), "1".into());
    let forced = c.cli("node1", &["status", "--ip", "10.0.0.100"]);
    assert!(forced.stdout.contains("\x1b["), "{}", forced.stdout);
    c.env.insert("NO_COLOR".into(), "1".into());
    let plain = c.cli("node1", &["status", "--ip", "10.0.0.100"]);
    assert!(!plain.stdout.contains('\x1b'), "{}", plain.stdout);
}

#[test]
fn plan_is_restore_dry_run_and_restore_then_does_exactly_that() {
    let c = Cluster::two_region();
    let human = c.cli("node1", &["plan", "-t", TAG]);
    human.assert_code(0);
    assert!(
        human.stdout.contains("would make 6 replacements"),
        "{}",
        human.stdout
    );
    assert!(
        human
            .stdout
            .contains("rtb-01000000000000011      tgw-01000000000000001 -> eni-01000000000000001"),
        "{}",
        human.stdout
    );
    let dry_human = c.cli("node1", &["restore", "--dry-run", "-t", TAG]);
    assert_eq!(dry_human.stdout, human.stdout);

    let plan = c.cli("node1", &["plan", "-t", TAG, "--json"]);
    let dry = c.cli("node1", &["restore", "--dry-run", "-t", TAG, "--json"]);
    plan.assert_code(0);
    dry.assert_code(0);
    assert_eq!(plan.stdout, dry.stdout, "plan and restore --dry-run differ");
    assert_eq!(c.emu.writes(), 0, "a plan writes nothing");
    c.assert_converged("node2");

    let restore = c.cli("node1", &["restore", "-t", TAG, "--json"]);
    restore.assert_code(0);
    let listed = raw_field(&plan.stdout, "replacements");
    assert_eq!(listed.matches("\"table_id\"").count(), 6, "{listed}");
    assert_eq!(
        raw_field(&restore.stdout, "replacements"),
        raw_field(&plan.stdout, "replacements"),
        "restore did not do what plan showed"
    );
    c.assert_converged("node1");
    let planned = json(&plan.stdout);
    let done = json(&restore.stdout);
    assert_eq!(done["kind"], "restore");
    let replacements = planned["replacements"].as_array().unwrap();
    assert_eq!(replacements.len() as u64, c.emu.writes());
    for (r, outcome) in replacements
        .iter()
        .zip(done["outcomes"].as_array().unwrap())
    {
        assert_eq!(outcome["table_id"], r["table_id"]);
        assert_eq!(outcome["outcome"], "replaced");
    }
    // Nothing is left to plan, and the log still carries restore's lines.
    assert!(restore.has(127100) && restore.has(127101));
    let again = json(&c.cli("node1", &["plan", "-t", TAG, "--json"]).stdout);
    assert_eq!(again["replacements"], Value::Array(vec![]));
}

#[test]
fn doctor_passes_on_a_healthy_cluster_without_writing() {
    let c = Cluster::two_region();
    let run = c.cli("node1", &["doctor", "--ip", "10.0.0.100"]);
    run.assert_code(0);
    for action in [
        "DescribeTransitGateways",
        "ReplaceRoute",
        "ReplaceTransitGatewayRoute",
    ] {
        let line = format!("PASS  iam.{action}");
        assert!(run.stdout.contains(&line), "{line} in\n{}", run.stdout);
    }
    assert!(
        run.stdout
            .contains("resolved by the EnvironmentVariable provider"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("EC2 in us-west-2 answered in"),
        "{}",
        run.stdout
    );
    assert_eq!(c.emu.writes(), 0, "DryRun must not write");
    assert!(
        c.emu.calls("us-east-1", "ReplaceRoute") >= 1,
        "the permission is tried"
    );

    let doc = json(
        &c.cli("node1", &["doctor", "--ip", "10.0.0.100", "--json"])
            .stdout,
    );
    assert_eq!((&doc["kind"], &doc["ok"]), (&"doctor".into(), &true.into()));
    assert_eq!(doc["totals"]["fail"], 0);
    assert_eq!(check(&doc, "optional.source-dest-check")["status"], "PASS");
}

#[test]
fn doctor_names_a_denied_action_with_the_statement_to_add() {
    let c = Cluster::two_region();
    c.emu.deny_action("ReplaceTransitGatewayRoute");
    c.emu.deny_action("DescribeVpcs");
    let run = c.cli("node1", &["doctor", "--ip", "10.0.0.100"]);
    run.assert_code(1);
    let statement =
        r#"{"Effect": "Allow", "Action": "ec2:ReplaceTransitGatewayRoute", "Resource": "*"}"#;
    assert!(
        run.stdout.contains("FAIL  iam.ReplaceTransitGatewayRoute"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains(statement), "{}", run.stdout);

    let doc = json(
        &c.cli("node1", &["doctor", "--ip", "10.0.0.100", "--json"])
            .stdout,
    );
    let denied = check(&doc, "iam.ReplaceTransitGatewayRoute");
    assert_eq!(denied["status"], "FAIL");
    assert!(
        denied["fix"].as_str().unwrap().ends_with(statement),
        "{denied:#}"
    );
    let optional = check(&doc, "optional.vip-outside-vpcs");
    assert_eq!(
        optional["status"], "SKIP",
        "an optional permission never fails"
    );
    assert!(
        optional["summary"]
            .as_str()
            .unwrap()
            .contains("ec2:DescribeVpcs")
    );
    assert_eq!(doc["totals"]["fail"], 1, "{doc:#}");
}

#[test]
fn doctor_flags_a_missing_route_and_a_refused_metadata_token() {
    let c = Cluster::two_region();
    c.emu.delete_route(NODE1_MAIN, &vip_cidr()).unwrap();
    let doc = json(
        &c.cli("node1", &["doctor", "--ip", "10.0.0.100", "--json"])
            .stdout,
    );
    let local = check(&doc, "routes.local-vpc");
    assert_eq!(local["status"], "FAIL");
    let fix = local["fix"].as_str().unwrap();
    assert!(
        fix.contains(&format!("--route-table-id {NODE1_MAIN}")),
        "{fix}"
    );
    assert!(fix.contains(&format!("{REFERENCE_VIP}/32")), "{fix}");

    c.emu.set_imds_fault("node1", ImdsFault::TokenRefused, None);
    let run = c.cli("node1", &["doctor", "--ip", "10.0.0.100"]);
    run.assert_code(1);
    assert!(run.stdout.contains("FAIL  imds.token"), "{}", run.stdout);
    assert!(run.stdout.contains("HTTP 403"), "{}", run.stdout);
    assert!(run.stdout.contains("SKIP  ec2"), "{}", run.stdout);
}
