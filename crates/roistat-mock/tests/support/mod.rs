//! Test support: a tiny HTTP/1.1 client on std TcpStream (no SDK client involved), and
//! helpers to compare JSON shapes.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use roistat_mock::MockServer;
use serde_json::Value;

/// A response as read off the wire.
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The error code of an error envelope (panics if this is not one).
    pub fn error_code(&self) -> String {
        let v = self.json();
        assert_eq!(v["status"], "error", "not an error envelope: {v}");
        assert!(v["description"].is_string(), "no description: {v}");
        v["error"].as_str().unwrap().to_string()
    }
}

/// A keep-alive connection.
pub struct Conn {
    reader: BufReader<TcpStream>,
}

impl Conn {
    pub fn open(addr: SocketAddr) -> Conn {
        let s = TcpStream::connect(addr).unwrap();
        s.set_nodelay(true).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        Conn {
            reader: BufReader::new(s),
        }
    }

    pub fn stream(&mut self) -> &mut TcpStream {
        self.reader.get_mut()
    }

    /// Send raw bytes.
    pub fn send_raw(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.reader.get_mut().write_all(bytes)
    }

    /// Send a request with a Content-Length body.
    pub fn send(
        &mut self,
        method: &str,
        target: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> io::Result<()> {
        let mut req = format!("{method} {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n");
        for (k, v) in headers {
            req.push_str(&format!("{k}: {v}\r\n"));
        }
        if !body.is_empty() || method == "POST" {
            req.push_str(&format!("Content-Length: {}\r\n", body.len()));
        }
        req.push_str("\r\n");
        let mut bytes = req.into_bytes();
        bytes.extend_from_slice(body);
        self.send_raw(&bytes)
    }

    /// Read one response.
    pub fn read(&mut self) -> io::Result<Response> {
        let mut line = String::new();
        if self.reader.read_line(&mut line)? == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        let status: u16 = line
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| io::Error::other(format!("bad status line {line:?}")))?;
        let mut headers = Vec::new();
        loop {
            let mut h = String::new();
            if self.reader.read_line(&mut h)? == 0 {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
            let h = h.trim_end();
            if h.is_empty() {
                break;
            }
            if let Some((k, v)) = h.split_once(':') {
                headers.push((k.trim().to_string(), v.trim().to_string()));
            }
        }
        let len: usize = headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
            .and_then(|(_, v)| v.parse().ok())
            .unwrap_or(0);
        let mut body = vec![0; len];
        self.reader.read_exact(&mut body)?;
        Ok(Response {
            status,
            headers,
            body,
        })
    }

    pub fn request(
        &mut self,
        method: &str,
        target: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> io::Result<Response> {
        self.send(method, target, headers, body)?;
        self.read()
    }
}

/// A client bound to a server's project and key.
pub struct Api<'a> {
    pub server: &'a MockServer,
    pub conn: Conn,
}

impl<'a> Api<'a> {
    pub fn new(server: &'a MockServer) -> Api<'a> {
        Api {
            conn: Conn::open(server.addr()),
            server,
        }
    }

    /// `/api/v1{path}?project=P` with the right key.
    pub fn target(&self, path: &str) -> String {
        format!("/api/v1{path}?project={}", self.server.project())
    }

    pub fn post(&mut self, path: &str, body: &str) -> Response {
        let target = self.target(path);
        let key = self.server.api_key().to_string();
        self.conn
            .request(
                "POST",
                &target,
                &[("Api-key", &key), ("Content-Type", "application/json")],
                body.as_bytes(),
            )
            .unwrap()
    }

    pub fn get(&mut self, path: &str) -> Response {
        self.get_query(path, "")
    }

    /// GET with extra query parameters (`a=1&b=2`) after `project=`.
    pub fn get_query(&mut self, path: &str, query: &str) -> Response {
        let mut target = self.target(path);
        if !query.is_empty() {
            target.push('&');
            target.push_str(query);
        }
        let key = self.server.api_key().to_string();
        self.conn
            .request(
                "GET",
                &target,
                &[("Api-key", &key), ("Content-Type", "application/json")],
                b"",
            )
            .unwrap()
    }

    /// POST to the order list and return the parsed answer.
    pub fn list(&mut self, body: &str) -> Value {
        let r = self.post("/project/integration/order/list", body);
        assert_eq!(r.status, 200, "{}", r.text());
        let v = r.json();
        assert_eq!(v["status"], "success", "{v}");
        v
    }

    /// The ids of the orders a filter selects (all pages).
    pub fn ids(&mut self, filters: &str) -> Vec<String> {
        let v = self.list(&format!(r#"{{"filters": {filters}, "limit": 100000}}"#));
        v["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["id"].as_str().unwrap().to_string())
            .collect()
    }
}

/// A one-shot request on a fresh connection.
pub fn once(
    server: &MockServer,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> io::Result<Response> {
    let mut c = Conn::open(server.addr());
    c.request(method, target, headers, body)
}

/// The JSON "shape": objects keep their keys, scalars become their type name. Null
/// stays null, so shapes compare exactly only on the same data; see `same_shape`.
pub fn shape(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(m.iter().map(|(k, v)| (k.clone(), shape(v))).collect()),
        Value::Array(a) => Value::Array(a.iter().take(1).map(shape).collect()),
        Value::String(_) => "string".into(),
        Value::Number(_) => "number".into(),
        Value::Bool(_) => "bool".into(),
        Value::Null => Value::Null,
    }
}

/// Same keys everywhere and same scalar types wherever both sides are non-null.
pub fn assert_same_shape(actual: &Value, expected: &Value, path: &str) {
    match (actual, expected) {
        (Value::Null, _) | (_, Value::Null) => {}
        (Value::Object(a), Value::Object(e)) => {
            let ak: Vec<_> = a.keys().collect();
            let ek: Vec<_> = e.keys().collect();
            let mut aks = ak.clone();
            let mut eks = ek.clone();
            aks.sort();
            eks.sort();
            assert_eq!(aks, eks, "keys differ at {path}");
            for (k, v) in e {
                assert_same_shape(&a[k], v, &format!("{path}.{k}"));
            }
        }
        (Value::Array(a), Value::Array(e)) => {
            if let (Some(x), Some(y)) = (a.first(), e.first()) {
                assert_same_shape(x, y, &format!("{path}[0]"));
            }
        }
        (a, e) => assert_eq!(shape(a), shape(e), "type differs at {path}: {a} vs {e}"),
    }
}

/// A reference fixture of the workspace.
pub fn fixture(rel: &str) -> Value {
    let path = format!("{}/../../fixtures/{rel}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap()
}
