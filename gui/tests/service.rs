//! `hecate serve` and `hecate ask` end to end on 127.0.0.1 (random ports): the prediction asked
//! over HTTP equals the model's in the clear; every refusal has its status and a JSON reason; a
//! slow client is cut off; a client that goes away leaves nothing behind; a server killed and
//! started again serves again; SIGTERM finishes what is in flight.

#![allow(
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests panic to fail"
)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Stdio};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use tempfile::TempDir;

mod common;

use common::{SAMPLE, evaluate, ok, train};

const VALUES: [f64; 4] = [36.0, 5.0, 5.0, 1.0];

/// A directory with a 2048-bit customer key, the sample model and its card, and a query.
fn setup() -> (TempDir, f64) {
    let dir = TempDir::new().expect("temp dir");
    let path = dir.path();
    keygen(path, "customer.key");
    let (weights, intercept) = train(path);
    ok(
        path,
        &[
            "encrypt",
            "--key",
            "customer.key",
            "--card",
            "model.card",
            "--values",
            "36,5,5,1",
            "--out",
            "query.hq",
        ],
    );
    (dir, evaluate(&weights, intercept, &VALUES))
}

fn keygen(dir: &Path, out: &str) {
    ok(
        dir,
        &["keygen", "--no-passphrase", "--bits", "2048", "--out", out],
    );
}

/// A running `hecate serve`, killed when dropped.
struct Served {
    child: Child,
    url: String,
}

impl Served {
    fn start(dir: &Path, extra: &[&str]) -> Self {
        Self::start_at(dir, "127.0.0.1:0", extra)
    }

    fn start_at(dir: &Path, listen: &str, extra: &[&str]) -> Self {
        let args = [&["--model", "model.hm", "--listen", listen], extra].concat();
        let (child, url) = common::serve(dir, &args);
        Self { child, url }
    }

    fn address(&self) -> &str {
        self.url.trim_start_matches("http://")
    }

    /// `(status, body)` of a request, whatever the status.
    fn request(&self, method: &str, path: &str, body: &[u8]) -> (u16, Vec<u8>) {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(60)))
            .build()
            .new_agent();
        let url = format!("{}{path}", self.url);
        let response = match method {
            "GET" => agent.get(&url).call(),
            "POST" => agent.post(&url).send(body),
            _ => agent.delete(&url).call(),
        }
        .expect("the service answers");
        let status = response.status().as_u16();
        let body = response
            .into_body()
            .with_config()
            .limit(1 << 20)
            .read_to_vec()
            .expect("a body");
        (status, body)
    }

    /// The refusal's reason, after checking the status and that the body is `{"error": ...}`.
    fn refused(&self, method: &str, path: &str, body: &[u8], status: u16) -> String {
        let (got, body) = self.request(method, path, body);
        let text = String::from_utf8_lossy(&body).into_owned();
        assert_eq!(got, status, "{method} {path}: {text}");
        let json: serde_json::Value = serde_json::from_slice(&body).expect("a JSON body");
        json["error"].as_str().expect("an error").to_owned()
    }

    fn metric(&self, name: &str) -> f64 {
        let (_, text) = self.request("GET", "/metrics", b"");
        let text = String::from_utf8(text).expect("UTF-8");
        text.lines()
            .filter(|line| line.starts_with(name))
            .filter_map(|line| line.rsplit(' ').next()?.parse::<f64>().ok())
            .sum()
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn ask(dir: &Path, url: &str, key: &str) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_hecate"))
        .current_dir(dir)
        .args(["ask", "--url", url, "--key", key, "--values", "36,5,5,1"])
        .output()
        .expect("hecate ask runs")
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-6 * b.abs().max(1.0)
}

#[test]
fn asking_over_http_gives_the_models_prediction() {
    let (dir, expected) = setup();
    let path = dir.path();
    let served = Served::start(path, &[]);
    let value: f64 = ok(
        path,
        &[
            "ask",
            "--url",
            &served.url,
            "--key",
            "customer.key",
            "--values",
            "36,5,5,1",
        ],
    )
    .trim()
    .parse()
    .expect("a number");
    assert!(close(value, expected), "{value} against {expected}");

    // --values - and --json.
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_hecate"))
        .current_dir(path)
        .args(["ask", "--url", &served.url, "--key", "customer.key"])
        .args(["--values", "-", "--json"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"36,5,5,1\n")
        .expect("writes");
    let output = child.wait_with_output().expect("ends");
    assert!(output.status.success());
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert!(close(json["value"].as_f64().expect("a value"), expected));
    assert_eq!(json["target"], "salary");

    // The card as JSON, and the query size cap against a real query.
    let (status, card) = served.request("GET", "/v1/card", b"");
    assert_eq!(status, 200);
    let card = hecate::ModelCard::from_bytes(&card).expect("the card");
    let query = std::fs::read(path.join("query.hq")).expect("query");
    let cap = hecate_app::workflows::predict::largest_query_len(&card);
    assert!(query.len() <= cap, "{} > {cap}", query.len());
    let (status, answer) = served.request("POST", "/v1/predict", &query);
    assert_eq!(status, 200);
    assert_eq!(hecate::Kind::of(&answer), Ok(hecate::Kind::Answer));
    // Only the request for the metrics is in flight.
    assert_eq!(served.metric("hecate_requests_in_flight"), 1.0);
    assert!(served.metric("hecate_requests_total{endpoint=\"predict\",outcome=\"ok\"}") >= 2.0);
}

#[test]
fn the_cap_fits_the_largest_query_closely() {
    let dir = TempDir::new().expect("temp dir");
    let path = dir.path();
    keygen(path, "customer.key");
    ok(
        path,
        &[
            "train",
            "--no-passphrase",
            "--csv",
            SAMPLE,
            "--target",
            "salary",
            "--key-sizes",
            "2048",
            "--out",
            "model.hm",
        ],
    );
    ok(
        path,
        &[
            "encrypt",
            "--key",
            "customer.key",
            "--card",
            "model.card",
            "--values",
            "36,5,5,1",
            "--out",
            "query.hq",
        ],
    );
    let card =
        hecate::ModelCard::from_bytes(&std::fs::read(path.join("model.card")).expect("card"))
            .expect("a card");
    let query = std::fs::read(path.join("query.hq")).expect("query");
    let cap = hecate_app::workflows::predict::largest_query_len(&card);
    assert!(
        query.len() <= cap && cap <= query.len() + 128,
        "{} and {cap}",
        query.len()
    );
}

#[test]
fn every_refusal_has_its_status_and_reason() {
    let (dir, _) = setup();
    let path = dir.path();
    // A second model on other features: its queries do not fit the first.
    ok(
        path,
        &[
            "train",
            "--no-passphrase",
            "--csv",
            SAMPLE,
            "--target",
            "salary",
            "--features",
            "age,gender",
            "--out",
            "other.hm",
        ],
    );
    ok(
        path,
        &[
            "encrypt",
            "--key",
            "customer.key",
            "--card",
            "other.card",
            "--values",
            "36,1",
            "--out",
            "other.hq",
        ],
    );
    let served = Served::start(path, &["--rate-per-address", "off"]);
    let query = std::fs::read(path.join("query.hq")).expect("query");

    let reason = served.refused("POST", "/v1/predict", b"not a query", 400);
    assert!(reason.contains("not a Hecate"), "{reason}");
    let mut damaged = query.clone();
    let middle = damaged.len() / 2;
    damaged[middle] ^= 1;
    let reason = served.refused("POST", "/v1/predict", &damaged, 400);
    assert!(reason.contains("damaged"), "{reason}");
    // Refused on its declared length, before a byte of the body is read.
    let mut huge = TcpStream::connect(served.address()).expect("connects");
    huge.write_all(b"POST /v1/predict HTTP/1.1\r\nHost: x\r\nContent-Length: 409600\r\n\r\n")
        .expect("writes");
    let (reply, _) = read_until_closed(&mut huge, Duration::from_secs(5));
    assert!(reply.starts_with("HTTP/1.1 413"), "{reply:?}");
    assert!(reply.contains("too large"), "{reply:?}");
    let other = std::fs::read(path.join("other.hq")).expect("query");
    let reason = served.refused("POST", "/v1/predict", &other, 422);
    assert!(reason.contains("another model"), "{reason}");
    let public = std::fs::read(path.join("customer.pub")).expect("public key");
    served.refused("POST", "/v1/predict", &public, 400);
    let reason = served.refused("POST", "/v1/predict/phe-json", b"{}", 404);
    assert!(reason.contains("--allow-unprotected"), "{reason}");
    served.refused("GET", "/v1/nothing", b"", 404);
    served.refused("DELETE", "/v1/card", b"", 405);
    // Still serving after all of it.
    assert_eq!(served.request("POST", "/v1/predict", &query).0, 200);
    assert!(served.metric("hecate_requests_total{endpoint=\"predict\",outcome=\"unfit\"}") >= 1.0);

    // 429 past the address's allowance, with a Retry-After.
    let limited = Served::start(path, &["--rate-per-address", "2/min"]);
    assert_eq!(limited.request("GET", "/v1/card", b"").0, 200);
    assert_eq!(limited.request("GET", "/v1/card", b"").0, 200);
    let reason = limited.refused("GET", "/v1/card", b"", 429);
    assert!(reason.contains("rate limited"), "{reason}");
    assert_eq!(limited.request("GET", "/healthz", b"").0, 200);

    // 503 when more predictions arrive at once than there are slots.
    let busy = Arc::new(Served::start(
        path,
        &[
            "--max-in-flight",
            "1",
            "--rate-per-address",
            "off",
            "--rate-per-key",
            "off",
        ],
    ));
    let barrier = Arc::new(Barrier::new(12));
    let statuses: Vec<u16> = (0..12)
        .map(|_| {
            let (busy, barrier, query) = (Arc::clone(&busy), Arc::clone(&barrier), query.clone());
            std::thread::spawn(move || {
                barrier.wait();
                busy.request("POST", "/v1/predict", &query).0
            })
        })
        .collect::<Vec<_>>()
        .into_iter()
        .map(|thread| thread.join().expect("a status"))
        .collect();
    assert!(
        statuses.iter().all(|s| *s == 200 || *s == 503),
        "{statuses:?}"
    );
    assert!(
        statuses.contains(&200) && statuses.contains(&503),
        "{statuses:?}"
    );
}

#[test]
fn ask_refuses_an_answer_for_another_key() {
    let (dir, _) = setup();
    let path = dir.path();
    keygen(path, "other.key");
    ok(
        path,
        &[
            "encrypt",
            "--key",
            "other.key",
            "--card",
            "model.card",
            "--values",
            "36,5,5,1",
            "--out",
            "other.hq",
        ],
    );
    ok(
        path,
        &[
            "predict", "--model", "model.hm", "--query", "other.hq", "--out", "other.ha",
        ],
    );
    // A company that answers every query with the answer for the other key.
    let card = std::fs::read(path.join("model.card")).expect("card");
    let wrong = std::fs::read(path.join("other.ha")).expect("answer");
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("binds");
    let url = format!("http://{}", listener.local_addr().expect("address"));
    std::thread::spawn(move || {
        for stream in listener.incoming().take(2) {
            let mut stream = stream.expect("a client");
            let mut reader = BufReader::new(stream.try_clone().expect("clone"));
            let (mut request, mut length) = (String::new(), 0);
            loop {
                let mut line = String::new();
                reader.read_line(&mut line).expect("a line");
                if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = value.trim().parse().expect("a length");
                }
                if request.is_empty() {
                    request = line.clone();
                }
                if line == "\r\n" {
                    break;
                }
            }
            let mut body = vec![0; length];
            reader.read_exact(&mut body).expect("the body");
            let reply = if request.starts_with("GET") {
                &card
            } else {
                &wrong
            };
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                reply.len()
            );
            stream.write_all(head.as_bytes()).expect("writes");
            stream.write_all(reply).expect("writes");
        }
    });
    let output = ask(path, &url, "customer.key");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("answer is for another key"), "{stderr}");
    assert!(output.stdout.is_empty());

    // An unreachable company.
    let output = ask(path, &url, "customer.key");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("cannot reach the company"), "{stderr}");
}

/// Reads from `stream` until the server closes it or `limit` passes; returns what came and
/// whether it closed.
fn read_until_closed(stream: &mut TcpStream, limit: Duration) -> (String, bool) {
    stream
        .set_read_timeout(Some(Duration::from_millis(200)))
        .expect("timeout");
    let started = Instant::now();
    let mut received = Vec::new();
    let mut buffer = [0u8; 4096];
    while started.elapsed() < limit {
        match stream.read(&mut buffer) {
            Ok(0) => return (String::from_utf8_lossy(&received).into_owned(), true),
            Ok(n) => received.extend_from_slice(&buffer[..n]),
            Err(error)
                if matches!(
                    error.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            Err(_) => return (String::from_utf8_lossy(&received).into_owned(), true),
        }
    }
    (String::from_utf8_lossy(&received).into_owned(), false)
}

#[test]
fn slow_clients_are_cut_off_and_leave_nothing_behind() {
    let (dir, _) = setup();
    let path = dir.path();
    let served = Served::start(
        path,
        &[
            "--timeout",
            "1",
            "--max-connections",
            "2",
            "--rate-per-address",
            "off",
        ],
    );

    // Headers a byte at a time, slower than the timeout allows in all.
    let mut slow_headers = TcpStream::connect(served.address()).expect("connects");
    let started = Instant::now();
    for byte in b"GET /v1/card HTTP/1.1\r\nHost: x\r\n" {
        if slow_headers.write_all(&[*byte]).is_err() {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
        if started.elapsed() > Duration::from_secs(3) {
            break;
        }
    }
    let (_, closed) = read_until_closed(&mut slow_headers, Duration::from_secs(3));
    assert!(
        closed,
        "a client slow with its headers holds its connection"
    );

    // A body that never comes: 408, and the connection freed.
    let mut slow_body = TcpStream::connect(served.address()).expect("connects");
    slow_body
        .write_all(b"POST /v1/predict HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\nab")
        .expect("writes");
    let (reply, closed) = read_until_closed(&mut slow_body, Duration::from_secs(5));
    assert!(reply.starts_with("HTTP/1.1 408"), "{reply:?}");
    assert!(closed);

    // A client that sends its query and goes away before the answer.
    let query = std::fs::read(path.join("query.hq")).expect("query");
    for _ in 0..3 {
        let mut gone = TcpStream::connect(served.address()).expect("connects");
        let head = format!(
            "POST /v1/predict HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n",
            query.len()
        );
        gone.write_all(head.as_bytes()).expect("writes");
        gone.write_all(&query).expect("writes");
        drop(gone);
    }
    // Both connection slots are free again, nothing is left in flight, and all is served.
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(served.request("GET", "/readyz", b"").0, 200);
    assert_eq!(served.request("POST", "/v1/predict", &query).0, 200);
    assert_eq!(served.metric("hecate_requests_in_flight"), 1.0);
}

#[test]
fn killed_mid_request_it_serves_again_and_sigterm_finishes_what_is_in_flight() {
    let (dir, expected) = setup();
    let path = dir.path();
    let query = std::fs::read(path.join("query.hq")).expect("query");

    let mut served = Served::start(path, &[]);
    let address = served.address().to_owned();
    let mut client = TcpStream::connect(&address).expect("connects");
    let head = format!(
        "POST /v1/predict HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n",
        query.len()
    );
    client.write_all(head.as_bytes()).expect("writes");
    client.write_all(&query).expect("writes");
    served.child.kill().expect("killed");
    served.child.wait().expect("ends");
    let (_, closed) = read_until_closed(&mut client, Duration::from_secs(5));
    assert!(closed, "the client of a killed server hangs");

    // Started again on the same port, it answers.
    let again = Served::start_at(path, &address, &[]);
    let output = ask(path, &again.url, "customer.key");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let value: f64 = String::from_utf8_lossy(&output.stdout)
        .trim()
        .parse()
        .expect("a number");
    assert!(close(value, expected));

    // SIGTERM with a request in flight (half its body sent): the rest is still read and
    // answered, then the service stops.
    let mut client = TcpStream::connect(again.address()).expect("connects");
    let (first, rest) = query.split_at(query.len() / 2);
    client.write_all(head.as_bytes()).expect("writes");
    client.write_all(first).expect("writes");
    std::thread::sleep(Duration::from_millis(300));
    let pid = again.child.id().to_string();
    let status = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill runs");
    assert!(status.success());
    std::thread::sleep(Duration::from_millis(300));
    client.write_all(rest).expect("writes");
    let (reply, _) = read_until_closed(&mut client, Duration::from_secs(10));
    assert!(reply.starts_with("HTTP/1.1 200"), "{reply:?}");
    let mut again = again;
    let started = Instant::now();
    loop {
        if let Some(status) = again.child.try_wait().expect("waits") {
            assert!(status.success(), "{status}");
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "still running after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn asking_over_tls_with_the_companys_certificate() {
    let (dir, expected) = setup();
    let path = dir.path();
    let certified = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()])
        .expect("a self-signed certificate");
    std::fs::write(path.join("cert.pem"), certified.cert.pem()).expect("writes");
    std::fs::write(path.join("key.pem"), certified.signing_key.serialize_pem()).expect("writes");
    let served = Served::start(path, &["--tls-cert", "cert.pem", "--tls-key", "key.pem"]);
    let port = served
        .url
        .strip_prefix("https://127.0.0.1:")
        .unwrap_or_else(|| panic!("not https: {}", served.url));
    let url = format!("https://localhost:{port}");
    let value: f64 = ok(
        path,
        &[
            "ask",
            "--url",
            &url,
            "--key",
            "customer.key",
            "--values",
            "36,5,5,1",
            "--ca-cert",
            "cert.pem",
        ],
    )
    .trim()
    .parse()
    .expect("a number");
    assert!(close(value, expected), "{value} against {expected}");

    // Without the company's certificate the customer refuses to talk.
    let output = ask(path, &url, "customer.key");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("certificate"), "{stderr}");
}
