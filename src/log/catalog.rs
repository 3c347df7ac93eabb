//! The message catalog: every line that reaches LifeKeeper's log, with its code and level.
//!
//! Codes 127001–127041 and their texts come from the vendor's Perl ARK and are
//! kept byte-identical, typos included ("resouce", "the the"), because operators
//! and monitoring tools grep for them. Codes 127100 and up are ours; they carry
//! facts the vendor's catalog had no line for (what moved, the run summary).

use std::fmt;

use crate::engine::ec2::{Api, ApiError};

/// LifeKeeper's log levels that this tool uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Error,
    Warn,
    Info,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Error => "ERROR",
            Level::Warn => "WARN",
            Level::Info => "INFO",
        }
    }
}

/// One catalog entry with the values its text interpolates.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Message {
    /// 127001–127008: an EC2 API call failed; `remote` selects 127008 for attachments.
    ApiFailed {
        api: Api,
        remote: bool,
        detail: String,
    },
    LocalVpcRouteMismatch {
        ip: String,
        route: String,
        eni: String,
    },
    LocalVpcUpdateFailed {
        rt: String,
    },
    NoLocalVpcRoute {
        ip: String,
        vpc: String,
    },
    NoTgwOnLocalVpc {
        vpc: String,
    },
    SeveralTgwsOnLocalVpc {
        vpc: String,
        count: usize,
        tgw: String,
    },
    NoLocalTgwRoute {
        ip: String,
        tgw: String,
    },
    LocalTgwRouteMismatch {
        ip: String,
        route: String,
        attachment: String,
    },
    LocalTgwUpdateFailed {
        rt: String,
    },
    RemoteTgwRouteMismatch {
        ip: String,
        route: String,
        expected: String,
    },
    RemoteTgwUpdateFailed {
        rt: String,
    },
    NoRemoteRegion {
        ip: String,
        vpc: String,
    },
    RemoteVpcRouteMismatch {
        ip: String,
        route: String,
        tgw: String,
    },
    RemoteVpcUpdateFailed {
        rt: String,
    },
    NoRemoteVpcRoute {
        ip: String,
    },
    NoRegion,
    NoVpcId {
        mac: String,
    },
    NoEniId {
        mac: String,
    },
    NoRemoteTgwRoute {
        ip: String,
        tgw: String,
    },
    ImdsEmpty {
        item: String,
        retry_interval_us: u64,
    },
    NoVipInInfo,
    InvalidVip {
        ip: String,
    },
    NoDeviceForVip {
        ip: String,
    },
    ImdsTokenFailed {
        ret: String,
        err: String,
    },
    ImdsTokenEmpty,
    ImdsCallFailed {
        ret: String,
        err: String,
        output: String,
    },
    ImdsHttpError {
        status: u16,
        response: String,
    },
    RouteReplaced {
        ip: String,
        rt: String,
        region: String,
        old: String,
        new: String,
    },
    Summary {
        text: String,
    },
    RegionUnreachable {
        region: String,
        tgw: String,
        reason: String,
    },
    PropagatedRoute {
        ip: String,
        rt: String,
        route: String,
    },
    DefaultsFileLine {
        path: String,
        reason: String,
    },
    Starting {
        text: String,
    },
    InfoUnreadable {
        reason: String,
    },
    IgnoredArguments {
        args: String,
    },
    ProxyUnusable {
        reason: String,
    },
    // ---- 127113-127115: engine (states, interrupted runs) ----
    PeeringsUnknown {
        tgw: String,
        reason: String,
    },
    Interrupted {
        signal: String,
        done: String,
    },
    TgwTableSkipped {
        rt: String,
        region: String,
        reason: String,
    },
    /// 127110: a remote region that answered, but only with throttling, 5xx
    /// or garbled documents until the call's budget was spent.
    RegionUnavailable {
        region: String,
        tgw: String,
        reason: String,
    },
    // ---- 127116-127118: other AWS accounts (TGW_RK_ASSUME_ROLE_ARN) ----
    /// The role of an account could not be assumed: its hops fail.
    RoleRefused {
        role: String,
        account: String,
        detail: String,
    },
    /// STS stayed silent or overloaded for a remote region's hops in an
    /// account: they are left for the next run.
    RoleUnavailable {
        role: String,
        account: String,
        reason: String,
    },
    /// Cross-account runs need the node's account and instance id.
    NoIdentity,
}

impl Message {
    /// The warning for a remote region whose work a transient failure
    /// skipped, saying what happened: 127110 when the region answered
    /// (throttling, 5xx, a garbled document), 127102 when it stayed silent.
    pub fn region_skipped(err: &ApiError, tgw: &str) -> Message {
        let (region, tgw, reason) = (err.region.clone(), tgw.to_string(), err.outcome());
        if err.answered() {
            Message::RegionUnavailable {
                region,
                tgw,
                reason,
            }
        } else {
            Message::RegionUnreachable {
                region,
                tgw,
                reason,
            }
        }
    }

    pub fn code(&self) -> u32 {
        use Message::*;
        match self {
            ApiFailed { api, remote, .. } => api_failed_code(*api, *remote),
            LocalVpcRouteMismatch { .. } => 127009,
            LocalVpcUpdateFailed { .. } => 127010,
            NoLocalVpcRoute { .. } => 127011,
            NoTgwOnLocalVpc { .. } => 127012,
            SeveralTgwsOnLocalVpc { .. } => 127013,
            NoLocalTgwRoute { .. } => 127014,
            LocalTgwRouteMismatch { .. } => 127015,
            LocalTgwUpdateFailed { .. } => 127016,
            RemoteTgwRouteMismatch { .. } => 127017,
            RemoteTgwUpdateFailed { .. } => 127018,
            NoRemoteRegion { .. } => 127019,
            RemoteVpcRouteMismatch { .. } => 127020,
            RemoteVpcUpdateFailed { .. } => 127021,
            NoRemoteVpcRoute { .. } => 127022,
            NoRegion => 127023,
            NoVpcId { .. } => 127024,
            NoEniId { .. } => 127025,
            NoRemoteTgwRoute { .. } => 127033,
            ImdsEmpty { .. } => 127034,
            NoVipInInfo => 127035,
            InvalidVip { .. } => 127036,
            NoDeviceForVip { .. } => 127037,
            ImdsTokenFailed { .. } => 127038,
            ImdsTokenEmpty => 127039,
            ImdsCallFailed { .. } => 127040,
            ImdsHttpError { .. } => 127041,
            RouteReplaced { .. } => 127100,
            Summary { .. } => 127101,
            RegionUnreachable { .. } => 127102,
            PropagatedRoute { .. } => 127103,
            DefaultsFileLine { .. } => 127104,
            Starting { .. } => 127105,
            InfoUnreadable { .. } => 127106,
            IgnoredArguments { .. } => 127107,
            ProxyUnusable { .. } => 127108,
            PeeringsUnknown { .. } => 127113,
            Interrupted { .. } => 127114,
            TgwTableSkipped { .. } => 127115,
            RegionUnavailable { .. } => 127110,
            RoleRefused { .. } => 127116,
            RoleUnavailable { .. } => 127117,
            NoIdentity => 127118,
        }
    }

    pub fn level(&self) -> Level {
        use Message::*;
        match self {
            SeveralTgwsOnLocalVpc { .. }
            | NoRemoteRegion { .. }
            | NoRemoteVpcRoute { .. }
            | NoRemoteTgwRoute { .. }
            | ImdsEmpty { .. }
            | NoDeviceForVip { .. }
            | ImdsTokenFailed { .. }
            | ImdsTokenEmpty
            | ImdsCallFailed { .. }
            | ImdsHttpError { .. }
            | RegionUnreachable { .. }
            | RegionUnavailable { .. }
            | PropagatedRoute { .. }
            | DefaultsFileLine { .. }
            | InfoUnreadable { .. }
            | IgnoredArguments { .. }
            | ProxyUnusable { .. }
            | PeeringsUnknown { .. }
            | TgwTableSkipped { .. }
            | RoleUnavailable { .. } => Level::Warn,
            RouteReplaced { .. } | Summary { .. } | Starting { .. } => Level::Info,
            _ => Level::Error,
        }
    }
}

impl fmt::Display for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use Message::*;
        match self {
            ApiFailed { api, detail, .. } => {
                write!(f, "Amazon {} call failed {detail}", cli_name(*api))
            }
            LocalVpcRouteMismatch { ip, route, eni } => {
                write!(f, "Route for {ip} is {route}. It does not match {eni}")
            }
            LocalVpcUpdateFailed { rt }
            | LocalTgwUpdateFailed { rt }
            | RemoteTgwUpdateFailed { rt }
            | RemoteVpcUpdateFailed { rt } => write!(f, "Failed to update route table {rt}"),
            NoLocalVpcRoute { ip, vpc } => write!(f, "There is no route for {ip} in VPC {vpc}"),
            NoTgwOnLocalVpc { vpc } => {
                write!(f, "No TransitGateway is attached to local VPC {vpc}")
            }
            SeveralTgwsOnLocalVpc { vpc, count, tgw } => write!(
                f,
                "TransitGateway attached from local VPC {vpc} is more than 1 ({count}). Using {tgw}."
            ),
            NoLocalTgwRoute { ip, tgw } | NoRemoteTgwRoute { ip, tgw } => {
                write!(f, "No route table found for {ip} in {tgw}")
            }
            LocalTgwRouteMismatch {
                ip,
                route,
                attachment: expected,
            }
            | RemoteTgwRouteMismatch {
                ip,
                route,
                expected,
            }
            | RemoteVpcRouteMismatch {
                ip,
                route,
                tgw: expected,
            } => write!(f, "Route for {ip} is {route}. It does not match {expected}"),
            NoRemoteRegion { ip, vpc } => {
                write!(f, "There is no remote region for {ip} in VPC {vpc}")
            }
            NoRemoteVpcRoute { ip } => write!(f, "There is no route for {ip} in remote VPCs"),
            NoRegion => write!(f, "Failed to get local region."),
            NoVpcId { mac } => write!(f, "Failed to get local VPC Id. mac={mac}"),
            NoEniId { mac } => write!(f, "Failed to get local ENI Id. mac={mac}"),
            ImdsEmpty {
                item,
                retry_interval_us,
            } => write!(
                f,
                "_getMetadata for {item} returns empty string. Retrying after {retry_interval_us} micro secs."
            ),
            NoVipInInfo => write!(f, "Failed to retrieve IP address from resource info."),
            InvalidVip { ip } => {
                write!(f, "Invalid IPv4 address format in resouce info ({ip}) .")
            }
            NoDeviceForVip { ip } => write!(
                f,
                "Failed to get device name for {ip}. We will use the the first device found"
            ),
            ImdsTokenFailed { ret, err } => write!(
                f,
                "IMDS v2 failed to retrieve a secret token. (ret={ret}, err={err})"
            ),
            ImdsTokenEmpty => write!(
                f,
                "IMDS v2 failed to retrieve a secret token. The token is empty."
            ),
            ImdsCallFailed { ret, err, output } => write!(
                f,
                "curl call failed. (ret={ret}, err={err})(output={output})"
            ),
            ImdsHttpError { status, response } => write!(
                f,
                "curl response error. (HTTP status=[{status}], response=[{response}])"
            ),
            RouteReplaced {
                ip,
                rt,
                region,
                old,
                new,
            } => write!(
                f,
                "Replaced route for {ip} in {rt} ({region}): {old} -> {new}"
            ),
            Summary { text } | Starting { text } => f.write_str(text),
            RegionUnreachable {
                region,
                tgw,
                reason,
            } => write!(
                f,
                "Region {region} did not answer ({reason}); routes behind {tgw} were skipped and will converge on the next run"
            ),
            RegionUnavailable {
                region,
                tgw,
                reason,
            } => write!(
                f,
                "Region {region} is unavailable ({reason}); routes behind {tgw} were skipped and will converge on the next run"
            ),
            PropagatedRoute { ip, rt, route } => write!(
                f,
                "Route for {ip} in {rt} is propagated ({route}); propagated routes are never replaced, add a static route"
            ),
            DefaultsFileLine { path, reason } => {
                write!(f, "Ignoring a line of {path}: {reason}")
            }
            InfoUnreadable { reason } => {
                write!(f, "Cannot read the resource's info field: {reason}")
            }
            IgnoredArguments { args } => {
                write!(f, "Ignoring argument(s) this version does not know: {args}")
            }
            ProxyUnusable { reason } => {
                write!(f, "Proxy setting unusable ({reason}); connecting directly")
            }
            PeeringsUnknown { tgw, reason } => write!(
                f,
                "The peerings of {tgw} could not be listed ({reason}); routes behind them were skipped and will converge on the next run"
            ),
            Interrupted { signal, done } => write!(f, "Interrupted by {signal}: {done}"),
            TgwTableSkipped { rt, region, reason } => write!(
                f,
                "TGW route table {rt} ({region}) is not available ({reason}); it is left alone"
            ),
            RoleRefused {
                role,
                account,
                detail,
            } => write!(
                f,
                "Could not assume role {role} in account {account} (sts:AssumeRole) {detail}"
            ),
            RoleUnavailable {
                role,
                account,
                reason,
            } => write!(
                f,
                "Role {role} in account {account} could not be assumed in time (sts:AssumeRole): {reason}; the routes in that account are left for the next run"
            ),
            NoIdentity => write!(
                f,
                "Cannot read this instance's identity document (account, instance id) from instance metadata; TGW_RK_ASSUME_ROLE_ARN needs it"
            ),
        }
    }
}

/// The AWS CLI spelling the vendor's catalog texts use.
pub fn cli_name(api: Api) -> &'static str {
    match api {
        Api::DescribeRouteTables => "describe-route-tables",
        Api::ReplaceRoute => "replace-route",
        Api::DescribeTransitGateways => "describe-transit-gateways",
        Api::DescribeTransitGatewayVpcAttachments => "describe-transit-gateway-vpc-attachments",
        Api::DescribeTransitGatewayPeeringAttachments => {
            "describe-transit-gateway-peering-attachments"
        }
        Api::DescribeTransitGatewayRouteTables => "describe-transit-gateway-route-tables",
        Api::SearchTransitGatewayRoutes => "search-transit-gateway-routes",
        Api::ReplaceTransitGatewayRoute => "replace-transit-gateway-route",
        Api::DescribeVpcs => "describe-vpcs",
        Api::DescribeNetworkInterfaceAttribute => "describe-network-interface-attribute",
        Api::AssumeRole => "sts assume-role",
    }
}

/// The vendor's code for a failed call; attachments looked up in a remote
/// region are the vendor's second call site, 127008.
pub fn api_failed_code(api: Api, remote: bool) -> u32 {
    match api {
        // Doctor reports its optional lookups itself and never logs them
        // as failed calls; the nearest vendor code keeps this total.
        Api::DescribeRouteTables | Api::DescribeVpcs | Api::DescribeNetworkInterfaceAttribute => {
            127001
        }
        Api::ReplaceRoute => 127002,
        Api::DescribeTransitGatewayVpcAttachments if remote => 127008,
        Api::DescribeTransitGatewayVpcAttachments => 127003,
        Api::DescribeTransitGatewayRouteTables => 127004,
        Api::SearchTransitGatewayRoutes => 127005,
        Api::ReplaceTransitGatewayRoute => 127006,
        // The vendor had no code for DescribeTransitGateways; it shares the peering one.
        Api::DescribeTransitGatewayPeeringAttachments | Api::DescribeTransitGateways => 127007,
        Api::AssumeRole => 127116,
    }
}

/// The detail appended to the vendor's "call failed" texts.
pub fn detail_of(err: &ApiError) -> String {
    let mut s = err.to_string();
    if !err.is_denied() {
        return s;
    }
    match (&err.account, err.api) {
        (Some(_), Api::AssumeRole) => s.push_str(
            " -- the role's trust policy must allow this node's role (with the external id, \
             when TGW_RK_ASSUME_ROLE_EXTERNAL_ID is set), and this node's IAM policy must allow \
             sts:AssumeRole on it",
        ),
        (Some(there), api) => s.push_str(&format!(
            " -- the IAM policy of role {} lacks {}",
            there.role_arn,
            api.iam_action()
        )),
        (None, api) => s.push_str(&format!(
            " -- the IAM policy of this instance lacks {}",
            api.iam_action()
        )),
    }
    s
}

/// The other account and role of a failure to assume that role.
fn role_of(err: &ApiError) -> Option<&crate::engine::ec2::AccountContext> {
    err.account
        .as_deref()
        .filter(|_| err.api == Api::AssumeRole)
}

/// The line for a failure to assume a role: 127116 (the hops there fail).
pub fn role_refused(err: &ApiError) -> Option<Message> {
    let there = role_of(err)?;
    Some(Message::RoleRefused {
        role: there.role_arn.clone(),
        account: there.account.clone(),
        detail: detail_of(err),
    })
}

/// The warning for a remote hop skipped because STS was silent or
/// overloaded: 127117.
pub fn role_unavailable(err: &ApiError) -> Option<Message> {
    let there = role_of(err)?;
    Some(Message::RoleUnavailable {
        role: there.role_arn.clone(),
        account: there.account.clone(),
        reason: format!("{} ({})", err.kind, err.region),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::ec2::ApiErrorKind;

    #[test]
    fn vendor_texts_keep_their_typos() {
        let m = Message::InvalidVip { ip: "1.2.3".into() };
        assert_eq!(
            m.to_string(),
            "Invalid IPv4 address format in resouce info (1.2.3) ."
        );
        let m = Message::NoDeviceForVip {
            ip: "10.0.0.1".into(),
        };
        assert_eq!(
            m.to_string(),
            "Failed to get device name for 10.0.0.1. We will use the the first device found"
        );
        assert_eq!(m.code(), 127037);
        assert_eq!(m.level(), Level::Warn);
    }

    #[test]
    fn api_codes_follow_the_vendor_call_sites() {
        let code = |api, remote| {
            Message::ApiFailed {
                api,
                remote,
                detail: String::new(),
            }
            .code()
        };
        assert_eq!(code(Api::DescribeRouteTables, false), 127001);
        assert_eq!(code(Api::ReplaceRoute, true), 127002);
        assert_eq!(
            code(Api::DescribeTransitGatewayVpcAttachments, false),
            127003
        );
        assert_eq!(
            code(Api::DescribeTransitGatewayVpcAttachments, true),
            127008
        );
        assert_eq!(code(Api::DescribeTransitGatewayRouteTables, false), 127004);
        assert_eq!(code(Api::SearchTransitGatewayRoutes, false), 127005);
        assert_eq!(code(Api::ReplaceTransitGatewayRoute, false), 127006);
        assert_eq!(
            code(Api::DescribeTransitGatewayPeeringAttachments, false),
            127007
        );
    }

    #[test]
    fn a_skipped_region_says_whether_it_answered() {
        let skipped = |kind| {
            let err = ApiError {
                api: Api::ReplaceTransitGatewayRoute,
                region: "us-west-2".into(),
                resource: Some("tgw-rtb-2".into()),
                account: None,
                kind,
            };
            Message::region_skipped(&err, "tgw-2")
        };
        let m = skipped(ApiErrorKind::Overloaded {
            code: "InternalError".into(),
            status: 500,
        });
        assert_eq!((m.code(), m.level()), (127110, Level::Warn));
        let text = m.to_string();
        assert!(
            text.starts_with("Region us-west-2 is unavailable (ReplaceTransitGatewayRoute on tgw-rtb-2: answered InternalError (HTTP 500)")
                && text.ends_with("routes behind tgw-2 were skipped and will converge on the next run"),
            "{text}"
        );
        let m = skipped(ApiErrorKind::Malformed {
            status: 200,
            detail: "HTTP 200 with an unusable document".into(),
        });
        assert_eq!(m.code(), 127110);
        let m = skipped(ApiErrorKind::Unreachable {
            reason: "HTTP read timeout".into(),
        });
        assert_eq!(m.code(), 127102);
        assert!(
            m.to_string()
                .starts_with("Region us-west-2 did not answer (ReplaceTransitGatewayRoute on tgw-rtb-2: HTTP read timeout)"),
            "{m}"
        );
    }

    #[test]
    fn every_code_is_documented_in_the_readme() {
        let readme = include_str!("../../README.md");
        for code in (127001..=127025)
            .chain(127033..=127041)
            .chain(127100..=127108)
            .chain([127110])
            .chain(127113..=127118)
        {
            assert!(
                readme.contains(&format!("| {code} |")),
                "README catalog lacks {code}"
            );
        }
    }

    #[test]
    fn denied_errors_name_the_missing_iam_action() {
        let err = ApiError {
            api: Api::ReplaceTransitGatewayRoute,
            region: "us-west-2".into(),
            resource: Some("tgw-rtb-1".into()),
            account: None,
            kind: ApiErrorKind::Denied {
                code: "UnauthorizedOperation".into(),
                message: "You are not authorized to perform this operation.".into(),
            },
        };
        let d = detail_of(&err);
        assert!(d.contains("us-west-2"), "{d}");
        assert!(d.contains("tgw-rtb-1"), "{d}");
        assert!(d.contains("UnauthorizedOperation"), "{d}");
        assert!(d.contains("ec2:ReplaceTransitGatewayRoute"), "{d}");
        assert!(!err.is_transient());
    }
}
