//! STS AssumeRole on the emulator's endpoint, through the real aws-sdk-sts
//! and aws-config's AssumeRoleProvider: trust, external ids, AWS's
//! refusals and validation sentences, and credentials that act in the
//! role's account.

mod common;

use std::time::Duration;

use aws_config::BehaviorVersion;
use aws_config::imds;
use aws_config::provider_config::ProviderConfig;
use aws_config::sts::AssumeRoleProvider;
use aws_sdk_ec2::config::ProvideCredentials;
use aws_sdk_ec2::error::ProvideErrorMetadata;
use common::{block_on, client_as, code, outcome, raw, sts_as};
use ec2_emulator::{DEFAULT_ACCOUNT_ID, Emulator, Outage, Topology};

const EAST: &str = "us-east-1";
const WEST: &str = "us-west-2";
const EAST_NETWORK: &str = "222200000001";
const EAST_CLIENTS: &str = "444400000001";
const NODE1_KEY: &str = "ASIAEMULATORNODE1";
const NODE1_SESSION: &str =
    "arn:aws:sts::333300000001:assumed-role/tgw-generic-rk-node/i-01000000000000001";
const SESSION: &str = "tgw_generic_rk-i-01000000000000001-10.0.0.100";
const EAST_TGW_TABLE: &str = "tgw-rtb-01000000000000001";

fn role(account: &str) -> String {
    format!("arn:aws:iam::{account}:role/LifeKeeperTgwRoutes")
}

fn landing_zone() -> Emulator {
    Emulator::start(Topology::landing_zone()).unwrap()
}

/// node1's own credentials as the SDK gets them: from its IMDS.
fn node1_imds_credentials(emulator: &Emulator) -> imds::credentials::ImdsCredentialsProvider {
    let http = aws_smithy_http_client::Builder::new().build_http();
    let client = imds::Client::builder()
        .configure(&ProviderConfig::without_region().with_http_client(http))
        .endpoint(emulator.imds_endpoint("node1").unwrap())
        .unwrap()
        .build();
    imds::credentials::ImdsCredentialsProvider::builder()
        .imds_client(client)
        .build()
}

/// AssumeRoleProvider as the product builds it: STS in the node's region,
/// session name, 900 s, optional external id, node credentials underneath.
fn assume(
    emulator: &Emulator,
    arn: &str,
    external_id: Option<&str>,
) -> Result<aws_sdk_ec2::config::Credentials, String> {
    block_on(async {
        let config = aws_config::defaults(BehaviorVersion::latest())
            .region(aws_config::Region::new(EAST))
            .endpoint_url(emulator.ec2_endpoint())
            .http_client(aws_smithy_http_client::Builder::new().build_http())
            .retry_config(aws_config::retry::RetryConfig::standard().with_max_attempts(1))
            .no_credentials()
            .load()
            .await;
        let mut builder = AssumeRoleProvider::builder(arn)
            .session_name(SESSION)
            .session_length(Duration::from_secs(900))
            .configure(&config);
        if let Some(id) = external_id {
            builder = builder.external_id(id);
        }
        let provider = builder
            .build_from_provider(node1_imds_credentials(emulator))
            .await;
        provider
            .provide_credentials()
            .await
            .map_err(|e| format!("{e:?}"))
    })
}

#[test]
fn a_node_assumes_the_network_role_with_the_sdk_provider_and_acts_there() {
    let emulator = landing_zone();
    let creds = assume(&emulator, &role(EAST_NETWORK), None).unwrap();
    assert!(creds.access_key_id().starts_with("ASIA"));
    assert!(creds.session_token().is_some());
    let expiry = creds.expiry().unwrap();
    let left = expiry.duration_since(std::time::SystemTime::now()).unwrap();
    assert!(left > Duration::from_secs(800) && left <= Duration::from_secs(900));
    // The assumed credentials see the network account's TGW tables…
    let network = client_as(&emulator, EAST, creds.access_key_id());
    let tables = block_on(network.describe_transit_gateway_route_tables().send()).unwrap();
    let ids: Vec<_> = tables
        .transit_gateway_route_tables()
        .iter()
        .filter_map(|t| t.transit_gateway_route_table_id())
        .collect();
    assert_eq!(ids, [EAST_TGW_TABLE]);
    // …which node1's own credentials cannot.
    let node1 = client_as(&emulator, EAST, NODE1_KEY);
    let own = block_on(node1.describe_transit_gateway_route_tables().send()).unwrap();
    assert!(own.transit_gateway_route_tables().is_empty());
    let sessions = emulator.assumed_sessions();
    assert_eq!(sessions.len(), 1);
    let s = &sessions[0];
    assert_eq!(
        (
            s.role_arn.as_str(),
            s.session_name.as_str(),
            s.caller_arn.as_str()
        ),
        (role(EAST_NETWORK).as_str(), SESSION, NODE1_SESSION)
    );
    assert!(s.granted && s.error.is_none());
    assert_eq!(s.region, EAST);
    assert_eq!(s.duration_seconds, Some(900));
    assert_eq!(s.access_key_id.as_deref(), Some(creds.access_key_id()));
    assert_eq!(emulator.sts_calls(), 1);
    assert_eq!(
        emulator.calls(EAST, "AssumeRole"),
        0,
        "STS is not an EC2 call"
    );
}

#[test]
fn a_static_key_acts_in_the_default_account_and_may_assume_when_trusted() {
    let emulator = landing_zone();
    let sts = sts_as(&emulator, EAST, "AKIDEMULATOR");
    let me = block_on(sts.get_caller_identity().send()).unwrap();
    assert_eq!(me.account(), Some(DEFAULT_ACCOUNT_ID));
    let arn = role(EAST_CLIENTS);
    let refused = block_on(
        sts.assume_role()
            .role_arn(&arn)
            .role_session_name("s1")
            .send(),
    );
    assert_eq!(code(refused), "AccessDenied");
    emulator.set_role_trust(&arn, vec![DEFAULT_ACCOUNT_ID.to_string()]);
    let out = block_on(
        sts.assume_role()
            .role_arn(&arn)
            .role_session_name("s1")
            .send(),
    )
    .unwrap();
    let user = out.assumed_role_user().unwrap();
    assert_eq!(
        user.arn(),
        format!("arn:aws:sts::{EAST_CLIENTS}:assumed-role/LifeKeeperTgwRoutes/s1")
    );
    assert!(user.assumed_role_id().starts_with("AROA"));
    assert!(user.assumed_role_id().ends_with(":s1"));
    let key = out.credentials().unwrap().access_key_id();
    let as_role = block_on(sts_as(&emulator, EAST, key).get_caller_identity().send()).unwrap();
    assert_eq!(as_role.account(), Some(EAST_CLIENTS));
    assert_eq!(as_role.arn(), Some(user.arn()));
    // The client account's own tables, and nothing else.
    let tables = block_on(
        client_as(&emulator, EAST, key)
            .describe_route_tables()
            .send(),
    )
    .unwrap();
    assert_eq!(tables.route_tables().len(), 2);
    assert!(
        tables
            .route_tables()
            .iter()
            .all(|t| t.owner_id() == Some(EAST_CLIENTS))
    );
}

#[test]
fn refused_trust_and_a_missing_role_answer_aws_access_denied() {
    let emulator = landing_zone();
    let sts = sts_as(&emulator, EAST, NODE1_KEY);
    let arn = role(EAST_NETWORK);
    let expected = format!(
        "User: {NODE1_SESSION} is not authorized to perform: sts:AssumeRole on resource: {arn}"
    );
    let attempt = || {
        common::code_and_message(block_on(
            sts.assume_role()
                .role_arn(&arn)
                .role_session_name(SESSION)
                .send(),
        ))
    };
    let refusal = ("AccessDenied".to_string(), expected);
    emulator.set_role_trust(&arn, vec!["333300000002".to_string()]);
    assert_eq!(attempt(), refusal);
    emulator.remove_role(&arn);
    assert_eq!(attempt(), refusal);
    let outcomes: Vec<_> = emulator
        .assumed_sessions()
        .iter()
        .map(|s| (s.granted, s.error.clone(), s.caller_arn.clone()))
        .collect();
    let refused = (
        false,
        Some("AccessDenied".to_string()),
        NODE1_SESSION.to_string(),
    );
    assert_eq!(outcomes, [refused.clone(), refused]);
    // The SDK provider surfaces the same refusal.
    let provider = assume(&emulator, &arn, None).unwrap_err();
    assert!(provider.contains("AccessDenied"), "{provider}");
}

#[test]
fn an_external_id_must_be_given_and_right_when_the_role_requires_one() {
    let emulator = landing_zone();
    let arn = role(EAST_NETWORK);
    emulator.set_role_external_id(&arn, Some("lk-7f3a".to_string()));
    assert!(
        assume(&emulator, &arn, None)
            .unwrap_err()
            .contains("AccessDenied")
    );
    assert!(
        assume(&emulator, &arn, Some("lk-0000"))
            .unwrap_err()
            .contains("AccessDenied")
    );
    assert!(assume(&emulator, &arn, Some("lk-7f3a")).is_ok());
    let ids: Vec<_> = emulator
        .assumed_sessions()
        .iter()
        .map(|s| (s.external_id.clone(), s.granted))
        .collect();
    assert_eq!(
        ids,
        [
            (None, false),
            (Some("lk-0000".to_string()), false),
            (Some("lk-7f3a".to_string()), true)
        ]
    );
    // A role without the condition does not mind an external id.
    emulator.set_role_external_id(&arn, None);
    assert!(assume(&emulator, &arn, Some("lk-0000")).is_ok());
}

#[test]
fn malformed_parameters_answer_validation_errors_in_aws_words() {
    let emulator = landing_zone();
    let sts = sts_as(&emulator, EAST, NODE1_KEY);
    let arn = role(EAST_NETWORK);
    let send = |session: &str, external: Option<&str>, duration: Option<i32>| {
        let call = sts
            .assume_role()
            .role_arn(&arn)
            .role_session_name(session)
            .set_external_id(external.map(str::to_string))
            .set_duration_seconds(duration);
        let err = block_on(call.send()).unwrap_err();
        (
            err.code().unwrap_or_default().to_string(),
            err.message().unwrap_or_default().to_string(),
        )
    };
    let (code, message) = send("tgw/generic", None, None);
    assert_eq!(code, "ValidationError");
    assert_eq!(
        message,
        "1 validation error detected: Value 'tgw/generic' at 'roleSessionName' failed to \
         satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*"
    );
    let (_, message) = send("s", Some("x y"), Some(43201));
    assert!(
        message.starts_with("3 validation errors detected: "),
        "{message}"
    );
    assert!(message.contains("at 'externalId' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@:\\/-]*"), "{message}");
    assert!(message.contains("Member must have value less than or equal to 43200"));
    let (code, message) = send("s1", None, Some(3601));
    assert_eq!(
        (code.as_str(), message.as_str()),
        (
            "ValidationError",
            "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."
        )
    );
    let short = block_on(
        sts.assume_role()
            .role_arn("arn:aws:iam::1:r")
            .role_session_name("s1")
            .send(),
    );
    assert_eq!(common::code(short), "ValidationError");
    assert!(
        emulator
            .assumed_sessions()
            .iter()
            .all(|s| !s.granted && s.error.as_deref() == Some("ValidationError"))
    );
}

#[test]
fn sts_documents_have_aws_envelopes_and_statuses() {
    let emulator = landing_zone();
    let post = |body: &str| {
        let auth = format!(
            "AWS4-HMAC-SHA256 Credential={NODE1_KEY}/20261123/{EAST}/sts/aws4_request, \
             SignedHeaders=host, Signature=0000"
        );
        let headers = [
            ("Authorization", auth.as_str()),
            ("Content-Type", "application/x-www-form-urlencoded"),
        ];
        raw(emulator.ec2_addr(), "POST", "/", &headers, body)
    };
    let arn = role(EAST_NETWORK).replace(':', "%3A").replace('/', "%2F");
    let ok = post(&format!(
        "Action=AssumeRole&Version=2011-06-15&RoleArn={arn}&RoleSessionName=s1"
    ));
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert!(ok.body.contains(
        "<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><AssumeRoleResult><Credentials><AccessKeyId>ASIA"
    ), "{}", ok.body);
    assert!(
        ok.body
            .contains("</AssumedRoleUser></AssumeRoleResult><ResponseMetadata><RequestId>")
    );
    emulator.remove_role(&role(EAST_NETWORK));
    let denied = post(&format!(
        "Action=AssumeRole&Version=2011-06-15&RoleArn={arn}&RoleSessionName=s1"
    ));
    assert_eq!(denied.status, 403);
    assert!(denied.body.contains(
        "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>User: "
    ), "{}", denied.body);
    assert!(denied.body.contains("</Error><RequestId>"));
    let invalid = post(&format!(
        "Action=AssumeRole&Version=2011-06-15&RoleArn={arn}&RoleSessionName=a"
    ));
    assert_eq!(invalid.status, 400);
    assert!(invalid.body.contains("<Code>ValidationError</Code>"));
    let unknown = post("Action=GetSessionToken&Version=2011-06-15");
    assert_eq!(
        (unknown.status, unknown.body.contains("InvalidAction")),
        (400, true)
    );
}

#[test]
fn region_faults_and_account_denials_apply_to_sts() {
    let emulator = landing_zone();
    let sts = sts_as(&emulator, WEST, NODE1_KEY);
    let arn = role("222200000002");
    let attempt = || {
        outcome(block_on(
            sts.assume_role()
                .role_arn(&arn)
                .role_session_name("s1")
                .send(),
        ))
    };
    emulator.set_region_outage(WEST, Outage::Unavailable);
    assert_eq!(attempt(), "Unavailable");
    assert!(
        emulator.assumed_sessions().is_empty(),
        "refused before STS ran"
    );
    emulator.set_region_outage(WEST, Outage::None);
    // An east outage does not touch west's STS.
    emulator.set_region_outage(EAST, Outage::Unavailable);
    assert_eq!(attempt(), "ok");
    emulator.set_region_outage(EAST, Outage::None);
    emulator.fail_action(WEST, "AssumeRole", 400, "Throttling", Some(1));
    assert_eq!(attempt(), "Throttling");
    assert_eq!(attempt(), "ok");
    emulator.deny_action_in_account("333300000001", "AssumeRole");
    assert_eq!(attempt(), "AccessDenied");
    emulator.allow_action_in_account("333300000001", "AssumeRole");
    assert_eq!(attempt(), "ok");
    assert_eq!(emulator.sts_calls(), 6);
    emulator.reset_counters();
    assert_eq!(
        (emulator.sts_calls(), emulator.assumed_sessions().len()),
        (0, 0)
    );
}

#[test]
fn sts_is_served_over_https_too() {
    use aws_smithy_http_client::tls;
    let emulator = landing_zone();
    let trust = tls::TrustStore::empty()
        .with_native_roots(false)
        .with_pem_certificate(emulator.ca_pem().into_bytes());
    let http = aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(
            tls::rustls_provider::CryptoMode::Ring,
        ))
        .tls_context(
            tls::TlsContext::builder()
                .with_trust_store(trust)
                .build()
                .unwrap(),
        )
        .build_https();
    let config = aws_sdk_sts::Config::builder()
        .behavior_version(aws_sdk_sts::config::BehaviorVersion::latest())
        .region(aws_sdk_sts::config::Region::new(EAST))
        .credentials_provider(common::credentials(NODE1_KEY))
        .endpoint_url(emulator.ec2_https_endpoint())
        .http_client(http);
    let sts = aws_sdk_sts::Client::from_conf(config.build());
    let out = block_on(
        sts.assume_role()
            .role_arn(role(EAST_NETWORK))
            .role_session_name(SESSION)
            .send(),
    )
    .unwrap();
    assert!(
        out.credentials()
            .unwrap()
            .access_key_id()
            .starts_with("ASIA")
    );
    assert_eq!(emulator.tls_handshakes(), 1);
}
