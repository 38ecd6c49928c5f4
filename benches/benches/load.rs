//! The company's service under load (`hecate serve`'s library, on 127.0.0.1 only): N customers
//! for T seconds against one server; throughput, p50/p99 latency, the statuses, the server's CPU
//! and peak memory. A benchmark, not a test: its figures go to BENCHMARKS.md. It still exits 1
//! when a run below capacity had anything but 200s, or when the server did not survive 2× its
//! capacity with only 200/429/503 answers.
//!
//! Runs, for each rayon pool size (`HECATE_LOAD_THREADS`, default `1,2`):
//! - *1 client*: one customer at a time, the latency of an idle server;
//! - *capacity*: 4 customers per rayon thread back to back (`HECATE_LOAD_CLIENTS` to change):
//!   its requests per second are the capacity. With 2 per thread a thread idled whenever a
//!   customer's own thread waited for a core (the customers share the server's cores here);
//! - *2× capacity*: requests fired on a schedule at twice that rate, whatever the answers (up to
//!   `HECATE_LOAD_OVERLOAD_CLIENTS` at once, default 128), against the default bound of 64 in
//!   flight: the excess must be refused with 503 while the rest is answered.
//!
//! Then once, at the largest pool, *2× capacity, default limits*: the same from one address with
//! one key, with the service's default rate limits on, which refuse most of it with 429.
//!
//! The per-address (20/s) and per-key (60/min) limits are off in the other runs: all the load
//! comes from one address and one key here, and those limits would measure themselves rather
//! than the cryptography. Many keys would not do better: each new key costs a proof verification,
//! a cost of the first query only. One key's proof is verified once, before the timing.
//!
//! Each run has its own server: this program started again as a child (`HECATE_LOAD_SERVER`), so
//! that its CPU time and peak memory (VmHWM) are its own and its pool size is set for it alone
//! (`RAYON_NUM_THREADS`). It prints its port and serves until its standard input closes. The
//! queries are encrypted before the timing, 16 distinct ones from the sample data's rows:
//! encryption is the customer's cost, not the server's. `HECATE_LOAD_SECONDS` (default 10) is the
//! length of each run; `--json` prints the results as JSON instead of a table.
//!
//! cargo bench --manifest-path benches/Cargo.toml --bench load

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use hecate::ModelCard;
use hecate_app::service::{self, Company, Limits, Server};
use hecate_app::workflows::keygen::{self, KeyPair};
use hecate_app::workflows::{ask, encode, train};

/// Set in the child that serves: `rates-off` or `default` (its rate limits).
const SERVER_ENV: &str = "HECATE_LOAD_SERVER";

const SAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../data/employees.csv");

/// Distinct query bodies sent in turn.
const QUERIES: usize = 16;

/// Past this, a request counts as failed (the server's own timeouts are 10 s).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// How long the server may take to start and to stop.
const SERVER_DEADLINE: Duration = Duration::from_secs(60);

fn main() {
    if let Ok(rates) = std::env::var(SERVER_ENV) {
        serve(&rates);
        return;
    }
    // `cargo bench` passes `--bench`; only `--json` means something here.
    let json = std::env::args().any(|argument| argument == "--json");
    let seconds = env_number("HECATE_LOAD_SECONDS", 10.0);
    let run_length = Duration::from_secs_f64(seconds);
    let pools: Vec<usize> = std::env::var("HECATE_LOAD_THREADS")
        .unwrap_or_else(|_| "1,2".to_owned())
        .split(',')
        .map(|item| {
            item.trim()
                .parse()
                .ok()
                .filter(|&threads| threads > 0)
                .unwrap_or_else(|| panic!("HECATE_LOAD_THREADS: {item:?} is not a thread count"))
        })
        .collect();
    let overload_clients = env_number("HECATE_LOAD_OVERLOAD_CLIENTS", 128.0) as usize;

    eprintln!("load: a 2048-bit customer key (with its proof)…");
    let customer = keygen::generate(2048, &AtomicBool::new(false)).expect("a 2048-bit key");
    let rows = sample_rows();
    let mut results = Vec::new();
    let mut failures = Vec::new();
    let mut last_capacity = None;
    for &threads in &pools {
        let clients = std::env::var("HECATE_LOAD_CLIENTS")
            .ok()
            .and_then(|count| count.parse().ok())
            .unwrap_or(4 * threads);
        let plan = |name: &'static str, clients, pace| Plan {
            name,
            threads,
            rates: "rates-off",
            clients,
            pace,
            below_capacity: pace.is_none(),
            run_length,
        };
        results.push(measure(
            &plan("1 client", 1, None),
            &customer,
            &rows,
            &mut failures,
        ));
        let capacity = measure(
            &plan("capacity", clients, None),
            &customer,
            &rows,
            &mut failures,
        );
        let overload = 2.0 * capacity.throughput;
        results.push(capacity);
        results.push(measure(
            &plan("2× capacity", overload_clients, Some(overload)),
            &customer,
            &rows,
            &mut failures,
        ));
        last_capacity = Some((threads, overload));
    }
    if let Some((threads, overload)) = last_capacity {
        let plan = Plan {
            name: "2× capacity, default limits",
            threads,
            rates: "default",
            clients: overload_clients,
            pace: Some(overload),
            below_capacity: false,
            run_length,
        };
        results.push(measure(&plan, &customer, &rows, &mut failures));
    }

    if json {
        let rows: Vec<_> = results.iter().map(Outcome::json).collect();
        println!("{}", serde_json::Value::Array(rows));
    } else {
        print_table(&results, seconds);
    }
    if !failures.is_empty() {
        for failure in &failures {
            eprintln!("load: FAILED: {failure}");
        }
        std::process::exit(1);
    }
}

fn env_number(name: &str, default: f64) -> f64 {
    std::env::var(name).map_or(default, |text| {
        text.trim()
            .parse()
            .ok()
            .filter(|value: &f64| value.is_finite() && *value > 0.0)
            .unwrap_or_else(|| panic!("{name}: {text:?} is not a positive number"))
    })
}

/// The child: the sample model served on 127.0.0.1 with `rates` until standard input closes.
fn serve(rates: &str) {
    let csv = std::fs::read(SAMPLE).expect("the sample data");
    let options = train::Options {
        target: "salary".to_owned(),
        features: None,
        holdout: None,
        seed: 0,
        ranges: Vec::new(),
    };
    let trained = train::train(&csv, &options).expect("the sample model");
    // The key sizes `hecate train` puts on a card by default.
    let card = trained.model.card(&[2048, 3072, 4096]).expect("its card");
    let card_message = encode(|out| card.to_bytes(out)).expect("the card message");
    let company = Company::new(trained.model, &card_message, false).expect("the company");
    let limits = match rates {
        "rates-off" => Limits {
            per_address: None,
            per_key: None,
            ..Limits::default()
        },
        "default" => Limits::default(),
        _ => panic!("{SERVER_ENV}: {rates:?} is neither rates-off nor default"),
    };
    let runtime = service::runtime().expect("the service's runtime");
    // Closed by the parent to stop the server, and by the system if the parent dies.
    let stdin_closed = runtime.spawn_blocking(|| {
        let _ = std::io::copy(&mut std::io::stdin(), &mut std::io::sink());
    });
    runtime.block_on(async {
        let loopback = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
        let server = Server::bind(loopback, company, limits, None, false)
            .await
            .expect("listening on 127.0.0.1");
        let port = server.local_addr().expect("the address bound").port();
        let mut stdout = std::io::stdout();
        writeln!(stdout, "{port}")
            .and_then(|()| stdout.flush())
            .expect("the port written");
        server
            .run(async {
                let _ = stdin_closed.await;
            })
            .await
            .expect("served");
    });
}

/// Feature values of the sample's rows, in the order of the card's features.
fn sample_rows() -> Vec<Vec<f64>> {
    let csv = std::fs::read_to_string(SAMPLE).expect("the sample data");
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().expect("a header").split(',').collect();
    lines
        .take(QUERIES)
        .map(|line| {
            let cells: Vec<&str> = line.split(',').collect();
            header
                .iter()
                .zip(&cells)
                .filter(|(name, _)| **name != "salary")
                .map(|(_, cell)| cell.trim().parse().expect("a number in the sample"))
                .collect()
        })
        .collect()
}

/// One run.
#[derive(Clone, Debug)]
struct Plan {
    name: &'static str,
    /// The server's rayon threads.
    threads: usize,
    /// The server's rate limits.
    rates: &'static str,
    /// Customers at once.
    clients: usize,
    /// Requests per second on a schedule, or `None` for each client back to back.
    pace: Option<f64>,
    /// Any answer but 200 fails the benchmark.
    below_capacity: bool,
    run_length: Duration,
}

/// A server child, stopped (or killed) when dropped.
struct Served {
    child: Child,
    stdin: Option<ChildStdin>,
    url: String,
}

impl Served {
    fn start(threads: usize, rates: &str) -> Self {
        let mut child = Command::new(std::env::current_exe().expect("this program"))
            .env(SERVER_ENV, rates)
            .env("RAYON_NUM_THREADS", threads.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the server starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("its stdout"))
            .read_line(&mut line)
            .expect("its port");
        let port: u16 = line
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("the server did not start (it printed {line:?})"));
        Self {
            stdin: child.stdin.take(),
            child,
            url: format!("http://127.0.0.1:{port}"),
        }
    }

    fn proc_file(&self, name: &str) -> String {
        let path = format!("/proc/{}/{name}", self.child.id());
        std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{path}: {error}"))
    }

    /// User and system CPU time of all its threads so far.
    fn cpu_time(&self) -> Duration {
        let stat = self.proc_file("stat");
        // The fields after the command name, which is in parentheses and may hold spaces;
        // utime and stime are the 14th and 15th fields, in clock ticks (USER_HZ, 100 on Linux).
        let after_name = stat.rsplit_once(')').expect("a stat line").1;
        let ticks: u64 = after_name
            .split_whitespace()
            .skip(11)
            .take(2)
            .map(|field| field.parse::<u64>().expect("a tick count"))
            .sum();
        Duration::from_millis(ticks * 10)
    }

    /// Its peak resident memory (VmHWM) in KiB.
    fn peak_rss_kib(&self) -> u64 {
        self.proc_file("status")
            .lines()
            .find_map(|line| line.strip_prefix("VmHWM:"))
            .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
            .expect("VmHWM in /proc/PID/status")
    }

    /// Whether `GET /healthz` answers 200.
    fn healthy(&self) -> bool {
        agent()
            .get(format!("{}/healthz", self.url))
            .call()
            .is_ok_and(|response| response.status() == 200)
    }

    /// Closes its standard input and waits: whether it stopped on its own and cleanly.
    fn stop(&mut self) -> bool {
        drop(self.stdin.take());
        let deadline = Instant::now() + SERVER_DEADLINE;
        while Instant::now() < deadline {
            match self.child.try_wait() {
                Ok(Some(status)) => return status.success(),
                Ok(None) => std::thread::sleep(Duration::from_millis(20)),
                Err(_) => return false,
            }
        }
        false
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// A customer's HTTP client: one connection kept alive, every status returned as it came.
fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_global(Some(REQUEST_TIMEOUT))
        .http_status_as_error(false)
        .build()
        .new_agent()
}

/// What a run measured.
#[derive(Debug)]
struct Outcome {
    plan: Plan,
    requests: usize,
    /// Answered requests (200) per second, until the last answer came.
    throughput: f64,
    /// Requests sent per second of the run, whatever their answer.
    offered: f64,
    /// Latencies of the 200s.
    p50: Duration,
    p99: Duration,
    ok: usize,
    too_many: usize,
    unavailable: usize,
    /// Any other status.
    other: usize,
    /// No answer at all: refused connection, reset, timeout.
    failed: usize,
    /// The server's CPU time over the run's length, in cores.
    server_cores: f64,
    peak_rss_kib: u64,
}

/// One request's fate: its status (`None`: no answer) and how long it took.
struct Sent {
    status: Option<u16>,
    latency: Duration,
}

/// Runs `plan` against a fresh server; adds to `failures` what must not happen.
fn measure(
    plan: &Plan,
    customer: &KeyPair,
    rows: &[Vec<f64>],
    failures: &mut Vec<String>,
) -> Outcome {
    eprintln!(
        "load: {} ({} rayon thread{}, {} client{}{})…",
        plan.name,
        plan.threads,
        if plan.threads == 1 { "" } else { "s" },
        plan.clients,
        if plan.clients == 1 { "" } else { "s" },
        plan.pace
            .map(|rate| format!(", {rate:.0} requests/s offered"))
            .unwrap_or_default()
    );
    let mut served = Served::start(plan.threads, plan.rates);
    let company = ask::Company::new(&served.url, REQUEST_TIMEOUT, None).expect("the service's URL");
    let card = company.card().expect("the card");
    let queries = encrypt_queries(customer, &card, rows);
    // The key proof is verified with the first query only: before the timing.
    let answer = company.predict(&queries[0]).expect("a first answer");
    check_answer(customer, &card, &answer);

    let cpu_before = served.cpu_time();
    let (sent, elapsed, answers) = drive(&served.url, &queries, plan);
    let server_cores =
        served.cpu_time().saturating_sub(cpu_before).as_secs_f64() / plan.run_length.as_secs_f64();
    for answer in &answers {
        check_answer(customer, &card, answer);
    }
    let healthy = served.healthy();
    let peak_rss_kib = served.peak_rss_kib();
    let stopped = served.stop();

    let status_count = |wanted: u16| {
        sent.iter()
            .filter(|request| request.status == Some(wanted))
            .count()
    };
    let (ok, too_many, unavailable) = (status_count(200), status_count(429), status_count(503));
    let failed = sent
        .iter()
        .filter(|request| request.status.is_none())
        .count();
    let other = sent.len() - ok - too_many - unavailable - failed;
    let mut latencies: Vec<Duration> = sent
        .iter()
        .filter(|request| request.status == Some(200))
        .map(|request| request.latency)
        .collect();
    latencies.sort_unstable();
    let outcome = Outcome {
        plan: plan.clone(),
        requests: sent.len(),
        throughput: ok as f64 / elapsed.as_secs_f64(),
        // Over the schedule's length: the answers still in flight at its end are not offered load.
        offered: sent.len() as f64 / plan.run_length.as_secs_f64(),
        p50: percentile(&latencies, 0.50),
        p99: percentile(&latencies, 0.99),
        ok,
        too_many,
        unavailable,
        other,
        failed,
        server_cores,
        peak_rss_kib,
    };

    let name = format!("{} at {} rayon threads", plan.name, plan.threads);
    if plan.below_capacity && ok != sent.len() {
        failures.push(format!(
            "{name}: {} of {} requests not answered 200 ({too_many} × 429, {unavailable} × 503, \
             {other} other, {failed} without an answer)",
            sent.len() - ok,
            sent.len()
        ));
    }
    if other + failed > 0 {
        failures.push(format!(
            "{name}: {other} statuses other than 200/429/503, {failed} without an answer"
        ));
    }
    if ok == 0 {
        failures.push(format!("{name}: nothing answered"));
    }
    if !healthy {
        failures.push(format!("{name}: /healthz did not answer 200 afterwards"));
    }
    if !stopped {
        failures.push(format!("{name}: the server did not stop cleanly"));
    }
    outcome
}

/// `QUERIES` distinct query messages, one per sample row (each with fresh randomness).
fn encrypt_queries(customer: &KeyPair, card: &ModelCard, rows: &[Vec<f64>]) -> Vec<Vec<u8>> {
    rows.iter()
        .map(|values| {
            customer
                .key
                .encrypt_query(values, card)
                .expect("a query")
                .to_vec()
        })
        .collect()
}

/// An answer must decrypt, for this key, from the card's model: the load measured real answers.
fn check_answer(customer: &KeyPair, card: &ModelCard, answer: &[u8]) {
    let prediction = ask::read_answer(customer.key.as_ref(), answer, card)
        .expect("an answer for this key from the card's model");
    assert!(prediction.value.is_finite(), "a prediction");
}

/// Sends the queries for the run's length. Returns every request's fate, the time until the last
/// answer, and the first answer of each client (checked afterwards, off the clock).
fn drive(url: &str, queries: &[Vec<u8>], plan: &Plan) -> (Vec<Sent>, Duration, Vec<Vec<u8>>) {
    let predict_url = format!("{url}/v1/predict");
    let tickets = AtomicU64::new(0);
    let start = Instant::now();
    let end = start + plan.run_length;
    let per_client = std::thread::scope(|scope| {
        let clients: Vec<_> = (0..plan.clients)
            .map(|_| {
                let (predict_url, tickets) = (&predict_url, &tickets);
                scope.spawn(move || {
                    let agent = agent();
                    let mut sent = Vec::new();
                    let mut first_answer = None;
                    loop {
                        let ticket = tickets.fetch_add(1, Ordering::Relaxed);
                        match plan.pace {
                            // Ticket i is due at i / rate: the schedule does not wait for answers.
                            Some(rate) => {
                                let due = start + Duration::from_secs_f64(ticket as f64 / rate);
                                if due >= end {
                                    break;
                                }
                                std::thread::sleep(due.saturating_duration_since(Instant::now()));
                            }
                            None if Instant::now() >= end => break,
                            None => {}
                        }
                        let query = &queries[ticket as usize % queries.len()];
                        let began = Instant::now();
                        let status = agent
                            .post(predict_url)
                            .header("Content-Type", "application/octet-stream")
                            .send(query.as_slice())
                            .ok()
                            .and_then(|response| {
                                let status = response.status().as_u16();
                                // Read to the end, so that the connection is kept for the next.
                                let body = response.into_body().read_to_vec().ok()?;
                                if status == 200 && first_answer.is_none() {
                                    first_answer = Some(body);
                                }
                                Some(status)
                            });
                        sent.push(Sent {
                            status,
                            latency: began.elapsed(),
                        });
                    }
                    (sent, first_answer)
                })
            })
            .collect();
        clients
            .into_iter()
            .map(|client| client.join().expect("a client thread"))
            .collect::<Vec<_>>()
    });
    let elapsed = start.elapsed();
    let mut sent = Vec::new();
    let mut answers = Vec::new();
    for (client_sent, first_answer) in per_client {
        sent.extend(client_sent);
        answers.extend(first_answer);
    }
    (sent, elapsed, answers)
}

/// The nearest-rank percentile of sorted `latencies` (zero when there are none).
fn percentile(latencies: &[Duration], share: f64) -> Duration {
    let rank = (share * latencies.len() as f64).ceil() as usize;
    latencies
        .get(rank.saturating_sub(1))
        .copied()
        .unwrap_or_default()
}

fn milliseconds(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e3
}

impl Outcome {
    fn json(&self) -> serde_json::Value {
        serde_json::json!({
            "run": self.plan.name,
            "rayon_threads": self.plan.threads,
            "rate_limits": self.plan.rates,
            "clients": self.plan.clients,
            "seconds": self.plan.run_length.as_secs_f64(),
            "offered_per_second": self.offered,
            "requests": self.requests,
            "answered_per_second": self.throughput,
            "p50_ms": milliseconds(self.p50),
            "p99_ms": milliseconds(self.p99),
            "status_200": self.ok,
            "status_429": self.too_many,
            "status_503": self.unavailable,
            "status_other": self.other,
            "no_answer": self.failed,
            "server_cpu_cores": self.server_cores,
            "server_peak_rss_kib": self.peak_rss_kib,
        })
    }
}

fn print_table(results: &[Outcome], seconds: f64) {
    println!(
        "Hecate's service on 127.0.0.1, 2048-bit key, the sample model (4 features), {seconds} s \
         per run; latencies of the 200s; server CPU in cores busy"
    );
    println!(
        "{:<28} {:>5} {:>7} {:>8} {:>8} {:>7} {:>8} {:>8} {:>6} {:>6} {:>6} {:>6} {:>5} {:>9}",
        "run",
        "rayon",
        "clients",
        "offered",
        "requests",
        "200/s",
        "p50 ms",
        "p99 ms",
        "200",
        "429",
        "503",
        "other",
        "CPU",
        "peak RSS"
    );
    for outcome in results {
        println!(
            "{:<28} {:>5} {:>7} {:>8.1} {:>8} {:>7.1} {:>8.1} {:>8.1} {:>6} {:>6} {:>6} {:>6} {:>5.2} {:>5} MiB",
            outcome.plan.name,
            outcome.plan.threads,
            outcome.plan.clients,
            outcome.offered,
            outcome.requests,
            outcome.throughput,
            milliseconds(outcome.p50),
            milliseconds(outcome.p99),
            outcome.ok,
            outcome.too_many,
            outcome.unavailable,
            outcome.other + outcome.failed,
            outcome.server_cores,
            outcome.peak_rss_kib / 1024,
        );
    }
}
