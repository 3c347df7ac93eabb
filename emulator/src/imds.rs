//! IMDSv2 for one cluster node: session tokens, the metadata paths
//! tgw_generic_rk and the SDK read, and instance-profile credentials.
//!
//! IMDSv1 is disabled, as it should be on a hardened instance: every GET
//! needs a token obtained by PUT, and tokens are bound to the node that
//! issued them.

use std::time::{Duration, Instant};

use hyper::{HeaderMap, Method};

use crate::accounts::{instance_access_key, key_suffix};
use crate::state::{Shared, lock};
use crate::topology::{Node, Topology};

pub const TOKEN_PATH: &str = "/latest/api/token";
pub const TTL_HEADER: &str = "x-aws-ec2-metadata-token-ttl-seconds";
pub const TOKEN_HEADER: &str = "x-aws-ec2-metadata-token";
const MAX_TTL: u32 = 21_600;

/// Credentials expire long after any test ends, so the SDK never refreshes.
const CREDENTIAL_EXPIRATION: &str = "2099-12-31T23:59:59Z";

pub struct ImdsReply {
    pub status: u16,
    pub body: String,
    /// Echo of the token TTL on a token response.
    pub ttl: Option<u32>,
}

impl ImdsReply {
    fn status(status: u16) -> ImdsReply {
        ImdsReply {
            status,
            body: String::new(),
            ttl: None,
        }
    }

    fn ok(body: String) -> ImdsReply {
        ImdsReply {
            status: 200,
            body,
            ttl: None,
        }
    }
}

pub fn answer(
    shared: &Shared,
    node: &str,
    method: &Method,
    path: &str,
    headers: &HeaderMap,
) -> ImdsReply {
    match (method, path) {
        (&Method::PUT, TOKEN_PATH) => issue_token(shared, node, headers),
        (&Method::GET, TOKEN_PATH) | (&Method::PUT, _) => ImdsReply::status(405),
        (&Method::GET, _) => get(shared, node, path, headers),
        _ => ImdsReply::status(405),
    }
}

/// Parses the TTL header; IMDS answers 400 when it is missing or out of range.
pub fn requested_ttl(headers: &HeaderMap) -> Option<u32> {
    let ttl: u32 = headers
        .get(TTL_HEADER)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()?;
    (1..=MAX_TTL).contains(&ttl).then_some(ttl)
}

fn issue_token(shared: &Shared, node: &str, headers: &HeaderMap) -> ImdsReply {
    // IMDS refuses token requests that went through a proxy or forwarder.
    if headers.contains_key("x-forwarded-for") {
        return ImdsReply::status(403);
    }
    let Some(ttl) = requested_ttl(headers) else {
        return ImdsReply::status(400);
    };
    let n = shared.next_sequence();
    let token = format!(
        "AQAEA{n:016x}{:016x}",
        n.wrapping_mul(0x9e37_79b9_7f4a_7c15)
    );
    let expiry = Instant::now() + Duration::from_secs(u64::from(ttl));
    let mut tokens = lock(&shared.imds_tokens);
    let now = Instant::now();
    tokens.retain(|_, (_, until)| *until > now);
    tokens.insert(token.clone(), (node.to_string(), expiry));
    ImdsReply {
        status: 200,
        body: token,
        ttl: Some(ttl),
    }
}

fn token_valid(shared: &Shared, node: &str, headers: &HeaderMap) -> bool {
    let Some(token) = headers.get(TOKEN_HEADER).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let tokens = lock(&shared.imds_tokens);
    tokens
        .get(token)
        .is_some_and(|(owner, until)| owner == node && *until > Instant::now())
}

fn get(shared: &Shared, node: &str, path: &str, headers: &HeaderMap) -> ImdsReply {
    if !token_valid(shared, node, headers) {
        return ImdsReply::status(401);
    }
    let world = lock(&shared.world);
    let Some(n) = world.node(node) else {
        return ImdsReply::status(404);
    };
    let body = if let Some(rest) = path.strip_prefix("/latest/meta-data") {
        metadata(&world, n, rest.trim_matches('/'))
    } else if path == "/latest/dynamic/instance-identity/document" {
        Some(identity_document(&world, n))
    } else {
        None
    };
    body.map_or_else(|| ImdsReply::status(404), ImdsReply::ok)
}

/// The metadata tree below `/latest/meta-data/`; directories list their
/// children one per line, sub-directories with a trailing slash.
fn metadata(w: &Topology, node: &Node, path: &str) -> Option<String> {
    // Every ENI of the instance, device 0 first, as IMDS lists them.
    for (device, eni) in w.interfaces_of(node).enumerate() {
        let mac_dir = format!("network/interfaces/macs/{}", eni.mac);
        if let Some(rest) = path.strip_prefix(&mac_dir) {
            if !(rest.is_empty() || rest.starts_with('/')) {
                continue;
            }
            return interface(w, eni, device, rest.trim_start_matches('/'));
        }
    }
    let role_path = format!("iam/security-credentials/{}", w.iam_role);
    Some(match path {
        "" => "iam/\ninstance-id\nlocal-ipv4\nmac\nnetwork/\nplacement/".to_string(),
        "mac" => node.mac.clone(),
        "instance-id" => node.instance_id.clone(),
        "local-ipv4" => node.private_ip.clone(),
        "placement" => "availability-zone\nregion".to_string(),
        "placement/region" => node.region.clone(),
        "placement/availability-zone" => node.availability_zone(),
        "network" => "interfaces/".to_string(),
        "network/interfaces" => "macs/".to_string(),
        "network/interfaces/macs" => w
            .interfaces_of(node)
            .map(|eni| format!("{}/", eni.mac))
            .collect::<Vec<_>>()
            .join("\n"),
        "iam" => "info\nsecurity-credentials/".to_string(),
        "iam/info" => iam_info(w, node),
        "iam/security-credentials" => w.iam_role.clone(),
        p if p == role_path => credentials(node),
        _ => return None,
    })
}

/// Per-interface metadata below `network/interfaces/macs/<mac>/`; `node`
/// is the ENI's entry, `device` its device number.
fn interface(w: &Topology, node: &Node, device: usize, key: &str) -> Option<String> {
    let vpc = w.vpc(&node.vpc)?;
    Some(match key {
        "" => "device-number\ninterface-id\nlocal-ipv4s\nmac\nowner-id\nsubnet-id\nvpc-id\n\
               vpc-ipv4-cidr-block\nvpc-ipv4-cidr-blocks"
            .to_string(),
        "device-number" => device.to_string(),
        "interface-id" => node.eni.clone(),
        "local-ipv4s" => node.private_ip.clone(),
        "mac" => node.mac.clone(),
        "owner-id" => w.node_owner(node).to_string(),
        "subnet-id" => node.subnet.clone(),
        "vpc-id" => vpc.id.clone(),
        "vpc-ipv4-cidr-block" | "vpc-ipv4-cidr-blocks" => vpc.cidr.clone(),
        _ => return None,
    })
}

fn iam_info(w: &Topology, node: &Node) -> String {
    format!(
        "{{\n  \"Code\" : \"Success\",\n  \"LastUpdated\" : \"2026-01-01T00:00:00Z\",\n  \
         \"InstanceProfileArn\" : \"arn:aws:iam::{}:instance-profile/{}\",\n  \
         \"InstanceProfileId\" : \"AIPAEMULATOR{}\"\n}}",
        w.node_owner(node),
        w.iam_role,
        key_suffix(node)
    )
}

/// Shaped exactly like IMDS's answer, which the SDK's instance-profile
/// provider parses.
fn credentials(node: &Node) -> String {
    let suffix = key_suffix(node);
    let key = instance_access_key(node);
    format!(
        "{{\n  \"Code\" : \"Success\",\n  \"LastUpdated\" : \"2026-01-01T00:00:00Z\",\n  \
         \"Type\" : \"AWS-HMAC\",\n  \"AccessKeyId\" : \"{key}\",\n  \
         \"SecretAccessKey\" : \"emulator-secret-{suffix}\",\n  \
         \"Token\" : \"emulator-session-token-{suffix}\",\n  \
         \"Expiration\" : \"{CREDENTIAL_EXPIRATION}\"\n}}"
    )
}

fn identity_document(w: &Topology, node: &Node) -> String {
    format!(
        "{{\n  \"accountId\" : \"{}\",\n  \"architecture\" : \"x86_64\",\n  \
         \"availabilityZone\" : \"{}\",\n  \"imageId\" : \"ami-0e000000000000001\",\n  \
         \"instanceId\" : \"{}\",\n  \"instanceType\" : \"t3.medium\",\n  \
         \"privateIp\" : \"{}\",\n  \"region\" : \"{}\",\n  \"version\" : \"2017-09-30\"\n}}",
        w.node_owner(node),
        node.availability_zone(),
        node.instance_id,
        node.private_ip,
        node.region
    )
}
