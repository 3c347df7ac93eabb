//! Instance metadata (IMDSv2): who and where this node is.
//!
//! A small client of our own on hyper rather than aws-config's, because the
//! vendor's catalog gives every retry its own warning (token refused, token
//! empty, transport failure, HTTP error, empty answer) and operators grep for
//! them. Never proxied: the metadata address is link-local.

use std::net::Ipv4Addr;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper::{Method, Request, StatusCode};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use tokio::sync::Mutex;

use crate::aws::interfaces::{self, Interface};
use crate::engine::topology::{LocalNode, NodeIdentity};
use crate::log;
use crate::log::catalog::Message;

pub const DEFAULT_ENDPOINT: &str = "http://169.254.169.254";
/// Tries per item before giving up, and the pause between them.
pub const ATTEMPTS: u32 = 3;
pub const RETRY_INTERVAL: Duration = Duration::from_millis(500);
const TOKEN_TTL_SECONDS: &str = "21600";

pub struct Imds {
    client: Client<HttpConnector, Empty<Bytes>>,
    base: String,
    timeout: Duration,
    token: Mutex<Option<String>>,
}

/// Why IMDS gave no session token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TokenFailure {
    /// No answer in time: typical of a hop limit of 1 seen from a container.
    Timeout(Duration),
    /// Connection refused, reset, unroutable…
    Transport(String),
    /// IMDS answered with an HTTP error (403: metadata service disabled).
    Status(u16, String),
    Empty,
}

/// Why one request did not produce a value.
enum Failure {
    Transport { kind: &'static str, err: String },
    Status { status: u16, body: String },
    Empty,
}

impl Imds {
    /// `AWS_EC2_METADATA_SERVICE_ENDPOINT` overrides the address, as in every AWS SDK.
    pub fn from_env(timeout: Duration) -> Imds {
        let base = std::env::var("AWS_EC2_METADATA_SERVICE_ENDPOINT")
            .ok()
            .filter(|s| !s.trim().is_empty())
            .unwrap_or_else(|| DEFAULT_ENDPOINT.to_string());
        Imds {
            client: Client::builder(TokioExecutor::new()).build_http(),
            base: base.trim_end_matches('/').to_string(),
            timeout,
            token: Mutex::new(None),
        }
    }

    async fn request(
        &self,
        method: Method,
        path: &str,
        header: (&str, &str),
    ) -> Result<String, Failure> {
        let request = Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.base))
            .header(header.0, header.1)
            .body(Empty::new())
            .map_err(|e| Failure::Transport {
                kind: "request",
                err: e.to_string(),
            })?;
        let exchange = async {
            let response = self
                .client
                .request(request)
                .await
                .map_err(|e| Failure::Transport {
                    kind: "connect",
                    err: e.to_string(),
                })?;
            let status = response.status();
            let body = response
                .into_body()
                .collect()
                .await
                .map_err(|e| Failure::Transport {
                    kind: "read",
                    err: e.to_string(),
                })?;
            Ok((
                status,
                String::from_utf8_lossy(&body.to_bytes()).trim().to_string(),
            ))
        };
        let (status, body) = tokio::time::timeout(self.timeout, exchange)
            .await
            .map_err(|_| Failure::Transport {
                kind: "timeout",
                err: format!("no answer within {} s", self.timeout.as_secs()),
            })??;
        match (status, body.is_empty()) {
            (StatusCode::OK, true) => Err(Failure::Empty),
            (StatusCode::OK, false) => Ok(body),
            (status, _) => Err(Failure::Status {
                status: status.as_u16(),
                body,
            }),
        }
    }

    /// One token request, no retries and no log lines, for `doctor`: how
    /// long IMDS took to hand out a token, or exactly why it did not.
    /// A token obtained here is kept for the lookups that follow.
    pub async fn probe_token(&self) -> Result<Duration, TokenFailure> {
        let started = std::time::Instant::now();
        let header = ("x-aws-ec2-metadata-token-ttl-seconds", TOKEN_TTL_SECONDS);
        let token = self
            .request(Method::PUT, "/latest/api/token", header)
            .await
            .map_err(|f| match f {
                Failure::Transport {
                    kind: "timeout", ..
                } => TokenFailure::Timeout(self.timeout),
                Failure::Transport { err, .. } => TokenFailure::Transport(err),
                Failure::Status { status, body } => TokenFailure::Status(status, body),
                Failure::Empty => TokenFailure::Empty,
            })?;
        *self.token.lock().await = Some(token);
        Ok(started.elapsed())
    }

    pub fn endpoint(&self) -> &str {
        &self.base
    }

    /// A session token, fetched once and reused; `None` when IMDS will not give one.
    async fn token(&self) -> Option<String> {
        let mut cached = self.token.lock().await;
        if let Some(t) = cached.as_ref() {
            return Some(t.clone());
        }
        for attempt in 1..=ATTEMPTS {
            let header = ("x-aws-ec2-metadata-token-ttl-seconds", TOKEN_TTL_SECONDS);
            match self.request(Method::PUT, "/latest/api/token", header).await {
                Ok(token) => {
                    *cached = Some(token.clone());
                    return Some(token);
                }
                Err(Failure::Empty) => log::emit(&Message::ImdsTokenEmpty),
                Err(Failure::Transport { kind, err }) => log::emit(&Message::ImdsTokenFailed {
                    ret: kind.to_string(),
                    err,
                }),
                Err(Failure::Status { status, body }) => log::emit(&Message::ImdsTokenFailed {
                    ret: status.to_string(),
                    err: body,
                }),
            }
            if attempt < ATTEMPTS {
                tokio::time::sleep(RETRY_INTERVAL).await;
            }
        }
        None
    }

    /// One metadata item, retried with the catalog's warnings.
    pub async fn get(&self, item: &str) -> Option<String> {
        self.get_path(&format!("/latest/meta-data/{item}"), item)
            .await
    }

    /// This instance's account and id, from its identity document.
    pub async fn identity(&self) -> Option<NodeIdentity> {
        let path = "/latest/dynamic/instance-identity/document";
        let document = self.get_path(path, "instance-identity/document").await?;
        let parsed: serde_json::Value = serde_json::from_str(&document).ok()?;
        let field = |name: &str| parsed.get(name)?.as_str().map(str::to_string);
        Some(NodeIdentity {
            account: field("accountId")?,
            instance_id: field("instanceId")?,
        })
    }

    /// The document at `path` (`item` names it in warnings), retried with
    /// the catalog's warnings.
    async fn get_path(&self, path: &str, item: &str) -> Option<String> {
        for attempt in 1..=ATTEMPTS {
            let token = self.token().await?;
            match self
                .request(Method::GET, path, ("x-aws-ec2-metadata-token", &token))
                .await
            {
                Ok(value) => return Some(value),
                Err(Failure::Empty) => log::emit(&Message::ImdsEmpty {
                    item: item.to_string(),
                    retry_interval_us: RETRY_INTERVAL.as_micros() as u64,
                }),
                Err(Failure::Transport { kind, err }) => log::emit(&Message::ImdsCallFailed {
                    ret: kind.to_string(),
                    err,
                    output: String::new(),
                }),
                Err(Failure::Status { status, body }) => {
                    if status == 401 {
                        // The token expired or IMDS restarted: get a fresh one.
                        *self.token.lock().await = None;
                    }
                    log::emit(&Message::ImdsHttpError {
                        status,
                        response: body,
                    })
                }
            }
            if attempt < ATTEMPTS {
                tokio::time::sleep(RETRY_INTERVAL).await;
            }
        }
        None
    }

    /// Region, VPC and ENI of this node, for the interface that holds `vip`.
    pub async fn local_node(
        &self,
        vip: Ipv4Addr,
        interfaces: &[Interface],
    ) -> Result<LocalNode, Message> {
        let mac = interfaces::mac_holding(interfaces, vip);
        let (region, mac) = tokio::join!(self.get("placement/region"), async {
            match mac {
                Some(mac) => Some(mac),
                None => {
                    log::emit(&Message::NoDeviceForVip {
                        ip: vip.to_string(),
                    });
                    self.get("mac").await
                }
            }
        });
        let region = region.ok_or(Message::NoRegion)?;
        let mac = mac.ok_or(Message::NoVpcId { mac: String::new() })?;
        let base = format!("network/interfaces/macs/{mac}");
        let (vpc_item, eni_item) = (format!("{base}/vpc-id"), format!("{base}/interface-id"));
        let (vpc_id, eni_id) = tokio::join!(self.get(&vpc_item), self.get(&eni_item));
        Ok(LocalNode {
            region,
            vpc_id: vpc_id.ok_or_else(|| Message::NoVpcId { mac: mac.clone() })?,
            eni_id: eni_id.ok_or_else(|| Message::NoEniId { mac: mac.clone() })?,
            mac,
            identity: None,
        })
    }
}
