//! The log lines of a run: turns the engine's typed facts (findings, wrong
//! routes, write outcomes, the tally) into catalog messages. Every door
//! that logs goes through here, so the wording is one file's business and
//! the engine decides only what is true.

use std::net::Ipv4Addr;
use std::time::Duration;

use crate::engine::executor::{Outcome, Progress};
use crate::engine::planner::{Finding, Hop, Plan, RouteCheck, Verdict};
use crate::log::catalog::{Message, detail_of, role_refused, role_unavailable};

/// Counts for the closing summary line.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    pub checked: usize,
    pub replaced: usize,
    pub right: usize,
    pub wrong: usize,
    pub failed: usize,
    /// Replacements left for the next run because their region was silent.
    pub skipped: usize,
    pub skipped_regions: usize,
    pub calls: usize,
}

/// The catalog line for one of the planner's findings about the VIP `vip`.
pub fn finding(finding: &Finding, vip: Ipv4Addr) -> Message {
    let ip = vip.to_string();
    // A role that could not be assumed is said as such, whichever call needed it.
    let about_a_role = match finding {
        Finding::LookupFailed { error, .. } => role_refused(error),
        Finding::RegionFailed { error, .. } => role_unavailable(error),
        _ => None,
    };
    if let Some(message) = about_a_role {
        return message;
    }
    match finding.clone() {
        Finding::LookupFailed { error, remote } => Message::ApiFailed {
            api: error.api,
            remote,
            detail: detail_of(&error),
        },
        Finding::NoLocalVpcRoute { vpc_id } => Message::NoLocalVpcRoute { ip, vpc: vpc_id },
        Finding::NoTgwOnLocalVpc { vpc_id } => Message::NoTgwOnLocalVpc { vpc: vpc_id },
        Finding::SeveralTgwsOnLocalVpc {
            vpc_id,
            candidates,
            tgw_id,
        } => Message::SeveralTgwsOnLocalVpc {
            vpc: vpc_id,
            count: candidates,
            tgw: tgw_id,
        },
        Finding::NoLocalTgwRoute { tgw_id } => Message::NoLocalTgwRoute { ip, tgw: tgw_id },
        Finding::PeeringsUnknown { tgw_id, error } => Message::PeeringsUnknown {
            tgw: tgw_id,
            reason: detail_of(&error),
        },
        Finding::NoPeeredTgw { vpc_id } => Message::NoRemoteRegion { ip, vpc: vpc_id },
        Finding::NoPeeredTgwRoute { tgw_id } => Message::NoRemoteTgwRoute { ip, tgw: tgw_id },
        Finding::RegionUnreachable {
            region,
            tgw_id,
            reason,
        } => Message::RegionUnreachable {
            region,
            tgw: tgw_id,
            reason,
        },
        Finding::RegionFailed { tgw_id, error } => Message::region_skipped(&error, &tgw_id),
        Finding::PropagatedRoute { table_id, route } => Message::PropagatedRoute {
            ip,
            rt: table_id,
            route: route.to_string(),
        },
        Finding::NoRemoteVpcRoute => Message::NoRemoteVpcRoute { ip },
        Finding::TgwTableSkipped {
            table_id,
            region,
            error,
        } => Message::TgwTableSkipped {
            rt: table_id,
            region,
            reason: error.kind.to_string(),
        },
    }
}

/// Every finding of `plan`, as catalog lines.
pub fn findings(plan: &Plan) -> Vec<Message> {
    plan.findings.iter().map(|f| finding(f, plan.vip)).collect()
}

/// quickCheck's report: one vendor "does not match" line per wrong route.
pub fn mismatches(plan: &Plan) -> Vec<Message> {
    plan.replacements()
        .map(|c| {
            mismatch(
                c.hop,
                plan.vip.to_string(),
                c.current.to_string(),
                c.desired.to_string(),
            )
        })
        .collect()
}

/// The vendor's "does not match" message for a route of `hop`.
pub fn mismatch(hop: Hop, ip: String, route: String, expected: String) -> Message {
    match hop {
        Hop::LocalVpc => Message::LocalVpcRouteMismatch {
            ip,
            route,
            eni: expected,
        },
        Hop::LocalTgw => Message::LocalTgwRouteMismatch {
            ip,
            route,
            attachment: expected,
        },
        Hop::RemoteTgw => Message::RemoteTgwRouteMismatch {
            ip,
            route,
            expected,
        },
        Hop::LocalTgwVpc | Hop::RemoteTgwVpc => Message::RemoteVpcRouteMismatch {
            ip,
            route,
            tgw: expected,
        },
    }
}

/// The vendor's "Failed to update route table" message for a table of `hop`.
pub fn update_failed(hop: Hop, rt: String) -> Message {
    match hop {
        Hop::LocalVpc => Message::LocalVpcUpdateFailed { rt },
        Hop::LocalTgw => Message::LocalTgwUpdateFailed { rt },
        Hop::RemoteTgw => Message::RemoteTgwUpdateFailed { rt },
        Hop::LocalTgwVpc | Hop::RemoteTgwVpc => Message::RemoteVpcUpdateFailed { rt },
    }
}

/// The lines for the executor's outcomes of `plan`, in plan order.
pub fn outcomes(results: &[(&RouteCheck, Outcome)], plan: &Plan) -> Vec<Message> {
    let (vip, local_region) = (plan.vip, plan.local_region.as_str());
    let mut messages = Vec::new();
    for (check, outcome) in results {
        match outcome {
            Outcome::Replaced => messages.push(Message::RouteReplaced {
                ip: vip.to_string(),
                rt: check.table_id.clone(),
                region: check.region.clone(),
                old: check.current.to_string(),
                new: check.desired.to_string(),
            }),
            Outcome::Skipped(Some(err)) => messages.push(
                role_unavailable(err).unwrap_or_else(|| Message::region_skipped(err, &check.owner)),
            ),
            Outcome::Skipped(None) => {
                messages.push(unreachable(check, "still running at the run's deadline"))
            }
            Outcome::Failed(err) => {
                messages.push(role_refused(err).unwrap_or_else(|| Message::ApiFailed {
                    api: err.api,
                    remote: check.region != local_region,
                    detail: detail_of(err),
                }));
                messages.push(update_failed(check.hop, check.table_id.clone()));
            }
        }
    }
    messages
}

/// 127114: what had been done when `signal` stopped the run.
pub fn interrupted(signal: &str, progress: &Progress) -> Message {
    Message::Interrupted {
        signal: signal.to_string(),
        done: done_so_far(progress),
    }
}

/// One sentence: what had been done when the run stopped.
fn done_so_far(progress: &Progress) -> String {
    let (planned, replaced) = progress.done();
    let Some(planned) = planned else {
        return "stopped while looking up the routes; no route was replaced".into();
    };
    let done = replaced.len();
    let list = if done == 0 {
        String::new()
    } else {
        let tables: Vec<String> = replaced
            .iter()
            .map(|(table, region)| format!("{table} ({region})"))
            .collect();
        format!(": {}", tables.join(", "))
    };
    let open = planned.saturating_sub(done);
    format!(
        "{done} of {planned} replacement(s) confirmed{list}; {open} not confirmed, the next restore or recover finishes them"
    )
}

fn unreachable(check: &RouteCheck, reason: &str) -> Message {
    Message::RegionUnreachable {
        region: check.region.clone(),
        tgw: check.owner.clone(),
        reason: format!("{reason}; {} not updated", check.table_id),
    }
}

impl Tally {
    pub fn of_plan(plan: &Plan) -> Tally {
        let count = |v| plan.checks.iter().filter(|c| c.verdict == v).count();
        Tally {
            checked: plan.checks.len(),
            right: count(Verdict::Right),
            wrong: count(Verdict::Wrong),
            skipped_regions: plan.unreachable_regions.len(),
            ..Tally::default()
        }
    }

    pub fn add_applied(&mut self, results: &[(&RouteCheck, Outcome)]) {
        for (_, outcome) in results {
            match outcome {
                Outcome::Replaced => self.replaced += 1,
                Outcome::Skipped(_) => self.skipped += 1,
                Outcome::Failed(_) => self.failed += 1,
            }
        }
    }

    pub fn summary(&self, action: &str, vip: Ipv4Addr, elapsed: Duration, ok: bool) -> Message {
        let verdict = if ok { "succeeded" } else { "FAILED" };
        let middle = if ["quickCheck", "monitor"].contains(&action) {
            format!("{} wrong", self.wrong)
        } else {
            format!(
                "{} replaced, {} failed, {} skipped",
                self.replaced, self.failed, self.skipped
            )
        };
        Message::Summary {
            text: format!(
                "{action} of {vip} {verdict}: {} routes checked, {middle}, {} already right, {} regions skipped, {} EC2 calls, {:.3} s",
                self.checked,
                self.right,
                self.skipped_regions,
                self.calls,
                elapsed.as_secs_f64()
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::ec2::{Api, ApiError, ApiErrorKind};
    use crate::engine::topology::Target;

    fn check(region: &str) -> RouteCheck {
        RouteCheck {
            hop: Hop::RemoteTgw,
            region: region.into(),
            table_id: "tgw-rtb-1".into(),
            owner: "tgw-1".into(),
            account: None,
            current: Target::Blackhole,
            desired: Target::Attachment("tgw-attach-p".into()),
            verdict: Verdict::Wrong,
        }
    }

    fn timeout(region: &str) -> ApiError {
        ApiError {
            api: Api::ReplaceTransitGatewayRoute,
            region: region.into(),
            resource: Some("tgw-rtb-1".into()),
            account: None,
            kind: ApiErrorKind::Unreachable {
                reason: "timed out".into(),
            },
        }
    }

    #[test]
    fn a_skipped_write_warns_and_a_failed_one_names_its_call_and_table() {
        let plan = Plan {
            vip: Ipv4Addr::new(10, 0, 0, 100),
            local_region: "us-east-1".into(),
            node_account: None,
            checks: Vec::new(),
            findings: Vec::new(),
            unreachable_regions: Vec::new(),
        };
        let remote = check("us-west-2");
        let results = [(&remote, Outcome::Skipped(Some(timeout("us-west-2"))))];
        let messages = outcomes(&results, &plan);
        assert_eq!(
            messages.iter().map(Message::code).collect::<Vec<_>>(),
            [127102]
        );

        let local = check("us-east-1");
        let results = [(&local, Outcome::Failed(timeout("us-east-1")))];
        let messages = outcomes(&results, &plan);
        assert_eq!(
            messages.iter().map(Message::code).collect::<Vec<_>>(),
            [127006, 127018]
        );

        let mut tally = Tally::default();
        tally.add_applied(&[
            (&remote, Outcome::Skipped(Some(timeout("us-west-2")))),
            (&local, Outcome::Replaced),
        ]);
        assert_eq!((tally.replaced, tally.skipped, tally.failed), (1, 1, 0));
    }

    #[test]
    fn progress_says_what_was_confirmed_and_what_was_not() {
        let p = Progress::default();
        assert!(
            done_so_far(&p).contains("no route was replaced"),
            "{}",
            done_so_far(&p)
        );
        p.planned(3);
        p.replaced(&RouteCheck {
            region: "us-east-1".into(),
            table_id: "rtb-1".into(),
            ..check("us-east-1")
        });
        let text = done_so_far(&p);
        assert!(
            text.starts_with("1 of 3 replacement(s) confirmed: rtb-1 (us-east-1); 2 not confirmed"),
            "{text}"
        );
    }

    #[test]
    fn mismatch_messages_use_the_hop_codes() {
        let ip = || "10.0.0.100".to_string();
        let m = |hop: Hop| mismatch(hop, ip(), "a".into(), "b".into()).code();
        assert_eq!(m(Hop::LocalVpc), 127009);
        assert_eq!(m(Hop::LocalTgw), 127015);
        assert_eq!(m(Hop::RemoteTgw), 127017);
        assert_eq!(m(Hop::LocalTgwVpc), 127020);
        assert_eq!(m(Hop::RemoteTgwVpc), 127020);
        let u = |hop: Hop| update_failed(hop, "rt".into()).code();
        assert_eq!(
            [
                u(Hop::LocalVpc),
                u(Hop::LocalTgw),
                u(Hop::RemoteTgw),
                u(Hop::RemoteTgwVpc)
            ],
            [127010, 127016, 127018, 127021]
        );
    }

    #[test]
    fn read_only_runs_count_wrong_routes_not_replacements() {
        let tally = Tally {
            checked: 4,
            wrong: 1,
            ..Tally::default()
        };
        let vip = Ipv4Addr::new(10, 0, 0, 100);
        for action in ["quickCheck", "monitor"] {
            let text = tally
                .summary(action, vip, Duration::ZERO, false)
                .to_string();
            assert!(
                text.contains("1 wrong") && !text.contains("replaced"),
                "{text}"
            );
        }
        let text = tally
            .summary("start", vip, Duration::ZERO, true)
            .to_string();
        assert!(text.contains("0 replaced"), "{text}");
    }

    #[test]
    fn a_role_is_named_whichever_call_needed_it() {
        use crate::engine::ec2::AccountContext;
        let role = "arn:aws:iam::444400000002:role/LifeKeeperTgwRoutes";
        let err = |kind| ApiError {
            api: Api::AssumeRole,
            region: "us-west-2".into(),
            resource: None,
            account: Some(Box::new(AccountContext {
                account: "444400000002".into(),
                role_arn: role.into(),
            })),
            kind,
        };
        let vip = Ipv4Addr::new(10, 0, 0, 100);
        let silent = err(ApiErrorKind::Unreachable {
            reason: "no answer within the call's time budget".into(),
        });
        let skipped = Finding::RegionFailed {
            tgw_id: "tgw-2".into(),
            error: silent,
        };
        let line = finding(&skipped, vip);
        assert_eq!(line.code(), 127117);
        let text = line.to_string();
        assert!(text.contains(role) && text.contains("us-west-2"), "{text}");
        let refused = err(ApiErrorKind::Denied {
            code: "AccessDenied".into(),
            message: "not authorized to perform: sts:AssumeRole".into(),
        });
        let failed = Finding::LookupFailed {
            error: refused.clone(),
            remote: true,
        };
        let line = finding(&failed, vip);
        assert_eq!(line.code(), 127116);
        let text = line.to_string();
        assert!(
            text.contains("account 444400000002") && text.contains("trust policy"),
            "{text}"
        );
        let write = [(&check("us-west-2"), Outcome::Failed(refused))];
        let plan = Plan {
            vip,
            local_region: "us-east-1".into(),
            node_account: None,
            checks: Vec::new(),
            findings: Vec::new(),
            unreachable_regions: Vec::new(),
        };
        let lines = outcomes(&write, &plan);
        assert_eq!(lines[0].code(), 127116, "{lines:?}");
        assert_eq!(lines[1].code(), 127018, "{lines:?}");
    }
}
