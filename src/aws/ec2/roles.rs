//! The roles of other accounts (cross-account runs): one `AssumeRole` per
//! account per run, through the SDK's own assume-role provider, its outcome
//! (a refusal included) kept for the rest of the run so every hop in that
//! account shares it. A run lasts seconds; the credentials last 15 minutes.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use aws_config::SdkConfig;
use aws_config::sts::AssumeRoleProvider;
use aws_credential_types::provider::error::CredentialsError;
use aws_sdk_ec2::config::{Credentials, ProvideCredentials};
use aws_sdk_ec2::error::{DisplayErrorContext, SdkError};
use aws_sdk_sts::operation::assume_role::AssumeRoleError;
use tokio::sync::OnceCell;

use super::sdk::describe_failure;
use crate::engine::ec2::{AccountContext, Api, ApiError, ApiErrorKind};
use crate::settings::AssumeRole;

/// The shortest session STS grants; far longer than any run.
const SESSION: Duration = Duration::from_secs(900);

/// What assuming one account's role came to.
type Assumed = Result<Credentials, ApiErrorKind>;

/// One account's role, assumed once: the outcome and how long it took.
type Once = Arc<OnceCell<(Assumed, Duration)>>;

/// Every other account's role, assumed on first need (or on warm-up).
pub struct Roles {
    setting: AssumeRole,
    session_name: String,
    /// The node's own configuration, with the EC2 transport (proxy, CA
    /// bundle): STS is reached like EC2 is.
    sts: SdkConfig,
    /// Per account: what assuming its role came to, and how long it took.
    assumed: Mutex<HashMap<String, Once>>,
}

impl Roles {
    pub fn new(setting: AssumeRole, sts: SdkConfig, session_name: String) -> Roles {
        Roles {
            setting,
            session_name,
            sts,
            assumed: Mutex::new(HashMap::new()),
        }
    }

    /// The session name CloudTrail shows in every account: who acted, for
    /// which VIP (`[\w+=,.@-]`, at most 64 characters).
    pub fn session_name(instance_id: &str, vip: std::net::Ipv4Addr) -> String {
        let name = format!("tgw_generic_rk-{instance_id}-{vip}");
        name.chars()
            .map(|c| match c {
                c if c.is_ascii_alphanumeric() || "_+=,.@-".contains(c) => c,
                _ => '-',
            })
            .take(64)
            .collect()
    }

    /// The role ARN for `account`, as configured (or the template when it is not usable).
    pub fn role_arn(&self, account: &str) -> String {
        self.setting
            .role_arn(account)
            .unwrap_or_else(|_| self.setting.template.value.clone())
    }

    fn cell(&self, account: &str) -> Once {
        let mut assumed = self.assumed.lock().unwrap_or_else(PoisonError::into_inner);
        assumed.entry(account.to_string()).or_default().clone()
    }

    /// `account`'s credentials, assuming its role the first time; the
    /// error names the role, the account and `sts:AssumeRole`, for a call
    /// made in `region`.
    pub async fn credentials(&self, account: &str, region: &str) -> Result<Credentials, ApiError> {
        let cell = self.cell(account);
        let (assumed, _) = cell.get_or_init(|| self.timed(account)).await;
        assumed
            .clone()
            .map_err(|kind| self.error(account, region, kind))
    }

    /// How long assuming `account`'s role took, once it was done.
    pub fn took(&self, account: &str) -> Option<Duration> {
        self.cell(account).get().map(|(_, took)| *took)
    }

    fn error(&self, account: &str, region: &str, kind: ApiErrorKind) -> ApiError {
        ApiError {
            api: Api::AssumeRole,
            region: region.to_string(),
            resource: None,
            account: Some(Box::new(AccountContext {
                account: account.to_string(),
                role_arn: self.role_arn(account),
            })),
            kind,
        }
    }

    async fn timed(&self, account: &str) -> (Assumed, Duration) {
        let started = std::time::Instant::now();
        let assumed = self.assume(account).await;
        (assumed, started.elapsed())
    }

    async fn assume(&self, account: &str) -> Assumed {
        let role_arn = self
            .setting
            .role_arn(account)
            .map_err(|why| ApiErrorKind::Service {
                code: "InvalidRoleTemplate".into(),
                message: why,
                status: 0,
            })?;
        let mut builder = AssumeRoleProvider::builder(role_arn)
            .configure(&self.sts)
            .session_name(&self.session_name)
            .session_length(SESSION);
        if let Some(id) = &self.setting.external_id {
            builder = builder.external_id(id.value.trim());
        }
        let provider = builder.build().await;
        provider
            .provide_credentials()
            .await
            .map_err(|e| refusal(&e))
    }
}

/// Starts assuming `account`'s role in the background (the runtime runs it
/// while this run's other calls wait on the network).
pub fn warm_up(roles: &Arc<Roles>, account: &str) {
    let (roles, account) = (Arc::clone(roles), account.to_string());
    tokio::spawn(async move {
        let cell = roles.cell(&account);
        cell.get_or_init(|| roles.timed(&account)).await;
    });
}

/// Why STS did not hand out credentials, classified like an EC2 failure:
/// its answer when it gave one (AccessDenied is a definite no), silence
/// and throttling otherwise.
fn refusal(err: &CredentialsError) -> ApiErrorKind {
    let sts = std::error::Error::source(err).and_then(|e| {
        e.downcast_ref::<SdkError<AssumeRoleError, aws_sdk_sts::config::http::HttpResponse>>()
    });
    match (sts, err) {
        (Some(sts), _) => describe_failure(sts),
        (None, CredentialsError::ProviderTimedOut(_)) => ApiErrorKind::Unreachable {
            reason: DisplayErrorContext(err).to_string(),
        },
        (None, _) => ApiErrorKind::Service {
            code: "CredentialsError".into(),
            message: DisplayErrorContext(err).to_string(),
            status: 0,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_names_say_who_and_why_within_stss_alphabet() {
        let vip = std::net::Ipv4Addr::new(10, 0, 0, 100);
        assert_eq!(
            Roles::session_name("i-0123456789abcdef0", vip),
            "tgw_generic_rk-i-0123456789abcdef0-10.0.0.100"
        );
        let odd = Roles::session_name("i-1/2 3", vip);
        assert_eq!(odd, "tgw_generic_rk-i-1-2-3-10.0.0.100");
        assert!(Roles::session_name(&"x".repeat(100), vip).len() == 64);
    }
}
