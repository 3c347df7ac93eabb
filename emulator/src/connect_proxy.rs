//! A forward proxy of the kind corporate networks run: `CONNECT host:port`
//! opens a TCP tunnel (what every HTTPS client does through a proxy), and an
//! absolute-form request (`POST http://host/ …`, plain HTTP) is forwarded.
//!
//! It counts tunnels and forwarded requests and records every target, so a
//! test can prove that EC2 traffic took the proxy and instance metadata
//! never did. Only loopback targets are served: this is test support and
//! must never reach beyond the machine.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::{TcpListener, TcpStream};
use tokio::runtime::Runtime;

use crate::error::EmulatorError;
use crate::state::lock;

/// Bounds memory per forwarded body; far above any EC2 request or answer
/// a test produces.
const MAX_BODY: usize = 8 << 20;

/// What went through the proxy since the last reset.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ProxyCounters {
    /// CONNECT tunnels opened.
    pub tunnels: u64,
    /// Plain-HTTP requests forwarded (absolute-form).
    pub requests: u64,
    /// `host:port` of every tunnel and forwarded request, in order, refused
    /// ones included.
    pub targets: Vec<String>,
    /// Requests refused: instance metadata, non-loopback or bad targets.
    pub refused: u64,
}

/// A running proxy on 127.0.0.1; stops when dropped.
pub struct ConnectProxy {
    runtime: Option<Runtime>,
    addr: SocketAddr,
    counters: Arc<Mutex<ProxyCounters>>,
}

impl ConnectProxy {
    pub fn start() -> Result<ConnectProxy, EmulatorError> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("connect-proxy")
            .enable_all()
            .build()
            .map_err(EmulatorError::Start)?;
        let listener =
            std::net::TcpListener::bind(("127.0.0.1", 0)).map_err(EmulatorError::Start)?;
        listener
            .set_nonblocking(true)
            .map_err(EmulatorError::Start)?;
        let addr = listener.local_addr().map_err(EmulatorError::Start)?;
        let counters = Arc::new(Mutex::new(ProxyCounters::default()));
        let _entered = runtime.enter();
        let listener = TcpListener::from_std(listener).map_err(EmulatorError::Start)?;
        tokio::spawn(accept_loop(listener, counters.clone()));
        Ok(ConnectProxy {
            runtime: Some(runtime),
            addr,
            counters,
        })
    }

    /// The proxy's URL, as `HTTPS_PROXY`/`HTTP_PROXY` take it.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn counters(&self) -> ProxyCounters {
        lock(&self.counters).clone()
    }

    pub fn tunnels(&self) -> u64 {
        lock(&self.counters).tunnels
    }

    pub fn requests(&self) -> u64 {
        lock(&self.counters).requests
    }

    pub fn reset_counters(&self) {
        *lock(&self.counters) = ProxyCounters::default();
    }
}

impl Drop for ConnectProxy {
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

async fn accept_loop(listener: TcpListener, counters: Arc<Mutex<ProxyCounters>>) {
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                tokio::spawn(serve_connection(stream, counters.clone()));
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
}

async fn serve_connection(stream: TcpStream, counters: Arc<Mutex<ProxyCounters>>) {
    let service = service_fn(move |req| {
        let counters = counters.clone();
        async move { Ok::<_, Infallible>(handle(req, &counters).await) }
    });
    let _ = http1::Builder::new()
        .timer(TokioTimer::new())
        .serve_connection(TokioIo::new(stream), service)
        .with_upgrades()
        .await;
}

type Reply = Response<Full<Bytes>>;

fn reply(status: StatusCode, body: &'static str) -> Reply {
    let mut response = Response::new(Full::new(Bytes::from_static(body.as_bytes())));
    *response.status_mut() = status;
    response
}

async fn handle(req: Request<Incoming>, counters: &Mutex<ProxyCounters>) -> Reply {
    let Some(authority) = req.uri().authority().map(|a| a.to_string()) else {
        lock(counters).refused += 1;
        return reply(StatusCode::BAD_REQUEST, "not a proxy request\n");
    };
    let authority = with_port(&authority, req.method() == Method::CONNECT);
    lock(counters).targets.push(authority.clone());
    if req.uri().path().starts_with("/latest/") {
        lock(counters).refused += 1;
        return reply(
            StatusCode::BAD_GATEWAY,
            "this proxy does not forward instance metadata requests\n",
        );
    }
    let Some(target) = loopback_target(&authority).await else {
        lock(counters).refused += 1;
        return reply(StatusCode::FORBIDDEN, "only loopback targets are served\n");
    };
    let Ok(upstream) = TcpStream::connect(target).await else {
        lock(counters).refused += 1;
        return reply(StatusCode::BAD_GATEWAY, "target refused the connection\n");
    };
    if req.method() == Method::CONNECT {
        lock(counters).tunnels += 1;
        tokio::spawn(tunnel(req, upstream));
        return reply(StatusCode::OK, "");
    }
    lock(counters).requests += 1;
    forward(req, upstream)
        .await
        .unwrap_or_else(|| reply(StatusCode::BAD_GATEWAY, "forwarding failed\n"))
}

/// `host` alone means port 443 for CONNECT and 80 otherwise, as in URLs.
fn with_port(authority: &str, connect: bool) -> String {
    if authority
        .rsplit_once(':')
        .is_some_and(|(_, p)| p.parse::<u16>().is_ok())
    {
        authority.to_string()
    } else if connect {
        format!("{authority}:443")
    } else {
        format!("{authority}:80")
    }
}

async fn loopback_target(authority: &str) -> Option<SocketAddr> {
    let addrs: Vec<SocketAddr> = tokio::net::lookup_host(authority).await.ok()?.collect();
    let all_loopback = !addrs.is_empty() && addrs.iter().all(|a| a.ip().is_loopback());
    all_loopback.then(|| addrs.first().copied()).flatten()
}

/// Copies bytes both ways once the client has our 200 to its CONNECT.
async fn tunnel(req: Request<Incoming>, mut upstream: TcpStream) {
    if let Ok(upgraded) = hyper::upgrade::on(req).await {
        let mut client = TokioIo::new(upgraded);
        let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
    }
}

/// Sends the request on in origin-form and relays the answer.
async fn forward(req: Request<Incoming>, upstream: TcpStream) -> Option<Reply> {
    let (mut parts, body) = req.into_parts();
    let body = Limited::new(body, MAX_BODY)
        .collect()
        .await
        .ok()?
        .to_bytes();
    let path = parts
        .uri
        .path_and_query()
        .map_or("/", |p| p.as_str())
        .to_string();
    parts.uri = path.parse().ok()?;
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(upstream))
        .await
        .ok()?;
    tokio::spawn(connection);
    let answer = sender
        .send_request(Request::from_parts(parts, Full::new(body)))
        .await
        .ok()?;
    let (parts, body) = answer.into_parts();
    let body = Limited::new(body, MAX_BODY)
        .collect()
        .await
        .ok()?
        .to_bytes();
    Some(Response::from_parts(parts, Full::new(body)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_default_as_in_urls() {
        assert_eq!(with_port("127.0.0.1:8443", true), "127.0.0.1:8443");
        assert_eq!(with_port("localhost", true), "localhost:443");
        assert_eq!(with_port("localhost", false), "localhost:80");
    }
}
