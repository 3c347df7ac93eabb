//! How long a run may take, computed once from the parameters, and the one
//! deadline discovery and the executor share.
//!
//! LifeKeeper kills a script that runs too long; a bound we document is
//! better than one LifeKeeper imposes. The bound has two parts, both
//! derived from `/etc/default/LifeKeeper`:
//!
//! - instance metadata: every item is tried [`imds::ATTEMPTS`] times, each
//!   try bounded by `LK_CURL_TIMEOUT` and followed by a pause of
//!   [`imds::RETRY_INTERVAL`]; the region/MAC round and the VPC/ENI round
//!   run one after the other, so `2 × ATTEMPTS × (LK_CURL_TIMEOUT + pause)`;
//! - EC2: [`EC2_ROUNDS`] dependent rounds (local lookups; local searches
//!   alongside the remote regions; the writes), each bounded by one call's
//!   budget, [`Settings::remote_deadline`].
//!
//! Work still running at the deadline is abandoned: a remote region's is
//! skipped with a warning (exit 0), the local region's fails the run.

use std::future::Future;
use std::time::Duration;

use tokio::time::Instant;

use crate::aws::imds;
use crate::engine::ec2::{Api, ApiError, ApiErrorKind};
use crate::settings::Settings;

/// Dependent EC2 rounds of a restore: local lookups, then the local TGW
/// searches alongside each remote region, then the writes.
pub const EC2_ROUNDS: u32 = 3;

/// The time budget of one run of restore, recover or quickCheck.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RunBound {
    /// Finding out who this node is (instance metadata).
    pub imds: Duration,
    /// Every EC2 call of the run, reads and writes.
    pub ec2: Duration,
    /// How long one remote region may stay silent during discovery.
    pub remote: Duration,
}

impl RunBound {
    pub fn of(settings: &Settings) -> RunBound {
        let per_try = settings
            .imds_timeout
            .value
            .saturating_add(imds::RETRY_INTERVAL);
        let remote = settings.remote_deadline();
        RunBound {
            imds: per_try.saturating_mul(2 * imds::ATTEMPTS),
            ec2: remote.saturating_mul(EC2_ROUNDS),
            remote,
        }
    }

    pub fn total(&self) -> Duration {
        self.imds.saturating_add(self.ec2)
    }
}

/// The instant `budget` from now, saturated far in the future rather than
/// overflowing on an absurd parameter.
pub fn after(budget: Duration) -> Instant {
    let now = Instant::now();
    now.checked_add(budget)
        .unwrap_or_else(|| now + Duration::from_secs(86_400 * 365))
}

/// Why a call was abandoned at the deadline, in the words of the log.
pub fn abandoned(api: Api, region: &str, resource: Option<&str>) -> ApiError {
    ApiError {
        api,
        region: region.to_string(),
        resource: resource.map(str::to_string),
        kind: ApiErrorKind::Unreachable {
            reason: "still running at the run's deadline".into(),
        },
    }
}

/// `call`, or a transient [`abandoned`] error if it is still running at `deadline`.
pub async fn by<T>(
    deadline: Instant,
    api: Api,
    region: &str,
    call: impl Future<Output = Result<T, ApiError>>,
) -> Result<T, ApiError> {
    match tokio::time::timeout_at(deadline, call).await {
        Ok(result) => result,
        Err(_) => Err(abandoned(api, region, None)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn settings(pairs: &[(&str, &str)]) -> Settings {
        let file: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Settings::resolve("test".into(), &file, &HashMap::new(), Vec::new())
    }

    #[test]
    fn the_bound_follows_the_parameters() {
        let s = settings(&[
            ("LK_CURL_TIMEOUT", "1"),
            ("AWSCLI_CONNECT_TIMEOUT", "1"),
            ("AWSCLI_READ_TIMEOUT", "1"),
        ]);
        let b = RunBound::of(&s);
        assert_eq!(b.imds, Duration::from_secs(9));
        assert_eq!(b.remote, s.remote_deadline());
        assert_eq!(b.ec2, 3 * s.remote_deadline());
        assert_eq!(b.total(), b.imds + b.ec2);
    }

    #[test]
    fn an_absurd_budget_does_not_overflow() {
        let far = after(Duration::MAX);
        assert!(far > Instant::now());
    }
}
