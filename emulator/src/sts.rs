//! STS on the shared endpoint: `AssumeRole` (and `GetCallerIdentity`),
//! Query protocol, version 2011-06-15, picked by the SigV4 scope's service.
//!
//! A role is a topology `[[roles]]` entry: its trust policy names accounts
//! and role ARNs, optionally with an `sts:ExternalId` condition. Refusals
//! are AWS's: a missing role, an untrusted caller and a wrong or missing
//! external id all answer the same 403 `AccessDenied` sentence (AWS does
//! not tell them apart either); malformed parameters answer 400
//! `ValidationError` with AWS's "N validation error(s) detected" text.
//! Issued keys belong to the role's account from then on.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::accounts::{self, Caller};
use crate::ec2::api_error::ApiError;
use crate::ec2::params::Params;
use crate::ec2::xml::Xml;
use crate::ec2::{self, Ec2Reply, Scope};
use crate::state::{AssumedSession, Shared, lock};
use crate::topology::{Role, Topology, role_arn_parts};

/// The SigV4 service name that routes a request here.
pub const SERVICE: &str = "sts";
const NAMESPACE: &str = "https://sts.amazonaws.com/doc/2011-06-15/";
const ACTIONS: &[&str] = &["AssumeRole", "GetCallerIdentity"];
/// IAM's default MaxSessionDuration.
const DEFAULT_MAX_SESSION: u32 = 3600;
/// AssumeRole's default DurationSeconds.
const DEFAULT_DURATION: i64 = 3600;

pub async fn serve(
    shared: &Shared,
    scope: &Scope,
    params: &Params,
    request_id: String,
) -> Ec2Reply {
    match process(shared, scope, params).await {
        Ok((action, body)) => Ec2Reply {
            status: 200,
            body: success_document(&action, &body, &request_id),
            request_id,
        },
        Err(e) => Ec2Reply {
            status: e.status,
            body: error_document(&e, &request_id),
            request_id,
        },
    }
}

async fn process(
    shared: &Shared,
    scope: &Scope,
    params: &Params,
) -> Result<(String, String), ApiError> {
    let region = ec2::known_region(shared, scope)?;
    let action = params
        .get("Action")
        .filter(|a| !a.is_empty())
        .ok_or_else(|| ApiError::client("MissingAction", "Missing Action"))?
        .to_string();
    lock(&shared.counters).sts_calls += 1;
    ec2::endpoint_health(shared, &region, &action)
        .await
        .map_err(sts_flavour)?;
    if !ACTIONS.contains(&action.as_str()) {
        return Err(ApiError::client(
            "InvalidAction",
            format!("Could not find operation {action} for version 2011-06-15"),
        ));
    }
    params.required("Version")?;
    let caller = accounts::caller(shared, &scope.access_key);
    let body = match action.as_str() {
        "AssumeRole" => assume_role(shared, &region, &caller, params)?,
        _ => caller_identity(&caller),
    };
    Ok((action, body))
}

/// STS says `Throttling` (400) where EC2 says `RequestLimitExceeded`.
fn sts_flavour(e: ApiError) -> ApiError {
    match e.code.as_str() {
        "RequestLimitExceeded" => ApiError::client("Throttling", "Rate exceeded"),
        _ => e,
    }
}

/// The parameters of one AssumeRole, as sent.
struct AssumeRequest {
    role_arn: Option<String>,
    session_name: Option<String>,
    external_id: Option<String>,
    duration: Option<String>,
}

impl AssumeRequest {
    fn parse(params: &Params) -> AssumeRequest {
        let get = |name| params.get(name).map(str::to_string);
        AssumeRequest {
            role_arn: get("RoleArn"),
            session_name: get("RoleSessionName"),
            external_id: get("ExternalId"),
            duration: get("DurationSeconds"),
        }
    }

    /// What [`crate::Emulator::assumed_sessions`] reports: the access key
    /// handed out, or the error code.
    fn record(
        &self,
        region: &str,
        caller: &Caller,
        outcome: Result<&str, &ApiError>,
    ) -> AssumedSession {
        AssumedSession {
            region: region.to_string(),
            role_arn: self.role_arn.clone().unwrap_or_default(),
            session_name: self.session_name.clone().unwrap_or_default(),
            external_id: self.external_id.clone(),
            duration_seconds: self.duration.as_deref().and_then(|d| d.parse().ok()),
            caller_arn: caller.arn.clone(),
            granted: outcome.is_ok(),
            error: outcome.err().map(|e| e.code.clone()),
            access_key_id: outcome.ok().map(str::to_string),
        }
    }
}

/// Validates, authorizes, issues and records one AssumeRole.
fn assume_role(
    shared: &Shared,
    region: &str,
    caller: &Caller,
    params: &Params,
) -> Result<String, ApiError> {
    let request = AssumeRequest::parse(params);
    let issued = validate(&request).and_then(|duration| {
        let denied = lock(&shared.knobs).is_denied_to(&caller.account, region, "AssumeRole");
        let world = lock(&shared.world);
        let role = authorize(&world, caller, &request, denied)?;
        check_duration(role, duration)?;
        Ok(issue(shared, role, &request, duration))
    });
    let outcome = issued.as_ref().map(|(key, _)| key.as_str());
    let record = request.record(region, caller, outcome);
    lock(&shared.counters).assumed.push(record);
    issued.map(|(_, body)| body)
}

/// AWS's parameter constraints, all checked, reported together.
fn validate(request: &AssumeRequest) -> Result<i64, ApiError> {
    let mut problems = Vec::new();
    let mut check = |field: &str,
                     value: Option<&str>,
                     required: bool,
                     rule: &dyn Fn(&str) -> Option<String>| {
        match value {
            None if required => problems.push(format!(
                "Value null at '{field}' failed to satisfy constraint: Member must not be null"
            )),
            None => {}
            Some(v) => {
                if let Some(constraint) = rule(v) {
                    problems.push(format!(
                        "Value '{v}' at '{field}' failed to satisfy constraint: Member must {constraint}"
                    ));
                }
            }
        }
    };
    check("roleArn", request.role_arn.as_deref(), true, &|v| {
        length(v, 20, 2048)
    });
    check(
        "roleSessionName",
        request.session_name.as_deref(),
        true,
        &|v| length(v, 2, 64).or_else(|| pattern(v, "+=,.@-", r"[\w+=,.@-]*")),
    );
    check("externalId", request.external_id.as_deref(), false, &|v| {
        length(v, 2, 1224).or_else(|| pattern(v, "+=,.@:/-", r"[\w+=,.@:\/-]*"))
    });
    check(
        "durationSeconds",
        request.duration.as_deref(),
        false,
        &duration_rule,
    );
    if problems.is_empty() {
        let duration = request.duration.as_deref().map_or(Ok(DEFAULT_DURATION), |d| {
            d.parse().map_err(|_| validation_error(&[format!("Value '{d}' at 'durationSeconds' failed to satisfy constraint: Member must be an integer")]))
        })?;
        return Ok(duration);
    }
    Err(validation_error(&problems))
}

fn length(value: &str, min: usize, max: usize) -> Option<String> {
    let n = value.chars().count();
    if n < min {
        Some(format!("have length greater than or equal to {min}"))
    } else if n > max {
        Some(format!("have length less than or equal to {max}"))
    } else {
        None
    }
}

/// `[\w<extra>]*` as AWS's (Java) regular expressions read it: `\w` is
/// ASCII letters, digits and `_`.
fn pattern(value: &str, extra: &str, shown: &str) -> Option<String> {
    let ok = value
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_' || extra.contains(c));
    (!ok).then(|| format!("satisfy regular expression pattern: {shown}"))
}

fn duration_rule(value: &str) -> Option<String> {
    match value.parse::<i64>() {
        Err(_) => Some("be an integer".to_string()),
        Ok(n) if n < 900 => Some("have value greater than or equal to 900".to_string()),
        Ok(n) if n > 43200 => Some("have value less than or equal to 43200".to_string()),
        Ok(_) => None,
    }
}

fn validation_error(problems: &[String]) -> ApiError {
    let count = problems.len();
    let noun = if count == 1 { "error" } else { "errors" };
    ApiError::client(
        "ValidationError",
        format!(
            "{count} validation {noun} detected: {}",
            problems.join("; ")
        ),
    )
}

/// The role, if it exists, trusts the caller and the external id matches;
/// otherwise AWS's one AccessDenied sentence, whatever the reason.
fn authorize<'w>(
    world: &'w Topology,
    caller: &Caller,
    request: &AssumeRequest,
    denied_by_caller_policy: bool,
) -> Result<&'w Role, ApiError> {
    let arn = request.role_arn.as_deref().unwrap_or_default();
    let refusal = || {
        ApiError::new(
            403,
            "AccessDenied",
            format!(
                "User: {} is not authorized to perform: sts:AssumeRole on resource: {arn}",
                caller.arn
            ),
        )
    };
    if denied_by_caller_policy {
        return Err(refusal());
    }
    let role = world.role(arn).ok_or_else(refusal)?;
    let trusted = role
        .trusted
        .iter()
        .any(|t| *t == caller.account || Some(t) == caller.role_arn.as_ref());
    let external_id_ok = role.external_id.is_none() || role.external_id == request.external_id;
    if trusted && external_id_ok {
        Ok(role)
    } else {
        Err(refusal())
    }
}

fn check_duration(role: &Role, duration: i64) -> Result<(), ApiError> {
    let max = role.max_session_duration.unwrap_or(DEFAULT_MAX_SESSION);
    if duration > i64::from(max) {
        return Err(ApiError::client(
            "ValidationError",
            "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
        ));
    }
    Ok(())
}

/// Issues a session of `role`: fresh keys that belong to the role's account
/// from now on. Returns (access key id, response body).
fn issue(shared: &Shared, role: &Role, request: &AssumeRequest, duration: i64) -> (String, String) {
    let n = shared.next_sequence();
    let key = format!("ASIAEMUSTS{n:010X}");
    let session = request.session_name.clone().unwrap_or_default();
    let (account, name) = role_arn_parts(&role.arn).unwrap_or_default();
    let partition = role.arn.split(':').nth(1).unwrap_or("aws");
    let role_id = format!("AROA{:016X}", fnv1a(&role.arn));
    let caller = Caller {
        account: account.to_string(),
        arn: format!("arn:{partition}:sts::{account}:assumed-role/{name}/{session}"),
        role_arn: Some(role.arn.clone()),
        user_id: format!("{role_id}:{session}"),
    };
    let expiration = SystemTime::now() + Duration::from_secs(duration.unsigned_abs());
    let mut x = Xml::new();
    x.elem("AssumeRoleResult", |x| {
        x.elem("Credentials", |x| {
            x.text("AccessKeyId", &key)
                .text("SecretAccessKey", &format!("emulator-sts-secret-{n:016x}"))
                .text("SessionToken", &format!("emulator-sts-token-{n:016x}"))
                .text("Expiration", &iso8601(expiration));
        })
        .elem("AssumedRoleUser", |x| {
            x.text("AssumedRoleId", &caller.user_id)
                .text("Arn", &caller.arn);
        });
    });
    lock(&shared.sessions).insert(key.clone(), caller);
    (key, x.into_string())
}

fn caller_identity(caller: &Caller) -> String {
    let mut x = Xml::new();
    x.elem("GetCallerIdentityResult", |x| {
        x.text("Arn", &caller.arn)
            .text("UserId", &caller.user_id)
            .text("Account", &caller.account);
    });
    x.into_string()
}

/// A stable id per role, as IAM gives every role one.
fn fnv1a(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// `YYYY-MM-DDTHH:MM:SSZ` (UTC), as STS writes Expiration.
fn iso8601(time: SystemTime) -> String {
    let secs = time.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let (days, rest) = (secs / 86_400, secs % 86_400);
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

/// Days since 1970-01-01 to (year, month, day), after Howard Hinnant's
/// `civil_from_days` (proleptic Gregorian calendar), for dates after 1970.
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

fn success_document(action: &str, body: &str, request_id: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<{action}Response xmlns=\"{NAMESPACE}\">{body}\
         <ResponseMetadata><RequestId>{request_id}</RequestId></ResponseMetadata></{action}Response>"
    )
}

/// STS's error envelope: `<ErrorResponse>` with a `Type` (Sender for 4xx,
/// Receiver for 5xx).
fn error_document(e: &ApiError, request_id: &str) -> String {
    let kind = if e.status >= 500 {
        "Receiver"
    } else {
        "Sender"
    };
    let mut x = Xml::new();
    x.elem("Error", |x| {
        x.text("Type", kind)
            .text("Code", &e.code)
            .text("Message", &e.message);
    })
    .text("RequestId", request_id);
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ErrorResponse xmlns=\"{NAMESPACE}\">{}</ErrorResponse>",
        x.into_string()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(
        arn: &str,
        session: &str,
        external: Option<&str>,
        duration: Option<&str>,
    ) -> AssumeRequest {
        AssumeRequest {
            role_arn: Some(arn.into()),
            session_name: Some(session.into()),
            external_id: external.map(str::to_string),
            duration: duration.map(str::to_string),
        }
    }

    const ROLE: &str = "arn:aws:iam::444400000001:role/LifeKeeperTgwRoutes";

    #[test]
    fn validation_reports_every_broken_constraint_in_aws_words() {
        let bad = request(ROLE, "a/b", Some("x"), Some("899"));
        let e = validate(&bad).unwrap_err();
        assert_eq!((e.status, e.code.as_str()), (400, "ValidationError"));
        assert_eq!(
            e.message,
            "3 validation errors detected: Value 'a/b' at 'roleSessionName' failed to satisfy \
             constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*; \
             Value 'x' at 'externalId' failed to satisfy constraint: Member must have length \
             greater than or equal to 2; Value '899' at 'durationSeconds' failed to satisfy \
             constraint: Member must have value greater than or equal to 900"
        );
        let long = "s".repeat(65);
        let e = validate(&request(ROLE, &long, None, None)).unwrap_err();
        assert!(
            e.message
                .starts_with("1 validation error detected: Value 'sss")
        );
        assert!(
            e.message
                .ends_with("Member must have length less than or equal to 64")
        );
        let e = validate(&request("arn:aws:iam::1:role", "ok", None, None)).unwrap_err();
        assert!(e.message.contains("at 'roleArn' failed to satisfy constraint: Member must have length greater than or equal to 20"));
        let missing = AssumeRequest {
            session_name: None,
            ..request(ROLE, "x", None, None)
        };
        assert!(
            validate(&missing)
                .unwrap_err()
                .message
                .contains("Value null at 'roleSessionName'")
        );
        let fine = request(
            ROLE,
            "tgw_generic_rk-i-0123-10.0.0.100",
            Some("a:b/c=d"),
            Some("43200"),
        );
        assert_eq!(validate(&fine).unwrap(), 43200);
        assert_eq!(validate(&request(ROLE, "ok", None, None)).unwrap(), 3600);
    }

    #[test]
    fn expiration_is_utc_iso8601() {
        assert_eq!(iso8601(UNIX_EPOCH), "1970-01-01T00:00:00Z");
        let t = UNIX_EPOCH + Duration::from_secs(1_795_437_296);
        assert_eq!(iso8601(t), "2026-11-23T12:34:56Z");
        let leap = UNIX_EPOCH + Duration::from_secs(951_782_400);
        assert_eq!(iso8601(leap), "2000-02-29T00:00:00Z");
    }

    #[test]
    fn trust_names_accounts_or_role_arns_and_the_external_id_must_match() {
        let mut world = Topology::two_region();
        world.roles.push(Role {
            arn: ROLE.into(),
            trusted: vec![
                "333300000002".into(),
                "arn:aws:iam::333300000001:role/node".into(),
            ],
            external_id: Some("secret".into()),
            max_session_duration: None,
        });
        let caller = |account: &str, role: Option<&str>| Caller {
            account: account.into(),
            arn: format!("arn:aws:sts::{account}:assumed-role/node/i-1"),
            role_arn: role.map(str::to_string),
            user_id: String::new(),
        };
        let with = request(ROLE, "s1", Some("secret"), None);
        let node1 = caller("333300000001", Some("arn:aws:iam::333300000001:role/node"));
        assert!(authorize(&world, &node1, &with, false).is_ok());
        assert!(authorize(&world, &caller("333300000002", None), &with, false).is_ok());
        let other = caller("333300000003", Some("arn:aws:iam::333300000003:role/node"));
        let e = authorize(&world, &other, &with, false).unwrap_err();
        assert_eq!(
            e.message,
            format!(
                "User: arn:aws:sts::333300000003:assumed-role/node/i-1 is not authorized to \
                 perform: sts:AssumeRole on resource: {ROLE}"
            )
        );
        assert_eq!((e.status, e.code.as_str()), (403, "AccessDenied"));
        let without = request(ROLE, "s1", None, None);
        assert!(authorize(&world, &node1, &without, false).is_err());
        let wrong = request(ROLE, "s1", Some("guess"), None);
        assert!(authorize(&world, &node1, &wrong, false).is_err());
        assert!(authorize(&world, &node1, &with, true).is_err());
        let missing = request("arn:aws:iam::444400000001:role/Nope", "s1", None, None);
        assert!(authorize(&world, &node1, &missing, false).is_err());
        let role = world.role(ROLE).unwrap();
        assert!(check_duration(role, 3600).is_ok());
        assert!(
            check_duration(role, 3601)
                .unwrap_err()
                .message
                .contains("MaxSessionDuration")
        );
    }
}
