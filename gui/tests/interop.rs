//! python-paillier JSON interop (`--format phe-json`): Hecate's side alone, and both ways against
//! the real python-paillier (`tests/phe_peer.py`; needs `pip install phe gmpy2`, which `.ci/run`
//! does before running the ignored tests).

#![allow(
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests panic to fail"
)]

use std::fs;
use std::path::Path;
use std::process::Command as Process;

use tempfile::TempDir;

mod common;

use common::{evaluate as expected, fails as hecate_fails, ok as hecate, train};

const PEER: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/phe_peer.py");

fn python(dir: &Path, args: &[&str]) -> String {
    let output = Process::new("python3")
        .arg(PEER)
        .args(args)
        .current_dir(dir)
        .output()
        .expect("python3 runs");
    assert!(
        output.status.success(),
        "phe_peer.py {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("UTF-8")
}

#[test]
fn the_walkthrough_in_phe_json() {
    let dir = TempDir::new().expect("temp dir");
    let path = dir.path();
    let (weights, intercept) = train(path);
    hecate(
        path,
        &[
            "keygen",
            "--no-passphrase",
            "--format",
            "phe-json",
            "--bits",
            "2048",
            "--out",
            "custkeys.json",
        ],
    );
    hecate(
        path,
        &[
            "encrypt",
            "--format",
            "phe-json",
            "--key",
            "custkeys.json",
            "--card",
            "model.card",
            "--values",
            "36,5,5,1",
            "--out",
            "data.json",
        ],
    );
    // python-paillier queries carry no key proof and get no mask: refused unless allowed.
    hecate_fails(
        path,
        &[
            "predict",
            "--format",
            "phe-json",
            "--model",
            "model.hm",
            "--query",
            "data.json",
            "--out",
            "answer.json",
        ],
        "--allow-unprotected",
    );
    assert!(!path.join("answer.json").exists());
    hecate(
        path,
        &[
            "predict",
            "--format",
            "phe-json",
            "--allow-unprotected",
            "--model",
            "model.hm",
            "--query",
            "data.json",
            "--out",
            "answer.json",
        ],
    );
    let value: f64 = hecate(
        path,
        &[
            "decrypt",
            "--format",
            "phe-json",
            "--key",
            "custkeys.json",
            "--answer",
            "answer.json",
        ],
    )
    .trim()
    .parse()
    .expect("number");
    // `train` prints the coefficients to 6 decimals.
    assert!((value - expected(&weights, intercept, &[36.0, 5.0, 5.0, 1.0])).abs() < 1e-3);

    // The JSON carries n, p and q as bare integers of hundreds of digits.
    let keys = fs::read_to_string(path.join("custkeys.json")).expect("read");
    assert!(
        keys.starts_with("{\"private_key\":{\"p\":") || keys.contains("\"n\":"),
        "{keys}"
    );
    let n_digits = keys
        .split("\"n\":")
        .nth(1)
        .expect("n")
        .chars()
        .take_while(char::is_ascii_digit)
        .count();
    assert!(n_digits > 600, "{n_digits} digits");

    // data.json wrapped once more as a JSON string (the demo's writers did that) is accepted.
    let data = fs::read_to_string(path.join("data.json")).expect("read");
    fs::write(
        path.join("double.json"),
        serde_json::to_string(&data).expect("JSON string"),
    )
    .expect("write");
    hecate(
        path,
        &[
            "predict",
            "--format",
            "phe-json",
            "--allow-unprotected",
            "--model",
            "model.hm",
            "--query",
            "double.json",
            "--out",
            "answer2.json",
        ],
    );
    let again: f64 = hecate(
        path,
        &[
            "decrypt",
            "--format",
            "phe-json",
            "--key",
            "custkeys.json",
            "--answer",
            "answer2.json",
        ],
    )
    .trim()
    .parse()
    .expect("number");
    assert_eq!(again, value);
    assert_ne!(
        fs::read(path.join("answer.json")).expect("read"),
        fs::read(path.join("answer2.json")).expect("read")
    );
}

#[test]
fn bad_phe_files_are_clear_errors() {
    let dir = TempDir::new().expect("temp dir");
    let path = dir.path();
    train(path);
    hecate(
        path,
        &[
            "keygen",
            "--no-passphrase",
            "--format",
            "phe-json",
            "--bits",
            "2048",
            "--out",
            "custkeys.json",
        ],
    );
    hecate(
        path,
        &[
            "keygen",
            "--no-passphrase",
            "--format",
            "phe-json",
            "--bits",
            "2048",
            "--out",
            "other.json",
        ],
    );
    hecate(
        path,
        &[
            "encrypt",
            "--format",
            "phe-json",
            "--key",
            "custkeys.json",
            "--values",
            "36,5,5,1",
            "--out",
            "data.json",
        ],
    );
    hecate(
        path,
        &[
            "predict",
            "--format",
            "phe-json",
            "--allow-unprotected",
            "--model",
            "model.hm",
            "--query",
            "data.json",
            "--out",
            "answer.json",
        ],
    );
    hecate_fails(
        path,
        &[
            "decrypt",
            "--format",
            "phe-json",
            "--key",
            "other.json",
            "--answer",
            "answer.json",
        ],
        "answer is for another key",
    );
    fs::write(path.join("junk.json"), "{\"public_key\": 7}").expect("write");
    hecate_fails(
        path,
        &[
            "predict",
            "--format",
            "phe-json",
            "--allow-unprotected",
            "--model",
            "model.hm",
            "--query",
            "junk.json",
            "--out",
            "a.json",
        ],
        "no public key",
    );
    fs::write(path.join("text.json"), "salary please").expect("write");
    hecate_fails(
        path,
        &[
            "predict",
            "--format",
            "phe-json",
            "--allow-unprotected",
            "--model",
            "model.hm",
            "--query",
            "text.json",
            "--out",
            "a.json",
        ],
        "not JSON",
    );
    let data = fs::read_to_string(path.join("data.json")).expect("read");
    let zeroed = {
        let start = data.find("\"values\":[[\"").expect("values") + 12;
        let end = start + data[start..].find('"').expect("end");
        format!("{}0{}", &data[..start], &data[end..])
    };
    fs::write(path.join("zero.json"), zeroed).expect("write");
    hecate_fails(
        path,
        &[
            "predict",
            "--format",
            "phe-json",
            "--allow-unprotected",
            "--model",
            "model.hm",
            "--query",
            "zero.json",
            "--out",
            "a.json",
        ],
        "ciphertext is not in Z*",
    );
    // Without a card the customer can encrypt any count; the company refuses the wrong one.
    hecate(
        path,
        &[
            "encrypt",
            "--format",
            "phe-json",
            "--key",
            "custkeys.json",
            "--values",
            "1,2",
            "--out",
            "two.json",
        ],
    );
    hecate_fails(
        path,
        &[
            "predict",
            "--format",
            "phe-json",
            "--allow-unprotected",
            "--model",
            "model.hm",
            "--query",
            "two.json",
            "--out",
            "a.json",
        ],
        "2 features given, the model has 4",
    );
    assert!(!path.join("a.json").exists(), "no partial answer");
}

#[test]
#[ignore = "needs python-paillier (pip install phe gmpy2); .ci/run runs it"]
fn a_python_paillier_customer_gets_a_hecate_prediction() {
    let dir = TempDir::new().expect("temp dir");
    let path = dir.path();
    let (weights, intercept) = train(path);
    let want = expected(&weights, intercept, &[36.0, 5.0, 5.0, 1.0]);
    for bits in ["2048", "3072"] {
        python(path, &["customer-keys", "custkeys.json", bits]);
        for flags in [&[][..], &["--double"][..]] {
            let mut args = vec!["customer-encrypt", "custkeys.json", "data.json", "36,5,5,1"];
            args.extend_from_slice(flags);
            python(path, &args);
            hecate(
                path,
                &[
                    "predict",
                    "--format",
                    "phe-json",
                    "--allow-unprotected",
                    "--model",
                    "model.hm",
                    "--query",
                    "data.json",
                    "--out",
                    "answer.json",
                ],
            );
            hecate(
                path,
                &[
                    "predict",
                    "--format",
                    "phe-json",
                    "--allow-unprotected",
                    "--model",
                    "model.hm",
                    "--query",
                    "data.json",
                    "--out",
                    "again.json",
                ],
            );
            assert_ne!(
                fs::read(path.join("answer.json")).expect("read"),
                fs::read(path.join("again.json")).expect("read"),
                "re-randomized"
            );
            for answer in ["answer.json", "again.json"] {
                let value: f64 = python(path, &["customer-decrypt", "custkeys.json", answer])
                    .trim()
                    .parse()
                    .expect("number");
                // `train` prints the coefficients to 6 decimals.
                assert!(
                    (value - want).abs() < 1e-3,
                    "{bits} bits {flags:?}: python-paillier decrypted {value}, expected {want}"
                );
            }
        }
    }
}

#[test]
#[ignore = "needs python-paillier (pip install phe gmpy2); .ci/run runs it"]
fn a_hecate_customer_gets_a_python_paillier_prediction() {
    let dir = TempDir::new().expect("temp dir");
    let path = dir.path();
    let weights = [-0.59, 466.42, -184.5, 2.34];
    let intercept = 993.12;
    for bits in ["2048", "3072"] {
        hecate(
            path,
            &[
                "keygen",
                "--no-passphrase",
                "--format",
                "phe-json",
                "--bits",
                bits,
                "--out",
                "custkeys.json",
                // One key per size in the same folder: each replaces the last.
                "--force",
            ],
        );
        hecate(
            path,
            &[
                "encrypt",
                "--format",
                "phe-json",
                "--key",
                "custkeys.json",
                "--values",
                "36,5,-2.5,1",
                "--out",
                "data.json",
            ],
        );
        python(
            path,
            &[
                "company-predict",
                "data.json",
                "answer.json",
                "-0.59,466.42,-184.5,2.34",
                "993.12",
            ],
        );
        let value: f64 = hecate(
            path,
            &[
                "decrypt",
                "--format",
                "phe-json",
                "--key",
                "custkeys.json",
                "--answer",
                "answer.json",
            ],
        )
        .trim()
        .parse()
        .expect("number");
        let want = expected(&weights, intercept, &[36.0, 5.0, -2.5, 1.0]);
        assert!(
            (value - want).abs() < 1e-6,
            "{bits} bits: Hecate decrypted {value}, expected {want}"
        );
        // python-paillier reads Hecate's custkeys.json too.
        let theirs: f64 = python(path, &["customer-decrypt", "custkeys.json", "answer.json"])
            .trim()
            .parse()
            .expect("number");
        assert!((theirs - want).abs() < 1e-6);
    }
}
