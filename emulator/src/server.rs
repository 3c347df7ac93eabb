//! HTTP plumbing: the emulator's own tokio runtime, the EC2 listener (which
//! doubles as a forward proxy target) and one IMDS listener per node.
//!
//! Listeners are bound synchronously before `start` returns, so a caller
//! may connect immediately; the kernel queues connections until the accept
//! loop runs.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::net::{SocketAddr, TcpListener as StdListener};
use std::sync::Arc;
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

use crate::error::EmulatorError;
use crate::knobs::ImdsFault;
use crate::state::{Shared, lock};
use crate::{ec2, imds};

/// Far above any EC2 request the SDK sends; bounds memory per request.
const MAX_BODY: usize = 1 << 20;

pub struct Listening {
    pub runtime: Runtime,
    pub ec2: SocketAddr,
    pub imds: BTreeMap<String, SocketAddr>,
}

pub fn start(shared: Arc<Shared>, nodes: &[String]) -> Result<Listening, EmulatorError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("ec2-emulator")
        .enable_all()
        .build()
        .map_err(EmulatorError::Start)?;
    let ec2_listener = bind()?;
    let ec2 = ec2_listener.local_addr().map_err(EmulatorError::Start)?;
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
    spawn_accept_loop(ec2_listener, shared.clone(), Role::Ec2)?;
    for (node, listener) in imds_listeners {
        spawn_accept_loop(listener, shared.clone(), Role::Imds(node))?;
    }
    Ok(Listening { runtime, ec2, imds })
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
    Ec2,
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
    let service = service_fn(move |req| {
        let (shared, role) = (shared.clone(), role.clone());
        async move {
            let response = match role {
                Role::Ec2 => ec2_request(&shared, req).await,
                Role::Imds(node) => imds_request(&shared, &node, req).await,
            };
            Ok::<_, Infallible>(response)
        }
    });
    // Connection errors (client went away mid-request) concern nobody.
    let _ = http1::Builder::new()
        .timer(TokioTimer::new())
        .serve_connection(TokioIo::new(stream), service)
        .await;
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
