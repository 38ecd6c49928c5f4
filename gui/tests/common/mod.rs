//! Helpers shared by the command-line tests: running `hecate`, serving with it, and training the
//! sample model.

#![allow(dead_code, reason = "each test crate uses a different part")]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Stdio};

use assert_cmd::Command;

/// The bundled sample data.
pub const SAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../data/employees.csv");

/// Runs `hecate` in `dir`; it must succeed. Returns its stdout.
pub fn ok(dir: &Path, args: &[&str]) -> String {
    let output = Command::cargo_bin("hecate")
        .expect("the hecate binary")
        .current_dir(dir)
        .args(args)
        .output()
        .expect("runs");
    assert!(
        output.status.success(),
        "hecate {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("UTF-8")
}

/// Runs `hecate` in `dir`; it must fail with exit code 1 and one line on stderr, starting with
/// `hecate: ` and containing `message`, without a panic.
pub fn fails(dir: &Path, args: &[&str], message: &str) {
    let output = Command::cargo_bin("hecate")
        .expect("the hecate binary")
        .current_dir(dir)
        .args(args)
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "hecate {args:?}: {stderr}");
    assert!(
        stderr.starts_with("hecate: ") && stderr.lines().count() == 1,
        "{stderr}"
    );
    assert!(
        stderr.contains(message),
        "expected {message:?} in {stderr:?}"
    );
    assert!(
        !stderr.contains("panicked") && !stderr.contains("backtrace"),
        "{stderr}"
    );
}

/// Trains the sample model into `dir/model.hm` (and `.card`); returns the weights and intercept as
/// `train` printed them (6 decimals).
pub fn train(dir: &Path) -> (Vec<f64>, f64) {
    // Some tests train again for the coefficients (the same data gives the same ones).
    let report = ok(
        dir,
        &[
            "train",
            "--no-passphrase",
            "--csv",
            SAMPLE,
            "--target",
            "salary",
            "--out",
            "model.hm",
            "--force",
        ],
    );
    let mut lines = report.lines();
    let intercept = lines
        .next()
        .expect("intercept")
        .split('=')
        .nth(1)
        .expect("=")
        .trim()
        .parse()
        .expect("a number");
    let weights = lines
        .take(4)
        .map(|line| {
            line.trim()
                .split(' ')
                .next()
                .expect("a weight")
                .parse()
                .expect("a number")
        })
        .collect();
    (weights, intercept)
}

/// The model evaluated in the clear.
pub fn evaluate(weights: &[f64], intercept: f64, values: &[f64]) -> f64 {
    intercept + weights.iter().zip(values).map(|(w, x)| w * x).sum::<f64>()
}

/// Starts `hecate serve` with `args` in `dir`: the running server and the URL it printed.
pub fn serve(dir: &Path, args: &[&str]) -> (Child, String) {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_hecate"))
        .current_dir(dir)
        .arg("serve")
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("hecate serve starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("the address");
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("not an address: {line:?}"))
        .to_owned();
    (child, url)
}
