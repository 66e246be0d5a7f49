//! Throughput of the order list: keep-alive clients on plain std `TcpStream` ask for
//! 100-order pages as fast as the server answers.
//!
//! ```text
//! cargo run --release -p roistat-mock --example throughput -- [clients=2] [seconds=5] [visits=1]
//! ```
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use roistat_mock::MockServer;

fn main() {
    let args: Vec<u64> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let clients = args.first().copied().unwrap_or(2) as usize;
    let seconds = args.get(1).copied().unwrap_or(5);
    let visits = args.get(2).copied().unwrap_or(1) == 1;

    let server = MockServer::builder().orders(1000).seed(1).start().unwrap();
    let addr = server.addr();
    let stop = Arc::new(AtomicBool::new(false));
    let count = Arc::new(AtomicU64::new(0));
    let bytes = Arc::new(AtomicU64::new(0));

    let threads: Vec<_> = (0..clients)
        .map(|t| {
            let (stop, count, bytes) = (stop.clone(), count.clone(), bytes.clone());
            std::thread::spawn(move || {
                let stream = TcpStream::connect(addr).unwrap();
                stream.set_nodelay(true).unwrap();
                let mut writer = stream.try_clone().unwrap();
                let mut reader = BufReader::with_capacity(256 * 1024, stream);
                let mut body = Vec::new();
                let mut i = t as u64;
                while !stop.load(Ordering::Relaxed) {
                    let offset = (i % 9) * 100;
                    i += 1;
                    let payload = if visits {
                        format!(r#"{{"extend":["visit"],"limit":100,"offset":{offset}}}"#)
                    } else {
                        format!(r#"{{"limit":100,"offset":{offset}}}"#)
                    };
                    let req = format!(
                        "POST /api/v1/project/integration/order/list?project=12345 HTTP/1.1\r\nHost: x\r\nApi-key: demo-key\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{payload}",
                        payload.len()
                    );
                    writer.write_all(req.as_bytes()).unwrap();
                    let mut len = 0usize;
                    let mut line = String::new();
                    loop {
                        line.clear();
                        reader.read_line(&mut line).unwrap();
                        if line == "\r\n" {
                            break;
                        }
                        if let Some(v) = line.strip_prefix("Content-Length: ") {
                            len = v.trim().parse().unwrap();
                        }
                    }
                    body.resize(len, 0);
                    reader.read_exact(&mut body).unwrap();
                    assert!(body.ends_with(br#""total":1003,"status":"success"}"#));
                    count.fetch_add(1, Ordering::Relaxed);
                    bytes.fetch_add(len as u64, Ordering::Relaxed);
                }
            })
        })
        .collect();

    // Warm up for a second, then measure.
    std::thread::sleep(Duration::from_secs(1));
    let (c0, b0, t0) = (
        count.load(Ordering::Relaxed),
        bytes.load(Ordering::Relaxed),
        Instant::now(),
    );
    std::thread::sleep(Duration::from_secs(seconds));
    let (c1, b1, dt) = (
        count.load(Ordering::Relaxed),
        bytes.load(Ordering::Relaxed),
        t0.elapsed(),
    );
    stop.store(true, Ordering::Relaxed);
    for t in threads {
        t.join().unwrap();
    }
    let rps = (c1 - c0) as f64 / dt.as_secs_f64();
    let mbps = (b1 - b0) as f64 / dt.as_secs_f64() / 1e6;
    let avg = (b1 - b0) / (c1 - c0).max(1);
    println!(
        "order list, 100-order pages{}: {clients} keep-alive clients, {:.1} s: {rps:.0} requests/s, {mbps:.0} MB/s, {avg} bytes/page",
        if visits { " with visits" } else { "" },
        dt.as_secs_f64()
    );
}
