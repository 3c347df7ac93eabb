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
        }
    }

    pub fn iam_action(self) -> String {
        format!("ec2:{}", self.action())
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
    /// Throttling or a 5xx that outlasted the retries.
    Overloaded { code: String, status: u16 },
    /// No answer: connect or read timeout, refused connection, DNS, TLS.
    Unreachable { reason: String },
}

/// A failed EC2 call with everything an operator needs to act on it.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[error("({region}{}): {kind}", resource.as_ref().map(|r| format!(", {r}")).unwrap_or_default())]
pub struct ApiError {
    pub api: Api,
    pub region: String,
    pub resource: Option<String>,
    pub kind: ApiErrorKind,
}

impl ApiError {
    /// True when AWS could not be observed, as opposed to a definite "no".
    pub fn is_transient(&self) -> bool {
        matches!(
            self.kind,
            ApiErrorKind::Unreachable { .. } | ApiErrorKind::Overloaded { .. }
        )
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
            ApiErrorKind::Overloaded { code, status } => {
                write!(f, "{code} (HTTP {status}) persisted through retries")
            }
            ApiErrorKind::Unreachable { reason } => write!(f, "no answer: {reason}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts_and_throttling_are_transient() {
        let mk = |kind| ApiError {
            api: Api::DescribeRouteTables,
            region: "r".into(),
            resource: None,
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
