//! EC2 call failures, classified for the operator: which API, where, on what,
//! and whether it is a definite answer or AWS simply could not be reached.

use std::fmt;

use thiserror::Error;

/// The EC2 actions this tool uses, with the names operators know them by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Api {
    DescribeRouteTables,
    ReplaceRoute,
    DescribeTransitGateways,
    DescribeTransitGatewayVpcAttachments,
    DescribeTransitGatewayPeeringAttachments,
    DescribeTransitGatewayRouteTables,
    SearchTransitGatewayRoutes,
    ReplaceTransitGatewayRoute,
    /// Optional (doctor only): VPC CIDRs, to prove the VIP lies outside them.
    DescribeVpcs,
    /// Optional (doctor only): the ENI's source/destination check.
    DescribeNetworkInterfaceAttribute,
    /// STS, cross-account runs only: the role of another account, for
    /// the hops whose route tables that account owns.
    AssumeRole,
}

impl Api {
    pub const ALL: [Api; 8] = [
        Api::DescribeRouteTables,
        Api::ReplaceRoute,
        Api::DescribeTransitGateways,
        Api::DescribeTransitGatewayVpcAttachments,
        Api::DescribeTransitGatewayPeeringAttachments,
        Api::DescribeTransitGatewayRouteTables,
        Api::SearchTransitGatewayRoutes,
        Api::ReplaceTransitGatewayRoute,
    ];

    /// Actions beyond the documented policy that only `doctor` uses, and
    /// only when the policy happens to allow them.
    pub const OPTIONAL: [Api; 2] = [Api::DescribeVpcs, Api::DescribeNetworkInterfaceAttribute];

    /// The EC2 Query action name, which is also the IAM action after `ec2:`.
    pub fn action(self) -> &'static str {
        match self {
            Api::DescribeRouteTables => "DescribeRouteTables",
            Api::ReplaceRoute => "ReplaceRoute",
            Api::DescribeTransitGateways => "DescribeTransitGateways",
            Api::DescribeTransitGatewayVpcAttachments => "DescribeTransitGatewayVpcAttachments",
            Api::DescribeTransitGatewayPeeringAttachments => {
                "DescribeTransitGatewayPeeringAttachments"
            }
            Api::DescribeTransitGatewayRouteTables => "DescribeTransitGatewayRouteTables",
            Api::SearchTransitGatewayRoutes => "SearchTransitGatewayRoutes",
            Api::ReplaceTransitGatewayRoute => "ReplaceTransitGatewayRoute",
            Api::DescribeVpcs => "DescribeVpcs",
            Api::DescribeNetworkInterfaceAttribute => "DescribeNetworkInterfaceAttribute",
            Api::AssumeRole => "AssumeRole",
        }
    }

    pub fn iam_action(self) -> String {
        match self {
            Api::AssumeRole => "sts:AssumeRole".to_string(),
            api => format!("ec2:{}", api.action()),
        }
    }
}

/// Why a call failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ApiErrorKind {
    /// IAM said no: the policy lacks this action.
    Denied { code: String, message: String },
    /// EC2 answered with a definite error.
    Service {
        code: String,
        message: String,
        status: u16,
    },
    /// Throttling or a 5xx that outlasted the call's time budget.
    Overloaded { code: String, status: u16 },
    /// Answers that were not a complete document of the expected shape
    /// (truncated, not XML), through the call's time budget.
    Malformed { status: u16, detail: String },
    /// No answer: connect or read timeout, refused connection, DNS, TLS.
    Unreachable { reason: String },
}

/// A failed EC2 call with everything an operator needs to act on it.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[error(
    "({region}{}{}): {kind}",
    account.as_ref().map(|a| format!(", account {}", a.account)).unwrap_or_default(),
    resource.as_ref().map(|r| format!(", {r}")).unwrap_or_default()
)]
pub struct ApiError {
    pub api: Api,
    pub region: String,
    pub resource: Option<String>,
    /// The other AWS account the call was made in (cross-account runs);
    /// `None`: with the node's own credentials.
    pub account: Option<Box<AccountContext>>,
    pub kind: ApiErrorKind,
}

/// Another AWS account, and the role this run acts through there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccountContext {
    pub account: String,
    pub role_arn: String,
}

impl ApiError {
    /// True when AWS could not be observed, as opposed to a definite "no".
    pub fn is_transient(&self) -> bool {
        matches!(
            self.kind,
            ApiErrorKind::Unreachable { .. }
                | ApiErrorKind::Overloaded { .. }
                | ApiErrorKind::Malformed { .. }
        )
    }

    /// True when the endpoint said something (an error, a garbled
    /// document), as opposed to staying silent.
    pub fn answered(&self) -> bool {
        !matches!(self.kind, ApiErrorKind::Unreachable { .. })
    }

    /// What happened, in one phrase for a line that already names the
    /// region: `DescribeRouteTables: answered InternalError (HTTP 500) …`,
    /// `ReplaceRoute on rtb-1: HTTP read timeout`.
    pub fn outcome(&self) -> String {
        let on = self
            .resource
            .as_ref()
            .map(|r| format!(" on {r}"))
            .unwrap_or_default();
        let what = match &self.kind {
            ApiErrorKind::Unreachable { reason } => reason.clone(),
            kind => kind.to_string(),
        };
        format!("{}{on}: {what}", self.api.action())
    }

    pub fn is_denied(&self) -> bool {
        matches!(self.kind, ApiErrorKind::Denied { .. })
    }

    /// The AWS error code, or a short word for failures that had none.
    pub fn code(&self) -> &str {
        match &self.kind {
            ApiErrorKind::Denied { code, .. }
            | ApiErrorKind::Service { code, .. }
            | ApiErrorKind::Overloaded { code, .. } => code,
            ApiErrorKind::Malformed { .. } => "MalformedAnswer",
            ApiErrorKind::Unreachable { .. } => "Unreachable",
        }
    }
}

impl fmt::Display for ApiErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApiErrorKind::Denied { code, message } => write!(f, "{code}: {message}"),
            ApiErrorKind::Service {
                code,
                message,
                status,
            } => write!(f, "{code} (HTTP {status}): {message}"),
            ApiErrorKind::Overloaded { code, status } => write!(
                f,
                "answered {code} (HTTP {status}) on every attempt within the call's time budget"
            ),
            ApiErrorKind::Malformed { detail, .. } => write!(
                f,
                "answered {detail}, on every attempt within the call's time budget"
            ),
            ApiErrorKind::Unreachable { reason } => write!(f, "no answer: {reason}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_outcome_says_whether_the_region_answered() {
        let mk = |kind| ApiError {
            api: Api::DescribeRouteTables,
            region: "us-west-2".into(),
            resource: None,
            account: None,
            kind,
        };
        let err = mk(ApiErrorKind::Overloaded {
            code: "InternalError".into(),
            status: 500,
        });
        assert!(err.answered() && err.is_transient());
        assert!(
            err.outcome()
                .starts_with("DescribeRouteTables: answered InternalError (HTTP 500)"),
            "{}",
            err.outcome()
        );
        let err = mk(ApiErrorKind::Unreachable {
            reason: "no answer within the call's time budget".into(),
        });
        assert!(!err.answered());
        assert_eq!(
            err.outcome(),
            "DescribeRouteTables: no answer within the call's time budget"
        );
        let err = mk(ApiErrorKind::Malformed {
            status: 200,
            detail: "HTTP 200 with an unusable document (9 bytes): truncated inside <a>".into(),
        });
        assert!(err.answered() && err.is_transient());
        assert!(err.to_string().contains("truncated inside <a>"), "{err}");
    }

    #[test]
    fn timeouts_and_throttling_are_transient() {
        let mk = |kind| ApiError {
            api: Api::DescribeRouteTables,
            region: "r".into(),
            resource: None,
            account: None,
            kind,
        };
        assert!(
            mk(ApiErrorKind::Unreachable {
                reason: "timeout".into()
            })
            .is_transient()
        );
        assert!(
            mk(ApiErrorKind::Overloaded {
                code: "RequestLimitExceeded".into(),
                status: 503
            })
            .is_transient()
        );
        assert!(
            !mk(ApiErrorKind::Service {
                code: "InvalidParameterValue".into(),
                message: String::new(),
                status: 400
            })
            .is_transient()
        );
    }
}
