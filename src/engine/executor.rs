//! Applies a plan's replacements: all at once, until the run's deadline
//! ([`crate::engine::deadline`]), recording each confirmed one so an interrupted run
//! can still say what it did.

use std::sync::{Mutex, PoisonError};

use futures_util::future::join_all;
use tokio::time::Instant;

use crate::engine::ec2::{Api, ApiError, Ec2};
use crate::engine::planner::{Plan, RouteCheck};
use crate::engine::topology::Target;

/// What became of one replacement, and so what it means for the run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    Replaced,
    /// A remote region did not answer (its error, or `None` when the write
    /// was still running at the run's deadline): tolerated, the next run
    /// converges it.
    Skipped(Option<ApiError>),
    /// AWS said no, or the local region did not answer: restore fails.
    Failed(ApiError),
}

impl Outcome {
    pub fn is_failed(&self) -> bool {
        matches!(self, Outcome::Failed(_))
    }
}

/// What a run has done so far, readable while it is still running (by the
/// signal handler: LifeKeeper's timeout kill must not leave the log silent).
#[derive(Debug, Default)]
pub struct Progress {
    state: Mutex<ProgressState>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct ProgressState {
    /// Replacements started, once the plan is known.
    planned: Option<usize>,
    /// (table, region) of every confirmed replacement, in completion order.
    replaced: Vec<(String, String)>,
}

impl Progress {
    fn update(&self, change: impl FnOnce(&mut ProgressState)) {
        change(&mut self.state.lock().unwrap_or_else(PoisonError::into_inner));
    }

    pub fn planned(&self, count: usize) {
        self.update(|s| s.planned = Some(count));
    }

    pub fn replaced(&self, check: &RouteCheck) {
        let entry = (check.table_id.clone(), check.region.clone());
        self.update(|s| s.replaced.push(entry));
    }

    /// What had been done so far: the replacements started (`None` while
    /// the routes were still being looked up) and the confirmed ones, as
    /// (table, region) in completion order.
    pub fn done(&self) -> (Option<usize>, Vec<(String, String)>) {
        let s = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        (s.planned, s.replaced.clone())
    }
}

/// Replaces every wrong route of `plan`; results come back in plan order.
/// A remote region that does not answer (an error that is no definite "no",
/// or still running at `deadline`) is [`Outcome::Skipped`]; the local region
/// must answer, or the replacement failed.
pub async fn apply<'p, E: Ec2>(
    ec2: &E,
    plan: &'p Plan,
    deadline: Instant,
    progress: &Progress,
) -> Vec<(&'p RouteCheck, Outcome)> {
    let (vip, local_region) = (plan.vip, plan.local_region.as_str());
    progress.planned(plan.replacements().count());
    let work = plan.replacements().map(|check| async move {
        let replacement = check.replacement();
        let call = ec2.replace_vip_route(&replacement, vip, false);
        let answer = tokio::time::timeout_at(deadline, call).await.ok();
        let outcome = outcome_of(check, answer, local_region);
        if outcome == Outcome::Replaced {
            progress.replaced(check);
        }
        (check, outcome)
    });
    join_all(work).await
}

/// What a replacement's answer (`None`: none by the deadline) means for
/// the run: silence is tolerated only in a remote region.
fn outcome_of(
    check: &RouteCheck,
    answer: Option<Result<(), ApiError>>,
    local_region: &str,
) -> Outcome {
    let local = check.region == local_region;
    match answer {
        Some(Ok(())) => Outcome::Replaced,
        Some(Err(e)) if e.is_transient() && !local => Outcome::Skipped(Some(e)),
        Some(Err(e)) => Outcome::Failed(e),
        None if local => Outcome::Failed(abandoned(check)),
        None => Outcome::Skipped(None),
    }
}

fn abandoned(check: &RouteCheck) -> ApiError {
    let api = match check.desired {
        Target::Attachment(_) => Api::ReplaceTransitGatewayRoute,
        _ => Api::ReplaceRoute,
    };
    crate::engine::deadline::abandoned(api, &check.region, Some(&check.table_id))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::planner::{Hop, Verdict};

    fn check(table: &str) -> RouteCheck {
        RouteCheck {
            hop: Hop::LocalVpc,
            region: "us-east-1".into(),
            table_id: table.into(),
            owner: "vpc-1".into(),
            account: None,
            current: Target::Eni("eni-old".into()),
            desired: Target::Eni("eni-new".into()),
            verdict: Verdict::Wrong,
        }
    }

    #[test]
    fn progress_keeps_the_confirmed_replacements_in_order() {
        let p = Progress::default();
        assert_eq!(p.done(), (None, Vec::new()));
        p.planned(3);
        p.replaced(&check("rtb-1"));
        let confirmed = vec![("rtb-1".to_string(), "us-east-1".to_string())];
        assert_eq!(p.done(), (Some(3), confirmed));
    }

    #[test]
    fn silence_is_tolerated_only_in_a_remote_region() {
        let timeout = |region: &str| ApiError {
            api: Api::ReplaceRoute,
            region: region.into(),
            resource: None,
            account: None,
            kind: crate::engine::ec2::ApiErrorKind::Unreachable {
                reason: "timed out".into(),
            },
        };
        let mut remote = check("rtb-r");
        remote.region = "us-west-2".into();
        let local = check("rtb-l");
        let east = "us-east-1";
        assert_eq!(
            outcome_of(&remote, Some(Err(timeout("us-west-2"))), east),
            Outcome::Skipped(Some(timeout("us-west-2")))
        );
        assert_eq!(outcome_of(&remote, None, east), Outcome::Skipped(None));
        assert!(outcome_of(&local, Some(Err(timeout(east))), east).is_failed());
        assert!(outcome_of(&local, None, east).is_failed());
        assert_eq!(outcome_of(&local, Some(Ok(())), east), Outcome::Replaced);
    }

    #[test]
    fn an_abandoned_local_write_names_its_api() {
        let mut c = check("tgw-rtb-1");
        c.desired = Target::Attachment("tgw-attach-1".into());
        let err = abandoned(&c);
        assert_eq!(err.api, Api::ReplaceTransitGatewayRoute);
        assert!(err.is_transient());
        assert_eq!(err.resource.as_deref(), Some("tgw-rtb-1"));
    }
}
