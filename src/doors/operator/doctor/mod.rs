//! `doctor`: everything a switchover depends on, checked in the order an
//! operator would fix it. The shell gathers [`DoctorFacts`]; turning them
//! into PASS / WARN / FAIL / SKIP lines with a one-line fix is pure.

use std::net::Ipv4Addr;
use std::time::{Duration, SystemTime};

use serde::Serialize;

use super::status::StatusReport;
use crate::aws::ec2::sdk::CredentialsInfo;
use crate::aws::imds::TokenFailure;
use crate::engine::ec2::{Api, ApiError};
use crate::engine::planner::Plan;
use crate::engine::topology::{LocalNode, Topology, VpcCidrs};
use crate::log::catalog::Message;
use crate::report::json::SCHEMA_VERSION;
use crate::settings::Settings;

mod accounts;
pub mod gather;
mod iam;
mod node;
mod optional;
mod routes;
mod tls;

pub use tls::TlsFacts;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum CheckStatus {
    Pass,
    Warn,
    Fail,
    /// Could not or need not run; never a failure.
    Skip,
}

impl CheckStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            CheckStatus::Pass => "PASS",
            CheckStatus::Warn => "WARN",
            CheckStatus::Fail => "FAIL",
            CheckStatus::Skip => "SKIP",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Check {
    pub id: String,
    pub status: CheckStatus,
    pub summary: String,
    pub details: Vec<String>,
    /// What to do about it, in one line; null when nothing needs doing.
    pub fix: Option<String>,
}

impl Check {
    pub(super) fn new(
        id: impl Into<String>,
        status: CheckStatus,
        summary: impl Into<String>,
    ) -> Check {
        Check {
            id: id.into(),
            status,
            summary: summary.into(),
            details: Vec::new(),
            fix: None,
        }
    }

    pub(super) fn fix(mut self, fix: impl Into<String>) -> Check {
        self.fix = Some(fix.into());
        self
    }

    pub(super) fn details(mut self, details: Vec<String>) -> Check {
        self.details = details;
        self
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Totals {
    pub pass: usize,
    pub warn: usize,
    pub fail: usize,
    pub skip: usize,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DoctorReport {
    pub kind: &'static str,
    pub schema_version: u32,
    pub vip: Option<String>,
    /// True when no check failed (warnings allowed): doctor then exits 0.
    pub ok: bool,
    pub totals: Totals,
    pub checks: Vec<Check>,
}

/// One region's answer to the endpoint probe (DescribeTransitGateways).
#[derive(Clone, Debug, PartialEq)]
pub struct EndpointProbe {
    pub region: String,
    pub elapsed: Duration,
    pub result: Result<(), ApiError>,
}

/// One `DryRun=true` replacement: permitted or not.
#[derive(Clone, Debug, PartialEq)]
pub struct DryRun {
    pub api: Api,
    pub region: String,
    pub table_id: String,
    pub result: Result<(), ApiError>,
}

/// What the EC2 side of doctor saw; only there once the node is known.
#[derive(Clone, Debug, PartialEq)]
pub struct Ec2Facts {
    pub topology: Topology,
    pub plan: Plan,
    pub status: StatusReport,
    pub endpoints: Vec<EndpointProbe>,
    pub dry_runs: Vec<DryRun>,
    pub vpc_cidrs: Vec<(String, Result<Vec<VpcCidrs>, ApiError>)>,
    pub source_dest_check: Result<bool, ApiError>,
    /// Cross-account runs: every account reached, probed (empty otherwise).
    pub accounts: Vec<accounts::AccountProbe>,
    /// The node's instance role name, for the trust statements to add.
    pub node_role: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct DoctorFacts<'s> {
    pub settings: &'s Settings,
    /// The proxy settings could not be used (we then connect directly).
    pub proxy_problem: Option<String>,
    pub vip: Result<Ipv4Addr, Message>,
    pub imds_endpoint: String,
    pub token: Result<Duration, TokenFailure>,
    /// None when the token check already failed.
    pub node: Option<Result<LocalNode, Message>>,
    pub interface: Option<String>,
    pub credentials: Option<Result<CredentialsInfo, String>>,
    /// The trust for EC2 endpoints (system store, plus a CA bundle).
    pub tls: TlsFacts,
    pub ec2: Option<Ec2Facts>,
    pub now: SystemTime,
}

pub fn report(facts: &DoctorFacts<'_>) -> DoctorReport {
    let mut checks = node::checks(facts);
    let probes = facts.ec2.as_ref().map(|e| e.endpoints.as_slice());
    checks.push(tls::check(&facts.tls, probes));
    match &facts.ec2 {
        Some(ec2) => {
            checks.extend(iam::endpoint_checks(ec2, facts.settings));
            // Across accounts, each account's permissions are proven there;
            // one verdict over every account's calls would blame the node.
            match ec2.topology.node.account() {
                Some(account) => {
                    let node = accounts::NodePrincipal {
                        account: account.to_string(),
                        role_name: ec2.node_role.clone(),
                    };
                    checks.extend(accounts::checks(&ec2.accounts, &node, facts.settings));
                }
                None => checks.extend(iam::checks(ec2)),
            }
            checks.extend(routes::checks(ec2));
            checks.extend(optional::checks(ec2));
        }
        None => checks.push(Check::new(
            "ec2",
            CheckStatus::Skip,
            "EC2 checks need this node's identity and the VIP; fix the failures above first",
        )),
    }
    finish(facts.vip.as_ref().ok().map(|v| v.to_string()), checks)
}

fn finish(vip: Option<String>, checks: Vec<Check>) -> DoctorReport {
    let mut totals = Totals::default();
    for c in &checks {
        match c.status {
            CheckStatus::Pass => totals.pass += 1,
            CheckStatus::Warn => totals.warn += 1,
            CheckStatus::Fail => totals.fail += 1,
            CheckStatus::Skip => totals.skip += 1,
        }
    }
    DoctorReport {
        kind: "doctor",
        schema_version: SCHEMA_VERSION,
        vip,
        ok: totals.fail == 0,
        totals,
        checks,
    }
}

pub(super) fn millis(d: Duration) -> String {
    format!("{} ms", d.as_millis())
}

#[cfg(test)]
mod tests;
