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
    /// Replacements left for the next run because their region was silent.
    pub skipped: usize,
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

/// What a replacement's outcome means for the run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fate {
    Replaced,
    /// A remote region did not answer: tolerated, converges on the next run.
    Skipped,
    Failed,
}

pub fn fate(check: &RouteCheck, outcome: &Applied, local_region: &str) -> Fate {
    match outcome {
        Applied::Replaced => Fate::Replaced,
        Applied::TimedOut => Fate::Skipped,
        Applied::Failed(err) if err.is_transient() && check.region != local_region => Fate::Skipped,
        Applied::Failed(_) => Fate::Failed,
    }
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
        match (fate(check, outcome, local_region), outcome) {
            (Fate::Replaced, _) => messages.push(Message::RouteReplaced {
                ip: vip.to_string(),
                rt: check.table_id.clone(),
                region: check.region.clone(),
                old: check.current.to_string(),
                new: check.desired.to_string(),
            }),
            (Fate::Skipped, Applied::Failed(err)) => {
                messages.push(Message::region_skipped(err, &check.owner))
            }
            (Fate::Skipped, _) => {
                messages.push(unreachable(check, "still running at the run's deadline"))
            }
            (Fate::Failed, outcome) => {
                fails = true;
                if let Applied::Failed(err) = outcome {
                    messages.push(Message::ApiFailed {
                        api: err.api,
                        remote: check.region != local_region,
                        detail: detail_of(err),
                    });
                }
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

    pub fn add_applied(&mut self, results: &[(&RouteCheck, Applied)], local_region: &str) {
        for (check, outcome) in results {
            match fate(check, outcome, local_region) {
                Fate::Replaced => self.replaced += 1,
                Fate::Skipped => self.skipped += 1,
                Fate::Failed => self.failed += 1,
            }
        }
    }

    pub fn summary(&self, action: &str, vip: Ipv4Addr, elapsed: Duration, ok: bool) -> Message {
        let verdict = if ok { "succeeded" } else { "FAILED" };
        let middle = if action == "quickCheck" {
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
    use crate::ec2::{Api, ApiError, ApiErrorKind};
    use crate::planner::Hop;
    use crate::topology::Target;

    fn check(region: &str) -> RouteCheck {
        RouteCheck {
            hop: Hop::RemoteTgw,
            region: region.into(),
            table_id: "tgw-rtb-1".into(),
            owner: "tgw-1".into(),
            current: Target::Blackhole,
            desired: Target::Attachment("tgw-attach-p".into()),
            verdict: Verdict::Wrong,
        }
    }

    fn timeout(region: &str) -> Applied {
        Applied::Failed(ApiError {
            api: Api::ReplaceTransitGatewayRoute,
            region: region.into(),
            resource: Some("tgw-rtb-1".into()),
            kind: ApiErrorKind::Unreachable {
                reason: "timed out".into(),
            },
        })
    }

    #[test]
    fn silence_is_tolerated_only_in_a_remote_region() {
        let vip = Ipv4Addr::new(10, 0, 0, 100);
        let remote = check("us-west-2");
        let results = [(&remote, timeout("us-west-2"))];
        let (messages, fails) = applied(&results, vip, "us-east-1");
        assert!(!fails);
        assert_eq!(
            messages.iter().map(Message::code).collect::<Vec<_>>(),
            [127102]
        );

        let local = check("us-east-1");
        let results = [(&local, timeout("us-east-1"))];
        let (messages, fails) = applied(&results, vip, "us-east-1");
        assert!(fails);
        assert_eq!(
            messages.iter().map(Message::code).collect::<Vec<_>>(),
            [127006, 127018]
        );

        let mut tally = Tally::default();
        tally.add_applied(
            &[(&remote, timeout("us-west-2")), (&local, Applied::Replaced)],
            "us-east-1",
        );
        assert_eq!((tally.replaced, tally.skipped, tally.failed), (1, 1, 0));
    }
}
