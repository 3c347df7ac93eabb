//! What users deploy by hand (issue 14) cannot drift from what the binary
//! needs: `packaging/iam/permissions-policy.json`, the CloudFormation
//! template's inline policy and README's IAM policy all grant exactly the
//! eight documented EC2 actions (`Api::ALL`, SPEC §5); every trust policy
//! allows `sts:AssumeRole` and nothing else; the template asks for
//! `sts:ExternalId` only under its `HasExternalId` condition; README shows
//! the template's own StackSet commands; and both packages ship the files.
//!
//! The template is read line by line (no YAML crate in the tree): enough for
//! a block-style template; a flow-style `Action: [..]` fails the checks
//! rather than slipping past them.

use std::collections::BTreeSet;
use std::fs;

use serde_json::Value;
use tgw_generic_rk::engine::ec2::Api;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const TEMPLATE: &str = "packaging/cloudformation/tgw-generic-rk-role.yaml";
const TRUST_POLICIES: [&str; 2] = [
    "packaging/iam/trust-policy.json",
    "packaging/iam/trust-policy-external-id.json",
];

fn read(path: &str) -> String {
    fs::read_to_string(format!("{ROOT}/{path}")).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn json(path: &str) -> Value {
    serde_json::from_str(&read(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn documented_actions() -> BTreeSet<String> {
    Api::ALL.iter().map(|api| api.iam_action()).collect()
}

/// A policy field that IAM accepts as one string or a list of strings.
fn strings(field: &Value) -> Vec<String> {
    match field {
        Value::String(s) => vec![s.clone()],
        Value::Array(items) => items
            .iter()
            .map(|v| v.as_str().unwrap().to_owned())
            .collect(),
        other => panic!("expected a string or a list of strings, got {other}"),
    }
}

/// The one statement of a policy that must have exactly one.
fn only_statement(policy: &Value) -> &Value {
    let [statement] = statements(policy).as_slice() else {
        panic!("one statement expected: {policy}");
    };
    statement
}

fn statements(policy: &Value) -> &Vec<Value> {
    assert_eq!(
        policy["Version"], "2012-10-17",
        "IAM policy grammar version"
    );
    policy["Statement"].as_array().unwrap()
}

#[test]
fn permissions_policy_grants_exactly_the_documented_actions() {
    let policy = json("packaging/iam/permissions-policy.json");
    let statement = only_statement(&policy);
    assert_eq!(statement["Effect"], "Allow");
    assert_eq!(statement["Resource"], "*");
    let actions = strings(&statement["Action"]);
    assert_eq!(actions.len(), 8, "no action listed twice: {actions:?}");
    assert_eq!(
        actions.into_iter().collect::<BTreeSet<_>>(),
        documented_actions()
    );
    let keys: BTreeSet<&str> = statement
        .as_object()
        .unwrap()
        .keys()
        .map(|k| k.as_str())
        .collect();
    assert_eq!(
        keys,
        BTreeSet::from(["Sid", "Effect", "Action", "Resource"])
    );
}

#[test]
fn readme_shows_the_shipped_permissions_policy() {
    let readme = read("README.md");
    let section = readme.split("\n## IAM policy\n").nth(1).unwrap();
    let block = section.split("```json\n").nth(1).unwrap();
    let shown: Value = serde_json::from_str(block.split("```").next().unwrap()).unwrap();
    assert_eq!(shown, json("packaging/iam/permissions-policy.json"));
}

#[test]
fn trust_policies_allow_the_node_roles_sts_assume_role_only() {
    for path in TRUST_POLICIES {
        let policy = json(path);
        for statement in statements(&policy) {
            assert_eq!(statement["Effect"], "Allow", "{path}");
            assert_eq!(strings(&statement["Action"]), ["sts:AssumeRole"], "{path}");
            for principal in strings(&statement["Principal"]["AWS"]) {
                assert!(
                    principal.starts_with("arn:aws:iam::") && principal.contains(":role/"),
                    "{path}: the principals are the nodes' instance roles, not {principal}"
                );
            }
        }
    }
}

#[test]
fn only_the_external_id_variant_asks_for_an_external_id() {
    let plain = json(TRUST_POLICIES[0]);
    assert!(
        statements(&plain)
            .iter()
            .all(|s| s.get("Condition").is_none())
    );
    let with_id = json(TRUST_POLICIES[1]);
    for statement in statements(&with_id) {
        let condition = statement["Condition"].as_object().unwrap();
        assert_eq!(condition.keys().collect::<Vec<_>>(), ["StringEquals"]);
        assert!(condition["StringEquals"]["sts:ExternalId"].is_string());
    }
}

#[test]
fn node_may_assume_the_templates_role_in_every_account() {
    let policy = json("packaging/iam/node-assume-role-policy.json");
    let statement = only_statement(&policy);
    assert_eq!(statement["Effect"], "Allow");
    assert_eq!(strings(&statement["Action"]), ["sts:AssumeRole"]);
    let template = Template::load();
    let role_name = template.default_of("RoleName");
    assert_eq!(
        strings(&statement["Resource"]),
        [format!("arn:aws:iam::*:role/{role_name}")]
    );
}

#[test]
fn template_inline_policy_grants_exactly_the_documented_actions() {
    let template = Template::load();
    let documents = template.keys_named("PolicyDocument");
    assert_eq!(documents.len(), 1, "one inline policy");
    let actions = template.list_under(template.key_in(documents[0], "Action"));
    assert_eq!(actions.len(), 8, "no action listed twice: {actions:?}");
    assert_eq!(
        actions.into_iter().collect::<BTreeSet<_>>(),
        documented_actions()
    );
    assert_eq!(
        template.value(template.key_in(documents[0], "Resource")),
        "*"
    );
    assert_eq!(
        template.value(template.key_in(documents[0], "Effect")),
        "Allow"
    );
    // No second statement (a Deny, a NotAction) hides in the document.
    assert_eq!(
        template.keys_named("Effect").len(),
        2,
        "trust + permissions"
    );
}

#[test]
fn template_role_is_assumed_by_the_nodes_and_expires_within_an_hour() {
    let template = Template::load();
    let trust = template.keys_named("AssumeRolePolicyDocument");
    assert_eq!(trust.len(), 1);
    assert_eq!(
        template.value(template.key_in(trust[0], "Action")),
        "sts:AssumeRole"
    );
    assert_eq!(
        template.value(template.key_in(trust[0], "AWS")),
        "!Ref TrustedNodeRoleArns"
    );
    let [duration] = template.keys_named("MaxSessionDuration")[..] else {
        panic!("MaxSessionDuration set once");
    };
    assert_eq!(template.value(duration), "3600");
    assert_eq!(template.default_of("RoleName"), "LifeKeeperTgwRoutes");
    assert_eq!(
        template.default_of("ExternalId"),
        "",
        "no external id unless given"
    );
    assert_eq!(template.keys_named("RoleArn").len(), 1, "output RoleArn");
}

#[test]
fn template_asks_for_an_external_id_only_when_one_is_given() {
    let template = Template::load();
    let uses: Vec<usize> = (0..template.lines.len())
        .filter(|&i| template.lines[i].text.contains("sts:ExternalId"))
        .collect();
    assert_eq!(uses.len(), 1, "sts:ExternalId named once");
    let condition = template
        .ancestors(uses[0])
        .into_iter()
        .find(|&i| template.lines[i].key() == "Condition");
    let condition = condition.expect("sts:ExternalId under the trust statement's Condition");
    assert_eq!(template.value(condition), "!If");
    assert_eq!(template.lines[condition + 1].text, "- HasExternalId");
    assert!(
        template
            .ancestors(condition)
            .contains(&template.keys_named("AssumeRolePolicyDocument")[0])
    );
    assert!(
        template
            .lines
            .iter()
            .any(|l| l.text == "- !Ref AWS::NoValue")
    );
    let [defined] = template.keys_named("HasExternalId")[..] else {
        panic!("condition HasExternalId defined once");
    };
    assert_eq!(
        template.value(defined),
        "!Not [!Equals [!Ref ExternalId, \"\"]]"
    );
}

#[test]
fn readme_deploys_the_stack_set_as_the_template_says() {
    let template = read(TEMPLATE);
    let commands: Vec<&str> = template
        .lines()
        .skip_while(|l| !l.contains("aws cloudformation create-stack-set"))
        .take_while(|l| l.starts_with("#   "))
        .map(|l| l.trim_start_matches('#').trim())
        .collect();
    assert!(
        commands
            .iter()
            .any(|l| l.contains("--permission-model SERVICE_MANAGED"))
    );
    assert!(
        commands
            .iter()
            .any(|l| l.starts_with("aws cloudformation create-stack-instances"))
    );
    let readme = read("README.md");
    let section = readme.split("\n## Several AWS accounts\n").nth(1).unwrap();
    let shown: Vec<&str> = section.lines().map(str::trim).collect();
    assert!(
        shown
            .windows(commands.len())
            .any(|w| w == commands.as_slice()),
        "README's StackSet commands differ from the template's header: {commands:#?}"
    );
}

#[test]
fn both_packages_ship_the_policies_and_the_template() {
    let manifest = read("Cargo.toml");
    for shipped in [
        r#"["packaging/iam/*.json", "opt/tgw_generic_rk/share/iam/", "644"]"#,
        r#"["packaging/cloudformation/*.yaml", "opt/tgw_generic_rk/share/cloudformation/", "644"]"#,
        r#"{ source = "packaging/iam/*.json", dest = "/opt/tgw_generic_rk/share/iam/", mode = "644" }"#,
        r#"{ source = "packaging/cloudformation/*.yaml", dest = "/opt/tgw_generic_rk/share/cloudformation/", mode = "644" }"#,
    ] {
        assert!(manifest.contains(shipped), "Cargo.toml lacks {shipped}");
    }
}

/// One meaningful line of the template: its indentation (a list item's
/// `- ` counts as indentation for what follows it) and its text.
struct Line {
    indent: usize,
    text: String,
}

impl Line {
    /// The mapping key on this line, without a list item's `- `.
    fn key(&self) -> &str {
        let text = self.text.strip_prefix("- ").unwrap_or(&self.text);
        text.split_once(':').map_or("", |(key, _)| key)
    }
}

struct Template {
    lines: Vec<Line>,
}

impl Template {
    /// Comment and blank lines dropped.
    fn load() -> Template {
        let lines = read(TEMPLATE)
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
            .map(|l| Line {
                indent: l.len() - l.trim_start().len(),
                text: l.trim().to_owned(),
            })
            .collect();
        Template { lines }
    }

    fn keys_named(&self, key: &str) -> Vec<usize> {
        (0..self.lines.len())
            .filter(|&i| self.lines[i].key() == key)
            .collect()
    }

    /// The lines nested under line `at`.
    fn children(&self, at: usize) -> std::ops::Range<usize> {
        let end = (at + 1..self.lines.len())
            .find(|&i| self.lines[i].indent <= self.lines[at].indent)
            .unwrap_or(self.lines.len());
        at + 1..end
    }

    /// The only line with `key` nested under line `at`.
    fn key_in(&self, at: usize, key: &str) -> usize {
        let found: Vec<usize> = self
            .children(at)
            .filter(|&i| self.lines[i].key() == key)
            .collect();
        assert_eq!(found.len(), 1, "one {key} under {}", self.lines[at].text);
        found[0]
    }

    /// The inline value after `key:`, unquoted.
    fn value(&self, at: usize) -> &str {
        let text = &self.lines[at].text;
        let value = text.split_once(':').unwrap().1.trim();
        value
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .unwrap_or(value)
    }

    /// The block list under line `at` (`- item` lines one level down).
    fn list_under(&self, at: usize) -> Vec<String> {
        assert_eq!(
            self.value(at),
            "",
            "{} holds a block list",
            self.lines[at].text
        );
        self.children(at)
            .map(|i| self.lines[i].text.strip_prefix("- ").unwrap().to_owned())
            .collect()
    }

    fn default_of(&self, parameter: &str) -> &str {
        let parameters = self.keys_named("Parameters");
        let top_level = parameters.into_iter().find(|&i| self.lines[i].indent == 0);
        let at = self.key_in(top_level.unwrap(), parameter);
        self.value(self.key_in(at, "Default"))
    }

    /// Every line that line `at` is nested under, nearest first.
    fn ancestors(&self, at: usize) -> Vec<usize> {
        let mut found = Vec::new();
        let mut indent = self.lines[at].indent;
        for i in (0..at).rev() {
            if self.lines[i].indent < indent {
                found.push(i);
                indent = self.lines[i].indent;
            }
        }
        found
    }
}
