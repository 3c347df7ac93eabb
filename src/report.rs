//! Turns plans and results into catalog messages, and decides what they mean
//! for the exit status. Kept apart from the engine so the wording of the log
//! is one file's business.

use std::net::Ipv4Addr;
use std::time::Duration;

use crate::catalog::Message;
use crate::ec2::detail_of;
use crate::executor::Applied;
use crate::planner::{Plan, RouteCheck, Verdict};

/// Counts for the closing summary line.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    pub checked: usize,
    pub replaced: usize,
    pub right: usize,
    pub wrong: usize,
    pub failed: usize,
    pub skipped_regions: usize,
    pub calls: usize,
}

/// quickCheck's report: one vendor "does not match" line per wrong route.
pub fn mismatches(plan: &Plan, vip: Ipv4Addr) -> Vec<Message> {
    plan.replacements()
        .map(|c| {
            c.hop.mismatch(
                vip.to_string(),
                c.current.to_string(),
                c.desired.to_string(),
            )
        })
        .collect()
}

/// Messages for the executor's results, and whether restore must fail for them.
pub fn applied(
    results: &[(&RouteCheck, Applied)],
    vip: Ipv4Addr,
    local_region: &str,
) -> (Vec<Message>, bool) {
    let mut messages = Vec::new();
    let mut fails = false;
    for (check, outcome) in results {
        match outcome {
            Applied::Replaced => messages.push(Message::RouteReplaced {
                ip: vip.to_string(),
                rt: check.table_id.clone(),
                region: check.region.clone(),
                old: check.current.to_string(),
                new: check.desired.to_string(),
            }),
            Applied::TimedOut => {
                messages.push(unreachable(check, "no answer before the region's deadline"))
            }
            Applied::Failed(err) if err.is_transient() && check.region != local_region => {
                messages.push(unreachable(check, &err.to_string()))
            }
            Applied::Failed(err) => {
                fails = true;
                messages.push(Message::ApiFailed {
                    api: err.api,
                    remote: check.region != local_region,
                    detail: detail_of(err),
                });
                messages.push(check.hop.update_failed(check.table_id.clone()));
            }
        }
    }
    (messages, fails)
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

    pub fn add_applied(&mut self, results: &[(&RouteCheck, Applied)]) {
        for (_, outcome) in results {
            match outcome {
                Applied::Replaced => self.replaced += 1,
                _ => self.failed += 1,
            }
        }
    }

    pub fn summary(&self, action: &str, vip: Ipv4Addr, elapsed: Duration, ok: bool) -> Message {
        let verdict = if ok { "succeeded" } else { "FAILED" };
        let middle = if action == "quickCheck" {
            format!("{} wrong", self.wrong)
        } else {
            format!("{} replaced, {} failed", self.replaced, self.failed)
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
