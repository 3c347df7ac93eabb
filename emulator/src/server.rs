//! HTTP plumbing: the emulator's own tokio runtime, the EC2 listeners (plain
//! HTTP, which doubles as a forward proxy target, and HTTPS) and one IMDS
//! listener per node.
//!
//! Listeners are bound synchronously before `start` returns, so a caller
//! may connect immediately; the kernel queues connections until the accept
//! loop runs.

use std::collections::{BTreeMap, BTreeSet};
use std::convert::Infallible;
use std::net::{SocketAddr, TcpListener as StdListener};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::runtime::Runtime;
use tokio_rustls::TlsAcceptor;

use crate::error::EmulatorError;
use crate::knobs::ImdsFault;
use crate::state::{Shared, lock};
use crate::tls::Tls;
use crate::{ec2, imds};

/// Far above any EC2 request the SDK sends; bounds memory per request.
const MAX_BODY: usize = 1 << 20;

/// A TLS handshake gets no more time than this before the connection is dropped.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

pub struct Listening {
    pub runtime: Runtime,
    pub ec2: SocketAddr,
    pub ec2_https: SocketAddr,
    pub imds: BTreeMap<String, SocketAddr>,
}

/// How connections are set up: TLS material, and whether a new connection
/// pays for its handshakes in the region's latency.
pub struct Transport {
    pub tls: Tls,
    /// When set, a request that needs a new connection waits one extra
    /// latency of its region for the TCP handshake, and one more over TLS
    /// (TLS 1.3 needs one round trip before the request can go). On AWS
    /// every region is a host of its own with its own connections, so
    /// connections are counted per region ([`RegionPool`]).
    pub handshake_latency: AtomicBool,
    /// Per region, the connections a real client would hold to that
    /// region's host, for the handshake-latency model.
    pools: Mutex<BTreeMap<String, RegionPool>>,
}

/// A region's connections as a client with one pool per host would have
/// them: every region here shares one listener, so a connection that
/// carried another region stands for an idle one of this region when the
/// client would have had one.
#[derive(Default)]
struct RegionPool {
    open: u32,
    busy: u32,
}

impl Transport {
    pub fn new() -> Result<Transport, EmulatorError> {
        Ok(Transport {
            tls: Tls::new()?,
            handshake_latency: AtomicBool::new(false),
            pools: Mutex::new(BTreeMap::new()),
        })
    }

    /// Whether this request, first of `region` on its connection, would
    /// have needed a new connection: only when all of the region's
    /// connections are busy. Counts it busy until the guard drops.
    fn admit(self: &Arc<Self>, region: &str, new_on_connection: bool) -> (bool, PoolGuard) {
        let mut pools = lock(&self.pools);
        let pool = pools.entry(region.to_string()).or_default();
        let connect = new_on_connection && pool.busy >= pool.open;
        if connect {
            pool.open = pool.open.saturating_add(1);
        }
        pool.busy = pool.busy.saturating_add(1);
        let guard = PoolGuard {
            transport: self.clone(),
            region: region.to_string(),
        };
        (connect, guard)
    }
}

/// A request in flight on a region's (modelled) connection.
struct PoolGuard {
    transport: Arc<Transport>,
    region: String,
}

impl Drop for PoolGuard {
    fn drop(&mut self) {
        if let Some(pool) = lock(&self.transport.pools).get_mut(&self.region) {
            pool.busy = pool.busy.saturating_sub(1);
        }
    }
}

pub fn start(
    shared: Arc<Shared>,
    transport: Arc<Transport>,
    nodes: &[String],
) -> Result<Listening, EmulatorError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("ec2-emulator")
        .enable_all()
        .build()
        .map_err(EmulatorError::Start)?;
    let ec2_listener = bind()?;
    let ec2 = ec2_listener.local_addr().map_err(EmulatorError::Start)?;
    let https_listener = bind()?;
    let ec2_https = https_listener.local_addr().map_err(EmulatorError::Start)?;
    let mut imds = BTreeMap::new();
    let mut imds_listeners = Vec::new();
    for node in nodes {
        let listener = bind()?;
        imds.insert(
            node.clone(),
            listener.local_addr().map_err(EmulatorError::Start)?,
        );
        imds_listeners.push((node.clone(), listener));
    }
    let _entered = runtime.enter();
    let ec2_role = |tls| Role::Ec2 {
        tls,
        transport: transport.clone(),
    };
    spawn_accept_loop(ec2_listener, shared.clone(), ec2_role(false))?;
    spawn_accept_loop(https_listener, shared.clone(), ec2_role(true))?;
    for (node, listener) in imds_listeners {
        spawn_accept_loop(listener, shared.clone(), Role::Imds(node))?;
    }
    Ok(Listening {
        runtime,
        ec2,
        ec2_https,
        imds,
    })
}

fn bind() -> Result<StdListener, EmulatorError> {
    let listener = StdListener::bind(("127.0.0.1", 0)).map_err(EmulatorError::Start)?;
    listener
        .set_nonblocking(true)
        .map_err(EmulatorError::Start)?;
    Ok(listener)
}

#[derive(Clone)]
enum Role {
    Ec2 {
        tls: bool,
        transport: Arc<Transport>,
    },
    Imds(String),
}

/// Must run inside the runtime's context (see `start`).
fn spawn_accept_loop(
    listener: StdListener,
    shared: Arc<Shared>,
    role: Role,
) -> Result<(), EmulatorError> {
    let listener = TcpListener::from_std(listener).map_err(EmulatorError::Start)?;
    tokio::spawn(async move {
        loop {
            match listener.accept().await {
                Ok((stream, _)) => {
                    let (shared, role) = (shared.clone(), role.clone());
                    tokio::spawn(serve_connection(stream, shared, role));
                }
                // Out of descriptors or similar: back off instead of spinning.
                Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
            }
        }
    });
    Ok(())
}

async fn serve_connection(stream: tokio::net::TcpStream, shared: Arc<Shared>, role: Role) {
    match &role {
        Role::Ec2 {
            tls: true,
            transport,
        } => {
            let acceptor = TlsAcceptor::from(transport.tls.config());
            let handshake = tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await;
            match handshake {
                Ok(Ok(tls_stream)) => {
                    lock(&shared.counters).tls_handshakes += 1;
                    serve_http(TokioIo::new(tls_stream), shared, role).await;
                }
                // The client's trust refused our certificate: it said so.
                Ok(Err(e)) if refused_by_client(&e) => lock(&shared.counters).tls_failures += 1,
                // It went away mid-handshake, or never finished it.
                _ => lock(&shared.counters).tls_abandoned += 1,
            }
        }
        _ => serve_http(TokioIo::new(stream), shared, role).await,
    }
}

/// Whether a failed handshake is the client's refusal (a TLS alert, as
/// rustls and every TLS client send when verification fails), as opposed
/// to a connection simply closed before the handshake ended.
fn refused_by_client(err: &std::io::Error) -> bool {
    err.get_ref()
        .and_then(|inner| inner.downcast_ref::<tokio_rustls::rustls::Error>())
        .is_some_and(|e| matches!(e, tokio_rustls::rustls::Error::AlertReceived(_)))
}

async fn serve_http<I>(io: TokioIo<I>, shared: Arc<Shared>, role: Role)
where
    I: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    // Regions this connection has carried, for the handshake-latency model.
    let seen: Arc<Mutex<BTreeSet<String>>> = Arc::default();
    let service = service_fn(move |req| {
        let (shared, role, seen) = (shared.clone(), role.clone(), seen.clone());
        async move {
            let response = match role {
                Role::Ec2 { tls, transport } => {
                    let _busy = charge_handshakes(&shared, &transport, tls, &seen, &req).await;
                    ec2_request(&shared, req).await
                }
                Role::Imds(node) => imds_request(&shared, &node, req).await,
            };
            Ok::<_, Infallible>(response)
        }
    });
    // Connection errors (client went away mid-request) concern nobody.
    let _ = http1::Builder::new()
        .timer(TokioTimer::new())
        .serve_connection(io, service)
        .await;
}

/// The round trips a real connection would have cost before this request
/// could be sent (see [`Transport::handshake_latency`]).
async fn charge_handshakes(
    shared: &Shared,
    transport: &Arc<Transport>,
    tls: bool,
    seen: &Mutex<BTreeSet<String>>,
    req: &Request<Incoming>,
) -> Option<PoolGuard> {
    if !transport.handshake_latency.load(Ordering::Relaxed) {
        return None;
    }
    let region = signed_region(req.headers())?;
    let new_on_connection = lock(seen).insert(region.clone());
    let (connect, guard) = transport.admit(&region, new_on_connection);
    let latency = lock(&shared.knobs).latency.get(&region).copied();
    if let Some(latency) = latency.filter(|_| connect) {
        let round_trips = if tls { 2 } else { 1 };
        tokio::time::sleep(latency.saturating_mul(round_trips)).await;
    }
    Some(guard)
}

/// The region of a SigV4 `Authorization` header's credential scope.
fn signed_region(headers: &hyper::HeaderMap) -> Option<String> {
    let auth = headers.get("authorization")?.to_str().ok()?;
    let (_, credential) = auth.split_once("Credential=")?;
    let scope = credential.split(',').next()?;
    scope.split('/').nth(2).map(str::to_string)
}

type Reply = Response<Full<Bytes>>;

fn reply(status: u16, body: impl Into<Bytes>) -> Reply {
    let mut response = Response::new(Full::new(body.into()));
    *response.status_mut() =
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    response
}

/// EC2 requests, including absolute-form ones sent to us as a forward
/// proxy; proxied IMDS requests are counted and refused so a test can prove
/// IMDS traffic never took the proxy.
async fn ec2_request(shared: &Shared, req: Request<Incoming>) -> Reply {
    if req.uri().authority().is_some() {
        lock(&shared.counters).proxied += 1;
        if req.uri().path().starts_with("/latest/") {
            return reply(
                502,
                "the EC2 emulator's proxy does not forward instance metadata requests\n",
            );
        }
    }
    let (parts, body) = req.into_parts();
    let Ok(body) = Limited::new(body, MAX_BODY)
        .collect()
        .await
        .map(|b| b.to_bytes())
    else {
        return reply(413, "request body too large or truncated\n");
    };
    let query = parts.uri.query().map(str::to_string);
    let answer = ec2::serve(
        shared,
        ec2::Ec2Request {
            headers: parts.headers,
            query,
            body,
        },
    )
    .await;
    let mut response = reply(answer.status, answer.body);
    let headers = response.headers_mut();
    headers.insert(
        "content-type",
        hyper::header::HeaderValue::from_static("text/xml;charset=UTF-8"),
    );
    headers.insert(
        "server",
        hyper::header::HeaderValue::from_static("AmazonEC2"),
    );
    if let Ok(id) = answer.request_id.parse() {
        headers.insert("x-amzn-requestid", id);
    }
    response
}

async fn imds_request(shared: &Shared, node: &str, req: Request<Incoming>) -> Reply {
    *lock(&shared.counters)
        .imds
        .entry(node.to_string())
        .or_default() += 1;
    let is_token_put = req.method() == hyper::Method::PUT && req.uri().path() == imds::TOKEN_PATH;
    let (generation, fault) = {
        let mut knobs = lock(&shared.knobs);
        (
            knobs.imds_generation(node),
            knobs.take_imds_fault(node, is_token_put),
        )
    };
    if let Some(faulty) = fault_reply(shared, node, fault, generation, req.headers()).await {
        return faulty;
    }
    let answer = imds::answer(shared, node, req.method(), req.uri().path(), req.headers());
    let mut response = reply(answer.status, answer.body);
    if let Some(ttl) = answer.ttl.and_then(|t| t.to_string().parse().ok()) {
        response.headers_mut().insert(imds::TTL_HEADER, ttl);
    }
    response
}

/// The reply a fault substitutes for the real one; a hang returns `None`
/// once released so the request is then answered normally.
async fn fault_reply(
    shared: &Shared,
    node: &str,
    fault: ImdsFault,
    generation: u64,
    headers: &hyper::HeaderMap,
) -> Option<Reply> {
    match fault {
        ImdsFault::None => None,
        ImdsFault::Hang => {
            let released = shared
                .hold_while(|k| k.imds_generation(node) == generation)
                .await;
            (!released).then(|| reply(504, ""))
        }
        ImdsFault::EmptyBody => Some(reply(200, "")),
        ImdsFault::ServerError | ImdsFault::ItemServerError => Some(reply(500, "")),
        ImdsFault::TokenRefused => Some(reply(403, "")),
        ImdsFault::EmptyToken => {
            let mut response = reply(200, "");
            if let Some(ttl) = imds::requested_ttl(headers).and_then(|t| t.to_string().parse().ok())
            {
                response.headers_mut().insert(imds::TTL_HEADER, ttl);
            }
            Some(response)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_region_pays_for_a_connection_only_when_all_of_its_own_are_busy() {
        let transport = Arc::new(Transport::new().unwrap());
        let (first, a) = transport.admit("us-west-2", true);
        let (second, b) = transport.admit("us-west-2", true);
        assert!(first && second, "two at once need two connections");
        drop((a, b));
        // Another connection (it carried us-east-1 so far) stands for one
        // of the two idle us-west-2 connections a real client would reuse.
        let (third, _c) = transport.admit("us-west-2", true);
        assert!(!third);
        let (again, _d) = transport.admit("us-west-2", false);
        assert!(
            !again,
            "a connection that carried the region is one of its own"
        );
        let (other, _e) = transport.admit("eu-west-1", true);
        assert!(other, "each region is a host of its own");
    }

    #[test]
    fn the_region_comes_from_the_credential_scope() {
        let mut headers = hyper::HeaderMap::new();
        headers.insert(
            "authorization",
            "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-west-2/ec2/aws4_request, SignedHeaders=host, Signature=0"
                .parse()
                .unwrap(),
        );
        assert_eq!(signed_region(&headers).as_deref(), Some("us-west-2"));
        assert_eq!(signed_region(&hyper::HeaderMap::new()), None);
    }
}
