//! Time, not a count of attempts, bounds how long one EC2 call keeps trying.
//!
//! Throttling is account-wide: a failover does not escape it, because the
//! other node shares the bucket. So a throttled or 5xx answer is retried by
//! the SDK's standard strategy (exponential backoff with full jitter) for as
//! long as the call's budget allows, whatever the number of attempts. The
//! budget is the call's operation timeout (`AWSCLI_CONNECT_TIMEOUT + 2 ×
//! AWSCLI_READ_TIMEOUT`): that stays the hard bound. This interceptor stops
//! retrying a little before it, once a new attempt could no longer get its
//! answer in time, so the call ends with the last answer AWS actually gave
//! (`RequestLimitExceeded (HTTP 503)`) rather than with a bare timeout.

use std::time::{Duration, Instant};

use aws_sdk_ec2::config::interceptors::{
    BeforeSerializationInterceptorContextRef, FinalizerInterceptorContextRef,
};
use aws_sdk_ec2::config::retry::{RetryConfig, RetryPartition, TokenBucket};
use aws_sdk_ec2::config::timeout::TimeoutConfig;
use aws_sdk_ec2::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_types::config_bag::{Storable, StoreReplace};

/// Stops a call's retries once its time budget is (nearly) spent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallBudget {
    /// The call's hard bound (its operation timeout).
    budget: Duration,
    /// How long before the bound the last retry may start: one read timeout,
    /// the time an endpoint gets to answer an attempt.
    reserve: Duration,
}

/// When the current call started, kept in the call's own config layer.
#[derive(Debug, Clone, Copy)]
struct CallStarted(Instant);

impl Storable for CallStarted {
    type Storer = StoreReplace<Self>;
}

impl CallBudget {
    /// The budget of the client's timeouts; `None` when there is no overall
    /// bound to retry within (the SDK's attempt count then applies).
    pub fn from_timeouts(timeouts: Option<&TimeoutConfig>) -> Option<CallBudget> {
        let timeouts = timeouts?;
        let budget = timeouts.operation_timeout()?;
        let reserve = timeouts.read_timeout().unwrap_or_default();
        Some(CallBudget { budget, reserve })
    }

    /// Whether a retry may still start `elapsed` into the call.
    pub fn allows_retry_after(&self, elapsed: Duration) -> bool {
        elapsed.saturating_add(self.reserve) < self.budget
    }
}

impl Intercept for CallBudget {
    fn name(&self) -> &'static str {
        "CallBudget"
    }

    fn read_before_execution(
        &self,
        _context: &BeforeSerializationInterceptorContextRef<'_>,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        cfg.interceptor_state()
            .store_put(CallStarted(Instant::now()));
        Ok(())
    }

    /// Runs after every attempt, just before the retry strategy decides:
    /// once the budget is spent, the call's retry config says "no more
    /// attempts", and the standard strategy returns the last answer.
    fn read_after_attempt(
        &self,
        _context: &FinalizerInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let Some(CallStarted(started)) = cfg.load::<CallStarted>().copied() else {
            return Ok(());
        };
        if self.allows_retry_after(started.elapsed()) {
            return Ok(());
        }
        if let Some(config) = cfg.load::<RetryConfig>().cloned() {
            cfg.interceptor_state()
                .store_put(config.with_max_attempts(1));
        }
        Ok(())
    }
}

/// Backoff of the standard strategy: exponential from 100 ms, capped at 1 s,
/// with full jitter (each wait is uniform between zero and the cap), so the
/// calls of both nodes and of concurrent lookups do not retry in step.
pub const INITIAL_BACKOFF: Duration = Duration::from_millis(100);
pub const MAX_BACKOFF: Duration = Duration::from_secs(1);

/// Retries bounded by time: [`CallBudget`] ends the retrying. The SDK still
/// wants an attempt count (and walks every attempt to estimate worst cases,
/// so it cannot be `u32::MAX`); one attempt per 10 ms of budget is a safety
/// net the backoff never lets a call reach (waits average 0.5 s once capped).
pub fn retry_config(budget: Duration) -> RetryConfig {
    let attempts = (budget.as_millis() / 10).clamp(10, 100_000);
    RetryConfig::standard()
        .with_max_attempts(u32::try_from(attempts).unwrap_or(100_000))
        .with_initial_backoff(INITIAL_BACKOFF)
        .with_max_backoff(MAX_BACKOFF)
}

/// The SDK also gates retries on a process-wide token bucket (500 tokens,
/// 5 per retry, some never returned), meant for long-lived clients. A run
/// lives seconds and every call is already bounded by its budget, so a
/// throttled account must not exhaust the bucket and fail calls early.
pub fn retry_partition() -> RetryPartition {
    RetryPartition::custom("tgw_generic_rk")
        .token_bucket(TokenBucket::unlimited())
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_budget_is_the_operation_timeout_less_one_read() {
        let timeouts = TimeoutConfig::builder()
            .connect_timeout(Duration::from_secs(10))
            .read_timeout(Duration::from_secs(5))
            .operation_timeout(Duration::from_secs(20))
            .build();
        let budget = CallBudget::from_timeouts(Some(&timeouts)).unwrap();
        assert!(budget.allows_retry_after(Duration::from_millis(14_900)));
        assert!(!budget.allows_retry_after(Duration::from_secs(15)));
        assert!(!budget.allows_retry_after(Duration::MAX));
    }

    #[test]
    fn no_operation_timeout_means_no_budget() {
        let timeouts = TimeoutConfig::builder()
            .read_timeout(Duration::from_secs(5))
            .build();
        assert_eq!(CallBudget::from_timeouts(Some(&timeouts)), None);
        assert_eq!(CallBudget::from_timeouts(None), None);
    }

    #[test]
    fn the_attempt_count_is_only_a_safety_net() {
        let config = retry_config(Duration::from_secs(20));
        assert_eq!(config.max_attempts(), 2000);
        assert_eq!(config.max_backoff(), MAX_BACKOFF);
        assert_eq!(retry_config(Duration::ZERO).max_attempts(), 10);
        assert_eq!(retry_config(Duration::MAX).max_attempts(), 100_000);
    }
}
