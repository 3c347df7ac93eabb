//! Cross-account runs: every account the walk reaches, checked the way a
//! switchover uses it: its role assumed, then each of the eight actions
//! tried there with `DryRun`, with the exact statements to add when one is
//! refused. The node's own account is checked the same way, with the
//! node's own credentials, so each account's line speaks only for it.

use std::collections::BTreeMap;
use std::net::Ipv4Addr;
use std::time::Duration;

use futures_util::future::join_all;

use super::{Check, CheckStatus, millis};
use crate::aws::ec2::sdk::SdkEc2;
use crate::engine::ec2::{Api, ApiError, Ec2};
use crate::engine::planner::{Hop, Plan, RouteCheck};
use crate::engine::topology::{RemoteRegion, Topology};
use crate::settings::Settings;

/// What doctor learned about one account.
#[derive(Clone, Debug, PartialEq)]
pub struct AccountProbe {
    pub account: String,
    /// The role used there; `None` for the node's own account.
    pub role_arn: Option<String>,
    /// How assuming the role went (`None` for the node's own account).
    pub role: Option<Result<Duration, ApiError>>,
    /// Where the actions were tried.
    pub region: String,
    /// Each of the eight actions; `None`: not tried (no such table there,
    /// or the role could not be assumed).
    pub actions: Vec<(Api, Option<Result<(), ApiError>>)>,
}

/// Every account the walk reaches, the node's first, with the region its
/// tables are in (the node's region when none was seen).
pub fn reached(topo: &Topology, plan: &Plan) -> BTreeMap<String, String> {
    let mut found: BTreeMap<String, String> = BTreeMap::new();
    let mut note = |account: Option<String>, region: &str| {
        if let Some(account) = account {
            found.entry(account).or_insert_with(|| region.to_string());
        }
    };
    for check in &plan.checks {
        note(plan.account_of(check), &check.region);
    }
    let regions = std::iter::once(&topo.local).chain(topo.remotes.iter().filter_map(|r| match r {
        RemoteRegion::Observed(f) => Some(&**f),
        RemoteRegion::Unreachable { .. } => None,
    }));
    for facts in regions {
        for other in &facts.other_accounts {
            note(Some(other.account.clone()), &facts.region);
        }
        for table in facts.tgw_tables.iter().flatten() {
            note(table.table.account.clone(), &facts.region);
        }
    }
    note(topo.node.account().map(str::to_string), &topo.node.region);
    found
}

/// Probes every account of [`reached`] at once.
pub async fn probe(ec2: &SdkEc2, topo: &Topology, plan: &Plan, vip: Ipv4Addr) -> Vec<AccountProbe> {
    let own = topo.node.account().unwrap_or_default().to_string();
    join_all(
        reached(topo, plan)
            .into_iter()
            .map(|(account, region)| probe_one(ec2, plan, vip, account, region, &own)),
    )
    .await
}

async fn probe_one(
    ec2: &SdkEc2,
    plan: &Plan,
    vip: Ipv4Addr,
    account: String,
    region: String,
    own: &str,
) -> AccountProbe {
    let mine = account == own;
    let there = ec2.in_account((!mine).then_some(account.as_str()));
    let role = match mine {
        true => None,
        false => Some(there.assumed(&region).await),
    };
    let actions = match &role {
        Some(Err(_)) => Api::ALL.iter().map(|&api| (api, None)).collect(),
        _ => {
            join_all(Api::ALL.iter().map(|&api| {
                let there = &there;
                let (region, account) = (region.as_str(), account.as_str());
                async move {
                    (
                        api,
                        try_action(there, plan, vip, api, region, account).await,
                    )
                }
            }))
            .await
        }
    };
    AccountProbe {
        role_arn: (!mine).then(|| ec2.role_arn(&account)).flatten(),
        account,
        role,
        region,
        actions,
    }
}

/// `api` with DryRun in `account`: on a table of that account where the
/// action needs one (`None` when it has none).
async fn try_action(
    there: &SdkEc2,
    plan: &Plan,
    vip: Ipv4Addr,
    api: Api,
    region: &str,
    account: &str,
) -> Option<Result<(), ApiError>> {
    let is_tgw = |c: &&RouteCheck| matches!(c.hop, Hop::LocalTgw | Hop::RemoteTgw);
    let of_account = |c: &&RouteCheck| plan.account_of(c).as_deref() == Some(account);
    let mut tables = plan.checks.iter().filter(of_account);
    Some(match api {
        Api::SearchTransitGatewayRoutes => {
            let c = tables.find(is_tgw)?;
            there.permitted(&c.region, api, Some(&c.table_id)).await
        }
        Api::ReplaceTransitGatewayRoute => {
            let c = tables.find(is_tgw)?;
            there.replace_vip_route(&c.replacement(), vip, true).await
        }
        Api::ReplaceRoute => {
            let c = tables.find(|c| !is_tgw(c))?;
            there.replace_vip_route(&c.replacement(), vip, true).await
        }
        _ => there.permitted(region, api, None).await,
    })
}

/// The node's identity as the trust policies must name it.
pub struct NodePrincipal {
    pub account: String,
    /// The instance role's name, when instance metadata said it.
    pub role_name: Option<String>,
}

impl NodePrincipal {
    fn arn(&self) -> String {
        let name = self
            .role_name
            .as_deref()
            .unwrap_or("<this node's instance role>");
        format!("arn:aws:iam::{}:role/{name}", self.account)
    }
}

/// Two checks per account: its role (other accounts), then its actions.
pub fn checks(probes: &[AccountProbe], node: &NodePrincipal, settings: &Settings) -> Vec<Check> {
    let mut out = Vec::new();
    for p in probes {
        if let (Some(role), Some(arn)) = (&p.role, &p.role_arn) {
            out.push(role_check(p, arn, role, node, settings));
        }
        out.push(actions_check(p));
    }
    out
}

fn role_check(
    p: &AccountProbe,
    arn: &str,
    role: &Result<Duration, ApiError>,
    node: &NodePrincipal,
    settings: &Settings,
) -> Check {
    let id = format!("account.{}.role", p.account);
    let err = match role {
        Ok(took) => {
            let text = format!("role {arn} assumed in {}", millis(*took));
            return Check::new(id, CheckStatus::Pass, text);
        }
        Err(e) => e,
    };
    if err.is_transient() {
        return Check::new(
            id,
            CheckStatus::Warn,
            format!("role {arn} not assumed: STS did not answer ({})", err.kind),
        )
        .fix(
            "check the route / proxy to the regional STS endpoint (sts.<region>.amazonaws.com:443)",
        );
    }
    let external = settings
        .assume_role
        .as_ref()
        .is_some_and(|r| r.external_id.is_some());
    Check::new(
        id,
        CheckStatus::Fail,
        format!("role {arn} could not be assumed: {}", err.kind),
    )
    .details(vec![
        format!("trust policy of {arn}: {}", trust_statement(node, external)),
        format!(
            "policy of {}: {}",
            node.arn(),
            format_args!(r#"{{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "{arn}"}}"#)
        ),
    ])
    .fix(format!(
        "in account {}, create the role (packaging/cloudformation/tgw-generic-rk-role.yaml) or add the trust statement above; allow this node's role to assume it",
        p.account
    ))
}

/// The statement a role's trust policy needs for this node.
pub fn trust_statement(node: &NodePrincipal, external_id: bool) -> String {
    let condition = match external_id {
        true => {
            r#", "Condition": {"StringEquals": {"sts:ExternalId": "<TGW_RK_ASSUME_ROLE_EXTERNAL_ID>"}}"#
        }
        false => "",
    };
    format!(
        r#"{{"Effect": "Allow", "Principal": {{"AWS": "{}"}}, "Action": "sts:AssumeRole"{condition}}}"#,
        node.arn()
    )
}

fn actions_check(p: &AccountProbe) -> Check {
    let id = format!("account.{}.iam", p.account);
    let whose = p.role_arn.as_deref().map_or_else(
        || "this node's instance role".to_string(),
        |arn| format!("role {arn}"),
    );
    if p.actions.iter().all(|(_, r)| r.is_none()) && p.role.as_ref().is_some_and(|r| r.is_err()) {
        let text = format!(
            "the actions in account {} were not tried: its role was not assumed",
            p.account
        );
        return Check::new(id, CheckStatus::Skip, text);
    }
    // Only what is not simply permitted needs reading.
    let details = p
        .actions
        .iter()
        .filter(|(_, r)| !matches!(r, Some(Ok(()))))
        .map(|(api, r)| action_line(*api, r.as_ref()))
        .collect();
    let denied: Vec<Api> = p
        .actions
        .iter()
        .filter(|(_, r)| matches!(r, Some(Err(e)) if e.is_denied()))
        .map(|(api, _)| *api)
        .collect();
    if !denied.is_empty() {
        let names: Vec<String> = denied.iter().map(|a| a.iam_action()).collect();
        let statements: Vec<String> = denied
            .iter()
            .map(|&a| super::iam::policy_statement(a))
            .collect();
        return Check::new(
            id,
            CheckStatus::Fail,
            format!(
                "in account {} ({}), {} denied",
                p.account,
                p.region,
                names.join(", ")
            ),
        )
        .details(details)
        .fix(format!(
            "add to the policy of {whose}: {}",
            statements.join(", ")
        ));
    }
    let permitted = p
        .actions
        .iter()
        .filter(|(_, r)| matches!(r, Some(Ok(()))))
        .count();
    let untried = p.actions.iter().filter(|(_, r)| r.is_none()).count();
    let failed = p.actions.len() - permitted - untried;
    let mut text = format!(
        "{permitted} of {} actions permitted in account {} (DryRun in {})",
        p.actions.len(),
        p.account,
        p.region
    );
    if untried > 0 {
        text.push_str(&format!("; {untried} not tried"));
    }
    let status = match failed {
        0 => CheckStatus::Pass,
        _ => CheckStatus::Warn,
    };
    Check::new(id, status, text).details(details)
}

fn action_line(api: Api, result: Option<&Result<(), ApiError>>) -> String {
    let action = api.iam_action();
    match result {
        None => format!("{action}: not tried (no VIP route table of that kind in this account)"),
        Some(Ok(())) => format!("{action}: permitted"),
        Some(Err(e)) if e.is_denied() => format!("{action}: DENIED ({})", e.code()),
        Some(Err(e)) => format!("{action}: not verified ({})", e.kind),
    }
}
