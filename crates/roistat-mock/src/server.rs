//! The server: a listener with an accept thread, one thread per connection, and an
//! orderly stop (on [`MockServer::stop`] or drop) that wakes and joins every thread.
//!
//! Plain std threads, not an async runtime, so that the mock works the same under
//! blocking tests and under `#[tokio::test]`.

use std::collections::HashMap;
use std::io::{self, Read, Write};
use std::net::{IpAddr, Ipv4Addr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::api::{self, Action};
use crate::error::ApiError;
use crate::faults::Faults;
use crate::http::{self, Limits, ReadError, Reader};
use crate::ratelimit::{Limiter, RateLimits};
use crate::requests::Requests;
use crate::store::Store;

/// The path prefix every API method lives under.
pub const API_PREFIX: &str = "/api/v1";

/// Settings fixed at start.
#[derive(Debug, Clone)]
pub(crate) struct Config {
    pub project: u64,
    pub api_key: String,
    pub stall: Duration,
    pub single_and_quirk: bool,
    /// Per-connection size and time limits.
    pub limits: Limits,
    /// Most connections served at once; more are closed as soon as accepted.
    pub max_connections: usize,
}

/// A stop flag that sleeping threads (stalls) can wait on and be woken from.
#[derive(Debug, Default)]
pub(crate) struct StopSignal {
    stopped: AtomicBool,
    lock: Mutex<bool>,
    cv: Condvar,
}

impl StopSignal {
    pub fn is_stopped(&self) -> bool {
        self.stopped.load(Ordering::SeqCst)
    }

    fn stop(&self) {
        self.stopped.store(true, Ordering::SeqCst);
        let mut g = self.lock.lock().unwrap_or_else(|p| p.into_inner());
        *g = true;
        self.cv.notify_all();
    }

    /// Wait up to `d`, returning early if the server stops.
    pub fn wait(&self, d: Duration) {
        let g = self.lock.lock().unwrap_or_else(|p| p.into_inner());
        let _ = self
            .cv
            .wait_timeout_while(g, d, |stopped| !*stopped)
            .map(|(g, _)| drop(g));
    }
}

/// State shared by every server thread and the handles.
#[derive(Debug)]
pub(crate) struct Shared {
    pub config: Config,
    pub store: Store,
    pub faults: Faults,
    pub requests: Requests,
    pub limiter: Mutex<Limiter>,
    /// The live model (quirks, page cap, latency, churn): see `live.rs`.
    pub live: crate::live::Live,
    pub stop: StopSignal,
    conns: Mutex<Conns>,
}

impl Shared {
    pub fn limiter(&self) -> MutexGuard<'_, Limiter> {
        self.limiter.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn conns(&self) -> MutexGuard<'_, Conns> {
        self.conns.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[derive(Debug, Default)]
struct Conns {
    next_id: u64,
    /// Clones of open sockets, so stop can shut them down and wake their readers.
    open: HashMap<u64, TcpStream>,
    threads: Vec<JoinHandle<()>>,
}

/// Configures and starts a [`MockServer`].
///
/// ```
/// use std::time::Duration;
/// let server = roistat_mock::MockServer::builder()
///     .project(777)
///     .api_key("secret")
///     .orders(50)
///     .seed(1)
///     .rate_limits(true)
///     .window(Duration::from_millis(200))
///     .start()?;
/// assert_eq!(server.project(), 777);
/// assert_eq!(server.store().order_count(), 50 + roistat_mock::seed::EXAMPLE_ORDER_COUNT);
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct MockServerBuilder {
    host: IpAddr,
    port: u16,
    project: u64,
    api_key: String,
    orders: usize,
    seed: u64,
    limits: RateLimits,
    stall: Duration,
    log_capacity: usize,
    log_byte_capacity: usize,
    log_body_limit: usize,
    examples: bool,
    single_and_quirk: bool,
    conn_limits: Limits,
    max_connections: usize,
    /// The live model's settings; its builder methods live in `live.rs`.
    pub(crate) behaviour: crate::live::Behaviour,
}

impl Default for MockServerBuilder {
    fn default() -> Self {
        MockServerBuilder {
            host: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 0,
            project: 12345,
            api_key: "demo-key".to_string(),
            orders: 0,
            seed: 0,
            limits: RateLimits::disabled(),
            stall: Duration::from_secs(30),
            log_capacity: 10_000,
            log_byte_capacity: 64 * 1024 * 1024,
            log_body_limit: 1024 * 1024,
            examples: true,
            single_and_quirk: true,
            conn_limits: Limits::default(),
            max_connections: 256,
            behaviour: crate::live::Behaviour::default(),
        }
    }
}

impl MockServerBuilder {
    /// The address to bind (default `127.0.0.1`).
    pub fn host(mut self, host: IpAddr) -> Self {
        self.host = host;
        self
    }

    /// The port to bind (default 0: an ephemeral port).
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// The project number the server accepts (default 12345).
    pub fn project(mut self, project: u64) -> Self {
        self.project = project;
        self
    }

    /// The API key the server accepts (default `demo-key`).
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key = key.into();
        self
    }

    /// How many orders [`crate::generate::orders`] adds after the documented examples
    /// (default 0).
    pub fn orders(mut self, n: usize) -> Self {
        self.orders = n;
        self
    }

    /// The seed of the generated orders (default 0).
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Whether to seed the reference's documented examples (default true).
    pub fn documented_examples(mut self, yes: bool) -> Self {
        self.examples = yes;
        self
    }

    /// Enforce the documented rate limits (default off in the library).
    pub fn rate_limits(mut self, on: bool) -> Self {
        self.limits.enabled = on;
        self
    }

    /// The length of Roistat's "minute" for rate limits (default 60 s).
    pub fn window(mut self, window: Duration) -> Self {
        self.limits.window = window;
        self
    }

    /// Every rate-limit setting at once.
    pub fn limits(mut self, limits: RateLimits) -> Self {
        self.limits = limits;
        self
    }

    /// How long [`crate::Fault::Stall`] keeps a request unanswered (default 30 s; a
    /// stopping server ends stalls at once).
    pub fn stall_duration(mut self, d: Duration) -> Self {
        self.stall = d;
        self
    }

    /// How many requests the log keeps (default 10,000; the oldest are dropped).
    pub fn log_capacity(mut self, n: usize) -> Self {
        self.log_capacity = n;
        self
    }

    /// How many bytes the log keeps at most, bodies, headers and strings counted
    /// (default 64 MiB; the oldest requests are dropped). See [`Requests::kept_bytes`].
    pub fn log_byte_capacity(mut self, bytes: usize) -> Self {
        self.log_byte_capacity = bytes;
        self
    }

    /// How much of each body the log keeps (default 1 MiB; the rest is dropped and
    /// [`crate::RecordedRequest::body_len`] tells the full length).
    pub fn log_body_limit(mut self, bytes: usize) -> Self {
        self.log_body_limit = bytes;
        self
    }

    /// How long a connection may stay open without starting a request, at first and
    /// between keep-alive requests (default 10 s); then the server closes it.
    pub fn idle_timeout(mut self, d: Duration) -> Self {
        self.conn_limits.idle_timeout = d;
        self
    }

    /// How long a whole request, head and body, may take from its first byte
    /// (default 30 s); then the server closes the connection without an answer.
    pub fn read_timeout(mut self, d: Duration) -> Self {
        self.conn_limits.read_timeout = d;
        self
    }

    /// The largest request body accepted (default 64 MiB); larger ones are answered
    /// 413 and the connection is closed.
    pub fn max_body_size(mut self, bytes: usize) -> Self {
        self.conn_limits.max_body = bytes;
        self
    }

    /// How many connections are served at once (default 256); a connection beyond
    /// that is closed as soon as it is accepted.
    pub fn max_connections(mut self, n: usize) -> Self {
        self.max_connections = n;
        self
    }

    /// Reproduce the reported quirk that a filter `{"and": [one condition]}` answers
    /// `internal_error` (default true; the flat form `[[f, op, v]]` works).
    pub fn single_and_quirk(mut self, on: bool) -> Self {
        self.single_and_quirk = on;
        self
    }

    /// Bind, seed the store and start serving.
    pub fn start(self) -> io::Result<MockServer> {
        let listener = TcpListener::bind(SocketAddr::new(self.host, self.port))?;
        let addr = listener.local_addr()?;
        let store = self
            .behaviour
            .seed_store(self.examples, self.orders, self.seed);
        let shared = Arc::new(Shared {
            config: Config {
                project: self.project,
                api_key: self.api_key,
                stall: self.stall,
                single_and_quirk: self.single_and_quirk,
                limits: self.conn_limits,
                max_connections: self.max_connections,
            },
            store,
            faults: Faults::default(),
            requests: Requests::new(
                self.log_capacity,
                self.log_byte_capacity,
                self.log_body_limit,
            ),
            limiter: Mutex::new(Limiter::new(&self.limits)),
            live: crate::live::Live::new(self.behaviour, self.orders),
            stop: StopSignal::default(),
            conns: Mutex::new(Conns::default()),
        });
        let accept_shared = Arc::clone(&shared);
        let accept = std::thread::Builder::new()
            .name("roistat-mock-accept".into())
            .spawn(move || accept_loop(listener, accept_shared))?;
        Ok(MockServer {
            shared,
            addr,
            accept: Some(accept),
            started: Instant::now(),
        })
    }
}

/// A running fake Roistat server. Stops, and joins its threads, when dropped.
///
/// ```
/// let server = roistat_mock::MockServer::start()?;
/// assert!(server.base_url().starts_with("http://127.0.0.1:"));
/// assert!(server.base_url().ends_with("/api/v1"));
/// assert_eq!((server.project(), server.api_key()), (12345, "demo-key"));
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug)]
pub struct MockServer {
    shared: Arc<Shared>,
    addr: SocketAddr,
    accept: Option<JoinHandle<()>>,
    started: Instant,
}

impl MockServer {
    /// Start with the defaults: 127.0.0.1 on an ephemeral port, project 12345, key
    /// `demo-key`, only the documented example data, no rate limits.
    pub fn start() -> io::Result<MockServer> {
        MockServerBuilder::default().start()
    }

    /// A builder for other settings.
    pub fn builder() -> MockServerBuilder {
        MockServerBuilder::default()
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://HOST:PORT/api/v1`, the base URL a client should use.
    pub fn base_url(&self) -> String {
        let ip = match self.addr.ip() {
            ip if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
            ip => ip,
        };
        format!(
            "http://{}{API_PREFIX}",
            SocketAddr::new(ip, self.addr.port())
        )
    }

    /// The project number the server accepts.
    pub fn project(&self) -> u64 {
        self.shared.config.project
    }

    /// The API key the server accepts.
    pub fn api_key(&self) -> &str {
        &self.shared.config.api_key
    }

    /// The in-memory data.
    pub fn store(&self) -> &Store {
        &self.shared.store
    }

    /// The fault script.
    pub fn faults(&self) -> &Faults {
        &self.shared.faults
    }

    /// The request log.
    pub fn requests(&self) -> &Requests {
        &self.shared.requests
    }

    /// How many connections the server is serving now.
    pub fn open_connections(&self) -> usize {
        self.shared.conns().open.len()
    }

    /// How many times each write operation was applied to the store.
    pub fn applied(&self) -> crate::Applied {
        self.shared.store.applied()
    }

    /// What churn did so far (see [`MockServerBuilder::churn`]).
    pub fn churn_stats(&self) -> crate::ChurnStats {
        self.shared.live.churn_stats()
    }

    /// How long the server has been up.
    pub fn uptime(&self) -> Duration {
        self.started.elapsed()
    }

    /// Block the calling thread until the server stops (it only stops when the
    /// process ends: for the binary).
    pub fn wait(mut self) {
        if let Some(h) = self.accept.take() {
            let _ = h.join();
        }
    }

    /// Stop serving: close the listener and every connection, end stalls, join threads.
    pub fn stop(self) {
        drop(self);
    }

    fn shutdown(&mut self) {
        self.shared.stop.stop();
        // Wake the accept thread, blocked in accept(), with a throwaway connection.
        let wake = SocketAddr::new(
            match self.addr.ip() {
                ip if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
                ip => ip,
            },
            self.addr.port(),
        );
        let _ = TcpStream::connect_timeout(&wake, Duration::from_secs(1));
        if let Some(h) = self.accept.take() {
            let _ = h.join();
        }
        let threads = {
            let mut conns = self.shared.conns();
            for s in conns.open.values() {
                let _ = s.shutdown(Shutdown::Both);
            }
            std::mem::take(&mut conns.threads)
        };
        for t in threads {
            let _ = t.join();
        }
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        self.shutdown();
    }
}

static CONN_COUNTER: AtomicU64 = AtomicU64::new(0);

fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    for stream in listener.incoming() {
        if shared.stop.is_stopped() {
            break;
        }
        let Ok(stream) = stream else {
            // E.g. out of file descriptors: back off instead of spinning.
            std::thread::sleep(Duration::from_millis(5));
            continue;
        };
        let mut conns = shared.conns();
        if conns.open.len() >= shared.config.max_connections {
            // Over the cap: close at once rather than queue a thread.
            drop(stream);
            continue;
        }
        let _ = stream.set_nodelay(true);
        let Ok(clone) = stream.try_clone() else {
            continue;
        };
        conns.threads.retain(|t| !t.is_finished());
        conns.next_id += 1;
        let id = conns.next_id;
        conns.open.insert(id, clone);
        let s = Arc::clone(&shared);
        let n = CONN_COUNTER.fetch_add(1, Ordering::Relaxed);
        let spawned = std::thread::Builder::new()
            .name(format!("roistat-mock-conn-{n}"))
            .spawn(move || {
                serve_connection(stream, &s);
                s.conns().open.remove(&id);
            });
        match spawned {
            Ok(handle) => conns.threads.push(handle),
            Err(_) => {
                conns.open.remove(&id);
            }
        }
    }
}

/// Serve requests on one connection until it closes, a fault ends it, or the server stops.
fn serve_connection(mut stream: TcpStream, shared: &Shared) {
    let limits = &shared.config.limits;
    // A client that stops reading must not hold the thread forever either.
    let _ = stream.set_write_timeout(Some(limits.read_timeout));
    let mut reader = Reader::new(limits.clone());
    let mut body = Vec::with_capacity(64 * 1024);
    let mut out = Vec::with_capacity(64 * 1024);
    loop {
        let req = match reader.read_request(&mut stream) {
            Ok(req) => req,
            Err(ReadError::Closed | ReadError::Io) => return,
            Err(ReadError::Refused { status, message }) => {
                refuse(&mut stream, status, &message);
                return;
            }
        };
        if shared.stop.is_stopped() {
            return;
        }
        body.clear();
        let action = api::serve(shared, &req, &mut body);
        match answer(&mut stream, shared, action, &body, req.keep_alive, &mut out) {
            Next::KeepServing => {}
            Next::Close => return,
        }
    }
}

/// What a connection does after an answer.
enum Next {
    KeepServing,
    Close,
}

/// Carry out the handler's decision on the socket: an answer, or a socket-level
/// fault (stall, body cut short, reset). Every fault that touches the socket lives
/// here.
fn answer(
    stream: &mut TcpStream,
    shared: &Shared,
    action: Action,
    body: &[u8],
    keep_alive: bool,
    out: &mut Vec<u8>,
) -> Next {
    out.clear();
    match action {
        Action::Respond {
            status,
            content_type,
            headers,
        } => {
            http::write_head(out, status, content_type, body.len(), keep_alive, &headers);
            out.extend_from_slice(body);
            if stream.write_all(out).is_err() || !keep_alive {
                let _ = stream.shutdown(Shutdown::Write);
                return Next::Close;
            }
            Next::KeepServing
        }
        Action::Stall(d) => {
            shared.stop.wait(d);
            Next::Close
        }
        Action::CutBody { status } => {
            http::write_head(out, status, "application/json", body.len(), false, &[]);
            let half = body.len() / 2;
            out.extend_from_slice(body.get(..half).unwrap_or(&[]));
            let _ = stream.write_all(out);
            let _ = stream.flush();
            let _ = stream.shutdown(Shutdown::Both);
            Next::Close
        }
        Action::Reset => {
            // SO_LINGER 0 makes close() send RST instead of FIN.
            let _ = socket2::SockRef::from(&*stream).set_linger(Some(Duration::ZERO));
            Next::Close
        }
    }
}

/// Answer a request we will not read (bad framing, too large) with an error envelope,
/// and close. The rest of what the client sends is read and dropped for a moment
/// first: closing with unread bytes would send a reset that can destroy the answer
/// before the client reads it.
fn refuse(stream: &mut TcpStream, status: u16, message: &str) {
    let mut body = Vec::new();
    ApiError::incorrect(message).write_body(&mut body);
    let mut out = Vec::with_capacity(body.len() + 160);
    http::write_head(&mut out, status, "application/json", body.len(), false, &[]);
    out.extend_from_slice(&body);
    if stream.write_all(&out).is_err() {
        return;
    }
    let _ = stream.shutdown(Shutdown::Write);
    let until = Instant::now() + LINGER;
    let mut sink = [0u8; 16 * 1024];
    let mut drained = 0usize;
    while drained < LINGER_BYTES {
        let left = until.saturating_duration_since(Instant::now());
        if left.is_zero() || stream.set_read_timeout(Some(left)).is_err() {
            return;
        }
        match stream.read(&mut sink) {
            Ok(0) | Err(_) => return,
            Ok(n) => drained += n,
        }
    }
}

/// How long, and how many bytes, [`refuse`] reads after its answer before closing.
const LINGER: Duration = Duration::from_secs(1);
const LINGER_BYTES: usize = 4 * 1024 * 1024;
