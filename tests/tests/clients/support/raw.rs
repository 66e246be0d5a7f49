//! Raw `TcpListener` servers written for one test: each accepted connection follows
//! the next step of a script ([`Act`]), so a test can say "reset the first connection,
//! answer the second" and count how many connections the client opened.
//!
//! Bounded on every side: 127.0.0.1 only, at most [`MAX_CONNECTIONS`] accepted, every
//! read with a timeout, and dropping the server stops and joins its threads.

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use socket2::SockRef;

/// The most connections a raw server accepts before it stops listening.
pub const MAX_CONNECTIONS: usize = 32;

/// The longest any read (or stall) lasts.
const IO_BOUND: Duration = Duration::from_secs(5);

/// What the server does with one connection.
#[derive(Debug, Clone)]
pub enum Act {
    /// Read the request, write these bytes, close.
    Respond(Vec<u8>),
    /// Reset (RST, `SO_LINGER` 0) as soon as the connection is accepted, before reading.
    ResetBeforeRead,
    /// Read the whole request, then reset.
    ResetAfterRead,
    /// Read the whole request and answer nothing until the client gives up.
    Stall,
}

/// A request as it arrived, bytes untouched.
#[derive(Debug, Clone)]
pub struct RawRequest {
    /// `GET /api/v1/... HTTP/1.1`, exactly as sent.
    pub request_line: String,
    /// The header block (without the request line).
    pub headers: String,
    /// The body.
    pub body: Vec<u8>,
}

impl RawRequest {
    /// The request target (path and query) exactly as sent.
    pub fn target(&self) -> &str {
        self.request_line.split(' ').nth(1).unwrap_or("")
    }
}

#[derive(Default)]
struct State {
    stop: AtomicBool,
    connections: AtomicUsize,
    requests: Mutex<Vec<RawRequest>>,
    workers: Mutex<Vec<JoinHandle<()>>>,
}

/// A scripted server; see the [module docs](self).
pub struct RawServer {
    addr: SocketAddr,
    state: Arc<State>,
    accept: Option<JoinHandle<()>>,
}

impl RawServer {
    /// Starts a server whose connection `i` follows `script[i]` (the last step repeats).
    pub fn start(script: Vec<Act>) -> RawServer {
        assert!(!script.is_empty());
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let state = Arc::new(State::default());
        let accept_state = Arc::clone(&state);
        let accept = std::thread::spawn(move || {
            for i in 0..MAX_CONNECTIONS {
                let Ok((stream, _)) = listener.accept() else {
                    break;
                };
                if accept_state.stop.load(Ordering::SeqCst) {
                    break;
                }
                accept_state.connections.fetch_add(1, Ordering::SeqCst);
                let act = script.get(i).or(script.last()).cloned().unwrap();
                let worker_state = Arc::clone(&accept_state);
                let worker = std::thread::spawn(move || {
                    // A client that hangs up early is not the server's problem.
                    let _ = serve(stream, act, &worker_state);
                });
                accept_state.workers.lock().unwrap().push(worker);
            }
        });
        RawServer {
            addr,
            state,
            accept: Some(accept),
        }
    }

    /// `http://127.0.0.1:PORT/api/v1`.
    pub fn base_url(&self) -> String {
        format!("http://{}/api/v1", self.addr)
    }

    /// How many connections were accepted.
    pub fn connections(&self) -> usize {
        self.state.connections.load(Ordering::SeqCst)
    }

    /// The requests read so far.
    pub fn requests(&self) -> Vec<RawRequest> {
        self.state.requests.lock().unwrap().clone()
    }
}

impl Drop for RawServer {
    fn drop(&mut self) {
        self.state.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        if let Some(accept) = self.accept.take() {
            let _ = accept.join();
        }
        let workers = std::mem::take(&mut *self.state.workers.lock().unwrap());
        for w in workers {
            let _ = w.join();
        }
    }
}

fn serve(mut stream: TcpStream, act: Act, state: &State) -> io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_millis(100)))?;
    stream.set_write_timeout(Some(IO_BOUND))?;
    match act {
        Act::ResetBeforeRead => reset(stream),
        Act::ResetAfterRead => {
            read_request(&mut stream, state)?;
            reset(stream)
        }
        Act::Respond(bytes) => {
            read_request(&mut stream, state)?;
            stream.write_all(&bytes)?;
            stream.flush()?;
            stream.shutdown(Shutdown::Write)?;
            // Drain until the client closes so the close is a FIN, not a reset.
            drain(&mut stream, state);
            Ok(())
        }
        Act::Stall => {
            read_request(&mut stream, state)?;
            drain(&mut stream, state);
            Ok(())
        }
    }
}

/// Closes with RST instead of FIN.
fn reset(stream: TcpStream) -> io::Result<()> {
    SockRef::from(&stream).set_linger(Some(Duration::ZERO))?;
    drop(stream);
    Ok(())
}

/// Reads (and discards) until the peer closes, the server stops, or [`IO_BOUND`].
fn drain(stream: &mut TcpStream, state: &State) {
    let start = Instant::now();
    let mut buf = [0u8; 1024];
    while start.elapsed() < IO_BOUND && !state.stop.load(Ordering::SeqCst) {
        match stream.read(&mut buf) {
            Ok(0) => return,
            Ok(_) => {}
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) => {}
            Err(_) => return,
        }
    }
}

/// Reads one request (head, then `Content-Length` bytes of body) and logs it.
fn read_request(stream: &mut TcpStream, state: &State) -> io::Result<()> {
    let start = Instant::now();
    let mut data = Vec::new();
    let mut buf = [0u8; 4096];
    let mut head_end = None;
    let mut wanted = None;
    loop {
        if let (Some(h), Some(len)) = (head_end, wanted)
            && data.len() >= h + len
        {
            break;
        }
        if start.elapsed() > IO_BOUND || state.stop.load(Ordering::SeqCst) {
            return Err(io::Error::new(io::ErrorKind::TimedOut, "no full request"));
        }
        match stream.read(&mut buf) {
            Ok(0) => return Err(io::ErrorKind::UnexpectedEof.into()),
            Ok(n) => data.extend_from_slice(&buf[..n]),
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                continue;
            }
            Err(e) => return Err(e),
        }
        if head_end.is_none()
            && let Some(pos) = data.windows(4).position(|w| w == b"\r\n\r\n")
        {
            head_end = Some(pos + 4);
            let head = String::from_utf8_lossy(&data[..pos]).to_string();
            wanted = Some(
                head.lines()
                    .find_map(|l| {
                        let (k, v) = l.split_once(':')?;
                        k.trim()
                            .eq_ignore_ascii_case("content-length")
                            .then(|| v.trim().parse::<usize>().ok())?
                    })
                    .unwrap_or(0),
            );
        }
    }
    let h = head_end.unwrap();
    let head = String::from_utf8_lossy(&data[..h - 4]).to_string();
    let (request_line, headers) = head.split_once("\r\n").unwrap_or((&head, ""));
    state.requests.lock().unwrap().push(RawRequest {
        request_line: request_line.to_string(),
        headers: headers.to_string(),
        body: data[h..].to_vec(),
    });
    Ok(())
}

/// A full HTTP/1.1 response that closes the connection.
pub fn response(status: &str, headers: &[(&str, &str)], body: &str) -> Vec<u8> {
    let mut out = format!("HTTP/1.1 {status}\r\nConnection: close\r\n");
    for (k, v) in headers {
        out.push_str(&format!("{k}: {v}\r\n"));
    }
    out.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
    out.into_bytes()
}

/// `200 OK` with a JSON body.
pub fn json(body: &str) -> Act {
    Act::Respond(response(
        "200 OK",
        &[("Content-Type", "application/json")],
        body,
    ))
}

/// A status list with one status: the success answer for `list_statuses`.
pub const STATUSES: &str =
    r#"{"data":[{"id":"1","name":"New","type":"progress"}],"total":1,"status":"success"}"#;

/// `{"status":"success"}`: the answer to a delete, an update, set-statuses.
pub const SUCCESS: &str = r#"{"status":"success"}"#;

/// Roistat's error envelope for `code`.
pub fn envelope(code: &str) -> String {
    format!(r#"{{"status":"error","error":"{code}","description":"test"}}"#)
}

/// A head announcing more body than follows, then the connection closes.
pub fn truncated(body: &str) -> Act {
    let mut bytes = format!(
        "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\n\r\n",
        body.len() + 100
    )
    .into_bytes();
    bytes.extend_from_slice(body.as_bytes());
    Act::Respond(bytes)
}

/// An nginx 502 page.
pub fn bad_gateway() -> Act {
    Act::Respond(response(
        "502 Bad Gateway",
        &[("Content-Type", "text/html")],
        "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n\
         <center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n\
         </body>\r\n</html>\r\n",
    ))
}

/// A base URL on a port nobody listens on (bound, then released).
pub fn refused_base_url() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    format!("http://{addr}/api/v1")
}
