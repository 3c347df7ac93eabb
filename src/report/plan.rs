//! `plan` and `restore --dry-run`: the replacements restore would make, and,
//! after a real `restore --json`, the same replacements with their outcomes.
//! Both documents list replacements through [`ReplacementView`] so an
//! operator can diff what was planned against what was done.

use serde::Serialize;

use crate::engine::executor::Outcome;
use crate::engine::planner::{Hop, Plan, RouteCheck};
use crate::log::catalog::detail_of;
use crate::report::json::{FindingView, NodeView, SCHEMA_VERSION};

/// One route restore rewrites.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ReplacementView {
    pub region: String,
    pub hop: Hop,
    pub table_id: String,
    pub owner: String,
    /// The AWS account that owns the table (cross-account runs only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    pub from: String,
    pub to: String,
}

impl ReplacementView {
    pub fn of(c: &RouteCheck, plan: &Plan) -> ReplacementView {
        ReplacementView {
            region: c.region.clone(),
            hop: c.hop,
            table_id: c.table_id.clone(),
            owner: c.owner.clone(),
            account: plan.account_of(c),
            from: c.current.to_string(),
            to: c.desired.to_string(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PlanReport {
    pub kind: &'static str,
    pub schema_version: u32,
    pub vip: String,
    pub node: NodeView,
    /// False when restore would exit 1 even if every replacement succeeded.
    pub ok: bool,
    /// VIP routes found, whether or not they need replacing.
    pub routes_seen: usize,
    pub replacements: Vec<ReplacementView>,
    /// Regions whose routes could not be seen, so are not planned.
    pub unreachable_regions: Vec<String>,
    pub findings: Vec<FindingView>,
}

pub fn report(node: NodeView, plan: &Plan) -> PlanReport {
    PlanReport {
        kind: "plan",
        schema_version: SCHEMA_VERSION,
        vip: plan.vip.to_string(),
        node,
        ok: !plan.fails_restore(),
        routes_seen: plan.checks.len(),
        replacements: plan
            .replacements()
            .map(|c| ReplacementView::of(c, plan))
            .collect(),
        unreachable_regions: plan.unreachable_regions.clone(),
        findings: FindingView::all(plan),
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct OutcomeView {
    pub table_id: String,
    /// "replaced", "skipped" (its region did not answer; the next restore
    /// or recover converges it) or "failed".
    pub outcome: &'static str,
    pub error: Option<String>,
}

impl OutcomeView {
    pub fn of(check: &RouteCheck, outcome: &Outcome) -> OutcomeView {
        let (word, error) = match outcome {
            Outcome::Replaced => ("replaced", None),
            Outcome::Skipped(None) => (
                "skipped",
                Some("no answer before the region's deadline".to_string()),
            ),
            Outcome::Skipped(Some(err)) => ("skipped", Some(detail_of(err))),
            Outcome::Failed(err) => ("failed", Some(detail_of(err))),
        };
        OutcomeView {
            table_id: check.table_id.clone(),
            outcome: word,
            error,
        }
    }
}

/// What `restore --json` prints once the replacements are done.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RestoreReport {
    pub kind: &'static str,
    pub schema_version: u32,
    pub vip: String,
    pub node: NodeView,
    /// The run's exit status: true means exit 0.
    pub ok: bool,
    pub routes_seen: usize,
    /// Exactly the `replacements` that `plan` showed for the same routes.
    pub replacements: Vec<ReplacementView>,
    /// One per replacement, in the same order.
    pub outcomes: Vec<OutcomeView>,
    pub unreachable_regions: Vec<String>,
    pub findings: Vec<FindingView>,
}

pub fn restore_report(
    planned: PlanReport,
    results: &[(&RouteCheck, Outcome)],
    ok: bool,
) -> RestoreReport {
    let outcomes = results
        .iter()
        .map(|(check, outcome)| OutcomeView::of(check, outcome))
        .collect();
    RestoreReport {
        kind: "restore",
        schema_version: SCHEMA_VERSION,
        vip: planned.vip,
        node: planned.node,
        ok,
        routes_seen: planned.routes_seen,
        replacements: planned.replacements,
        outcomes,
        unreachable_regions: planned.unreachable_regions,
        findings: planned.findings,
    }
}
