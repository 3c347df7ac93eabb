//! Where messages go: LifeKeeper's log and syslog.
//!
//! LifeKeeper logs whatever a script writes to stderr at INFO, so an ERROR
//! there would lose its level; the same line therefore also goes to syslog at
//! the matching priority, with LifeKeeper's facility. Lines look like
//! LifeKeeper's own: `LEVEL:tgw_generic_rk:ACTION:TAG:CODE:text`.
//!
//! Catalog messages are ordinary `tracing` events carrying a `code` field;
//! `-v` adds everything else (ours and the SDK's) in tracing's own format.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Mutex;

use syslog::{Facility, Formatter3164, Logger, LoggerBackend};
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::filter::filter_fn;
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use tracing_subscriber::util::SubscriberInitExt;

use crate::log::catalog::{self, Message};
use crate::log::redact;

const COMPONENT: &str = "tgw_generic_rk";

/// Logs one catalog message.
pub fn emit(message: &Message) {
    let code = message.code();
    match message.level() {
        catalog::Level::Error => tracing::error!(code, "{message}"),
        catalog::Level::Warn => tracing::warn!(code, "{message}"),
        catalog::Level::Info => tracing::info!(code, "{message}"),
    }
}

/// Installs the global subscriber for this run. `facility` None keeps the
/// run out of syslog: operators' read-only commands must not fill
/// LifeKeeper's log with lines that look like resource actions.
pub fn init(action: &str, tag: &str, verbose: bool, facility: Option<&str>) {
    let syslog = facility.and_then(open_syslog);
    let catalog_layer = CatalogLayer {
        prefix: format!(":{COMPONENT}:{action}:{tag}:"),
        syslog: Mutex::new(syslog),
    };
    let verbose_layer = verbose.then(|| {
        // Debug, never trace: the SDK's trace lines carry request headers
        // (the IMDS token, the signature). URL passwords are hidden by the
        // writer; tests/integration/secrets.rs checks the whole output.
        let filter =
            EnvFilter::new("tgw_generic_rk=debug,aws_smithy_runtime=debug,aws_config=debug");
        tracing_subscriber::fmt::layer()
            .with_writer(RedactedStderr::default)
            .with_filter(filter)
            .with_filter(filter_fn(|meta| meta.fields().field("code").is_none()))
    });
    // A second init (tests in one process) keeps the first subscriber.
    let _ = tracing_subscriber::registry()
        .with(catalog_layer)
        .with(verbose_layer)
        .try_init();
}

fn open_syslog(facility: &str) -> Option<Logger<LoggerBackend, Formatter3164>> {
    let formatter = Formatter3164 {
        facility: Facility::from_str(facility).unwrap_or(Facility::LOG_LOCAL6),
        hostname: None,
        process: COMPONENT.into(),
        pid: std::process::id(),
    };
    // Overridable so tests can listen; /dev/log is absent in minimal containers,
    // which only costs the syslog copy.
    let socket = std::env::var_os("TGW_RK_SYSLOG_SOCKET")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/dev/log"));
    let logger = syslog::unix_custom(formatter, socket).ok()?;
    // A stuck syslog daemon must never stall a failover: when its queue is
    // full, the syslog copy is dropped (stderr still has the line).
    let nonblocking = match &logger.backend {
        LoggerBackend::Unix(socket) => socket.set_nonblocking(true),
        LoggerBackend::UnixStream(stream) => stream.get_ref().set_nonblocking(true),
        _ => Ok(()),
    };
    nonblocking.ok().map(|()| logger)
}

struct CatalogLayer {
    prefix: String,
    syslog: Mutex<Option<Logger<LoggerBackend, Formatter3164>>>,
}

#[derive(Default)]
struct Fields {
    code: Option<u64>,
    text: String,
}

impl Visit for Fields {
    fn record_u64(&mut self, field: &Field, value: u64) {
        if field.name() == "code" {
            self.code = Some(value);
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            let _ = write!(self.text, "{value:?}");
        }
    }
}

impl<S: Subscriber> Layer<S> for CatalogLayer {
    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let mut fields = Fields::default();
        event.record(&mut fields);
        let Some(code) = fields.code else {
            return;
        };
        let level = *event.metadata().level();
        let name = if level == Level::ERROR {
            "ERROR"
        } else if level == Level::WARN {
            "WARN"
        } else {
            "INFO"
        };
        let text = redact::userinfo(&fields.text);
        let line = format!("{name}{}{code}:{text}", self.prefix);
        let _ = writeln!(std::io::stderr().lock(), "{line}");
        let mut syslog = self.syslog.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(logger) = syslog.as_mut() {
            let _ = match level {
                Level::ERROR => logger.err(&line),
                Level::WARN => logger.warning(&line),
                _ => logger.info(&line),
            };
        }
    }
}

/// The `-v` writer: collects one event and writes it to stderr with the
/// passwords of URLs hidden, as catalog lines are.
#[derive(Default)]
struct RedactedStderr(Vec<u8>);

impl std::io::Write for RedactedStderr {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Drop for RedactedStderr {
    fn drop(&mut self) {
        let text = redact::userinfo(&String::from_utf8_lossy(&self.0));
        let _ = std::io::stderr().lock().write_all(text.as_bytes());
    }
}
