//! The one deadline discovery and the executor share, and what a call still
//! running at it becomes.
//!
//! Work still running at the deadline is abandoned: a remote region's is
//! skipped with a warning (exit 0), the local region's fails the run. How
//! long a run may take is the session's business ([`crate::session::bound`]).

use std::future::Future;
use std::time::Duration;

use tokio::time::Instant;

use crate::engine::ec2::{Api, ApiError, ApiErrorKind};

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
        account: None,
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

    #[test]
    fn an_absurd_budget_does_not_overflow() {
        let far = after(Duration::MAX);
        assert!(far > Instant::now());
    }
}
