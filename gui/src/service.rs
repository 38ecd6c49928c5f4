//! The company's HTTP service behind `hecate serve`: the model card and predictions over the
//! network. The protocol is the core's and the work the same workflow as `hecate predict`'s
//! ([`crate::workflows::predict`]); this module adds what a network needs: limits that hold under
//! abuse, metrics, TLS and a graceful shutdown.
//!
//! Each connection runs on hyper's HTTP/1 server (timeouts on every read and write, on the
//! headers and on the body), its requests routed by axum; the cryptography runs on rayon's
//! threads, so that a prediction never stalls the runtime that accepts connections.

use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls;

use crate::files;

mod api;

pub use api::Company;

/// How many requests of one client get through: `count` per `period`, all at once at most.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rate {
    /// Requests in a period (the largest burst).
    pub count: NonZeroU32,
    /// The period.
    pub period: Duration,
}

impl Rate {
    /// Parses `20/s`, `60/min` or `1000/h`; `off` is `None`.
    pub fn parse(text: &str) -> Result<Option<Self>> {
        if text == "off" {
            return Ok(None);
        }
        let usage = || format!("{text:?}: a rate is COUNT/s, COUNT/min or COUNT/h (or off)");
        let (count, unit) = text.split_once('/').with_context(usage)?;
        let count: NonZeroU32 = count.trim().parse().ok().with_context(usage)?;
        let period = match unit.trim() {
            "s" => Duration::from_secs(1),
            "min" => Duration::from_secs(60),
            "h" => Duration::from_secs(3600),
            _ => bail!("{}", usage()),
        };
        Ok(Some(Self { count, period }))
    }
}

impl std::fmt::Display for Rate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let unit = match self.period.as_secs() {
            1 => "s",
            60 => "min",
            _ => "h",
        };
        write!(f, "{}/{unit}", self.count)
    }
}

/// The limits that keep one client, or many, from taking the service down.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Predictions queued or running at once; more are refused with 503 at once, not queued.
    pub max_in_flight: usize,
    /// Open connections; more wait in the kernel's queue until one closes.
    pub max_connections: usize,
    /// Requests to `/v1/…` from one address (an IPv6 one by its /64), refused with 429 beyond.
    pub per_address: Option<Rate>,
    /// Predictions for one customer key, refused with 429 beyond.
    pub per_key: Option<Rate>,
    /// The longest a read or a write of a connection may wait, a request's headers may take, and
    /// its body may take to arrive: a slow client cannot hold a connection for longer.
    pub timeout: Duration,
    /// How long a shutdown waits for the requests in flight to finish.
    pub grace: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_in_flight: 64,
            max_connections: 512,
            per_address: Some(Rate {
                count: NonZeroU32::MIN.saturating_add(19),
                period: Duration::from_secs(1),
            }),
            per_key: Some(Rate {
                count: NonZeroU32::MIN.saturating_add(59),
                period: Duration::from_secs(60),
            }),
            timeout: Duration::from_secs(10),
            grace: Duration::from_secs(30),
        }
    }
}

/// The certificate chain and private key a TLS service presents, from PEM files.
#[derive(Clone)]
pub struct Tls {
    acceptor: TlsAcceptor,
}

impl std::fmt::Debug for Tls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tls").finish_non_exhaustive()
    }
}

impl Tls {
    /// Reads a PEM certificate chain and its PEM private key.
    pub fn from_pem_files(certificate: &Path, key: &Path) -> Result<Self> {
        use rustls_pki_types::pem::PemObject;
        use rustls_pki_types::{CertificateDer, PrivateKeyDer};
        let chain = CertificateDer::pem_slice_iter(&files::read(certificate)?)
            .collect::<Result<Vec<_>, _>>()
            .with_context(|| format!("{}: not a PEM certificate chain", certificate.display()))?;
        if chain.is_empty() {
            bail!("{}: no certificate in it", certificate.display());
        }
        let private = PrivateKeyDer::from_pem_slice(&files::read_secret(key)?)
            .with_context(|| format!("{}: not a PEM private key", key.display()))?;
        let mut config = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(chain, private)
        .with_context(|| {
            format!(
                "{} and {}: the key is not the certificate's, or not supported",
                certificate.display(),
                key.display()
            )
        })?;
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Self {
            acceptor: TlsAcceptor::from(Arc::new(config)),
        })
    }
}

/// A service bound to its address, not yet serving.
#[derive(Debug)]
pub struct Server {
    listener: TcpListener,
    tls: Option<Tls>,
    state: Arc<api::State>,
}

impl Server {
    /// Binds `address` for `company`. Plain HTTP (no `tls`) only on a loopback address unless
    /// `allow_plain_http`: anyone between a customer and the company could otherwise replace the
    /// card or the answer (not read the features, which only the customer can decrypt).
    pub async fn bind(
        address: SocketAddr,
        company: Company,
        limits: Limits,
        tls: Option<Tls>,
        allow_plain_http: bool,
    ) -> Result<Self> {
        if tls.is_none() && !address.ip().is_loopback() && !allow_plain_http {
            bail!(
                "{address} is not a loopback address: serve it over TLS (--tls-cert, --tls-key), \
                 or behind a reverse proxy that terminates TLS with --allow-plain-http"
            );
        }
        let listener = TcpListener::bind(address)
            .await
            .with_context(|| format!("cannot listen on {address}"))?;
        Ok(Self {
            listener,
            tls,
            state: Arc::new(api::State::new(company, limits)),
        })
    }

    /// The address bound (with the port the system chose for port 0).
    pub fn local_addr(&self) -> Result<SocketAddr> {
        Ok(self.listener.local_addr()?)
    }

    /// Whether it speaks TLS.
    pub fn is_tls(&self) -> bool {
        self.tls.is_some()
    }

    /// Serves until `shutdown` completes, then stops accepting and lets the requests in flight
    /// finish (for [`Limits::grace`] at most).
    pub async fn run(self, shutdown: impl Future<Output = ()>) -> Result<()> {
        let Self {
            listener,
            tls,
            state,
        } = self;
        let limits = state.limits().clone();
        let connections = Arc::new(Semaphore::new(limits.max_connections));
        let graceful = hyper_util::server::graceful::GracefulShutdown::new();
        let pruning = tokio::spawn(api::prune_rate_limits(Arc::clone(&state)));
        let mut shutdown = std::pin::pin!(shutdown);
        loop {
            let permit = tokio::select! {
                permit = Arc::clone(&connections).acquire_owned() => permit?,
                () = &mut shutdown => break,
            };
            let (stream, peer) = tokio::select! {
                accepted = listener.accept() => match accepted {
                    Ok(accepted) => accepted,
                    // Out of descriptors, a connection reset before it was accepted: the next
                    // one may do.
                    Err(error) => {
                        tracing::warn!(%error, "accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                },
                () = &mut shutdown => break,
            };
            let state = Arc::clone(&state);
            let tls = tls.clone();
            let watcher = graceful.watcher();
            tokio::spawn(async move {
                serve_connection(stream, peer, tls, state, watcher).await;
                drop(permit);
            });
        }
        pruning.abort();
        state.shut_down();
        tracing::info!(
            connections = graceful.count(),
            "shutting down: finishing what is in flight"
        );
        if tokio::time::timeout(limits.grace, graceful.shutdown())
            .await
            .is_err()
        {
            tracing::warn!("requests still in flight after {:?}: dropped", limits.grace);
        }
        Ok(())
    }
}

/// The service's answers to requests, without the network: each connection asks it, and so does
/// the fuzz target of the service.
#[derive(Clone, Debug)]
pub struct Routes {
    router: axum::Router,
}

impl Routes {
    /// The routes of a service for `company` within `limits`.
    pub fn new(company: Company, limits: Limits) -> Self {
        Self::of(Arc::new(api::State::new(company, limits)))
    }

    fn of(state: Arc<api::State>) -> Self {
        Self {
            router: api::router(state),
        }
    }

    /// The answer to `request`, which came from `peer`.
    pub async fn answer<B>(
        &self,
        peer: IpAddr,
        mut request: hyper::Request<B>,
    ) -> axum::response::Response
    where
        B: axum::body::HttpBody<Data = axum::body::Bytes> + Send + 'static,
        B::Error: Into<axum::BoxError>,
    {
        request.extensions_mut().insert(api::Peer(peer));
        match tower::ServiceExt::oneshot(self.router.clone(), request).await {
            Ok(response) => response,
            Err(never) => match never {},
        }
    }
}

/// One connection: the TLS handshake if any, then HTTP/1 requests until the client or a timeout
/// closes it.
async fn serve_connection(
    stream: tokio::net::TcpStream,
    peer: SocketAddr,
    tls: Option<Tls>,
    state: Arc<api::State>,
    watcher: hyper_util::server::graceful::Watcher,
) {
    let timeout = state.limits().timeout;
    let mut stream = tokio_io_timeout::TimeoutStream::new(stream);
    stream.set_read_timeout(Some(timeout));
    stream.set_write_timeout(Some(timeout));
    let stream = Box::pin(stream);
    let routes = Routes::of(state);
    let service = hyper::service::service_fn(move |request| {
        let routes = routes.clone();
        async move { Ok::<_, std::convert::Infallible>(routes.answer(peer.ip(), request).await) }
    });
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(timeout)
        .max_buf_size(64 * 1024);
    let result = match tls {
        None => {
            let connection = http.serve_connection(TokioIo::new(stream), service);
            watcher.watch(connection).await
        }
        Some(tls) => match tokio::time::timeout(timeout, tls.acceptor.accept(stream)).await {
            Ok(Ok(stream)) => {
                let connection = http.serve_connection(TokioIo::new(stream), service);
                watcher.watch(connection).await
            }
            Ok(Err(error)) => {
                tracing::debug!(%peer, %error, "TLS handshake failed");
                return;
            }
            Err(_) => {
                tracing::debug!(%peer, "TLS handshake timed out");
                return;
            }
        },
    };
    if let Err(error) = result {
        // Timeouts, resets and malformed requests end here: the client's problem.
        tracing::debug!(%peer, %error, "connection ended");
    }
}

/// The address rate limits count by: an IPv4 address, or an IPv6 address's /64 (one subscriber
/// usually holds a whole /64).
pub fn client_of(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6((u128::from(v6) & !u128::from(u64::MAX)).into()),
        },
        v4 => v4,
    }
}

/// A runtime for the service: its threads accept and move bytes; the cryptography is on rayon's.
pub fn runtime() -> Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?)
}

/// Completes on SIGTERM or Ctrl-C.
pub async fn signalled() {
    let interrupt = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
    tracing::info!("signal received");
}
