//! The `hecate` command line end to end: the README's walkthrough, and bad inputs, each a clear
//! one-line error with exit code 1 (2 for usage), never a panic, never a partial output file.

#![allow(
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests panic to fail"
)]

use std::fs;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::prelude::*;
use tempfile::TempDir;

mod common;

use common::{SAMPLE, evaluate, fails, ok, train};

fn hecate(dir: &Path) -> Command {
    let mut command = Command::cargo_bin("hecate").expect("the hecate binary");
    command.current_dir(dir);
    command
}

/// A directory with a 2048-bit customer key, a model trained on the sample, and a query.
fn setup() -> TempDir {
    let dir = TempDir::new().expect("temp dir");
    let path = dir.path();
    ok(
        path,
        &[
            "keygen",
            "--no-passphrase",
            "--bits",
            "2048",
            "--out",
            "customer.key",
        ],
    );
    train(path);
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
    dir
}

fn file(dir: &Path, name: &str) -> PathBuf {
    dir.join(name)
}

#[test]
fn the_walkthrough() {
    let dir = setup();
    let path = dir.path();
    ok(
        path,
        &[
            "predict",
            "--model",
            "model.hm",
            "--query",
            "query.hq",
            "--out",
            "answer.ha",
        ],
    );
    let printed = ok(
        path,
        &["decrypt", "--key", "customer.key", "--answer", "answer.ha"],
    );
    let value: f64 = printed.trim().parse().expect("a number");

    // The same prediction in the clear, from the coefficients `train` printed.
    let (weights, intercept) = train(path);
    let expected = evaluate(&weights, intercept, &[36.0, 5.0, 5.0, 1.0]);
    assert!((value - expected).abs() < 1e-3, "{value} vs {expected}");

    let json = ok(
        path,
        &[
            "decrypt",
            "--key",
            "customer.key",
            "--answer",
            "answer.ha",
            "--json",
        ],
    );
    let parsed: serde_json::Value = serde_json::from_str(json.trim()).expect("one JSON object");
    assert_eq!(parsed["value"].as_f64(), Some(value));

    // Private files are the owner's alone.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for (name, mode) in [
            ("customer.key", 0o600),
            ("model.hm", 0o600),
            ("customer.pub", 0o644),
            ("model.card", 0o644),
        ] {
            let actual = fs::metadata(file(path, name))
                .expect("exists")
                .permissions()
                .mode()
                & 0o777;
            assert_eq!(actual, mode, "{name}");
        }
    }

    // inspect shows what a file is, never a secret.
    let shown = ok(path, &["inspect", "customer.key"]);
    assert!(
        shown.contains("private key") && shown.contains("2048 bits"),
        "{shown}"
    );
    let shown = ok(path, &["inspect", "model.hm"]);
    assert!(
        shown.contains("age, healthy_eating, active_lifestyle, gender"),
        "{shown}"
    );
    for weight in &weights {
        assert!(
            !shown.contains(&format!("{weight:.3}")),
            "inspect shows a weight: {shown}"
        );
    }
}

#[test]
fn two_predictions_of_one_query_differ() {
    let dir = setup();
    let path = dir.path();
    ok(
        path,
        &[
            "predict", "--model", "model.hm", "--query", "query.hq", "--out", "first.ha",
        ],
    );
    ok(
        path,
        &[
            "predict",
            "--model",
            "model.hm",
            "--query",
            "query.hq",
            "--out",
            "second.ha",
        ],
    );
    let (first, second) = (
        fs::read(file(path, "first.ha")).expect("read"),
        fs::read(file(path, "second.ha")).expect("read"),
    );
    assert_ne!(first, second, "answers are re-randomized");
    let a = ok(
        path,
        &["decrypt", "--key", "customer.key", "--answer", "first.ha"],
    );
    let b = ok(
        path,
        &["decrypt", "--key", "customer.key", "--answer", "second.ha"],
    );
    assert_eq!(a, b);
}

#[test]
fn values_can_come_from_standard_input() {
    let dir = setup();
    let path = dir.path();
    let encrypt = |input: &str| {
        hecate(path)
            .args([
                "encrypt",
                "--key",
                "customer.pub",
                "--card",
                "model.card",
                "--values",
                "-",
                "--out",
                "piped.hq",
            ])
            .write_stdin(input)
            .assert()
    };
    encrypt(" 36, 5,\n5, 1\n").success();
    let mut decrypted = Vec::new();
    for query in ["query.hq", "piped.hq"] {
        ok(
            path,
            &[
                "predict", "--model", "model.hm", "--query", query, "--out", "a.ha",
            ],
        );
        decrypted.push(ok(
            path,
            &["decrypt", "--key", "customer.key", "--answer", "a.ha"],
        ));
    }
    assert_eq!(
        decrypted[0], decrypted[1],
        "the same values as on the command line"
    );

    encrypt("").code(1).stderr(predicate::str::contains(
        "--values - (standard input): value 1",
    ));
    encrypt("36,5,x,1").code(1).stderr(predicate::str::contains(
        "value 3 (\"x\") is not a finite number",
    ));
}

#[test]
fn many_queries_at_once() {
    let dir = setup();
    let path = dir.path();
    fs::create_dir(file(path, "queries")).expect("mkdir");
    fs::create_dir(file(path, "answers")).expect("mkdir");
    for (i, values) in ["36,5,5,1", "22.5,3,0,1", "61,8,1,0"].iter().enumerate() {
        let out = format!("queries/q{i}.hq");
        ok(
            path,
            &[
                "encrypt",
                "--key",
                "customer.pub",
                "--card",
                "model.card",
                "--values",
                values,
                "--out",
                &out,
            ],
        );
    }
    let printed = ok(
        path,
        &[
            "predict", "--model", "model.hm", "--query", "queries", "--out", "answers",
        ],
    );
    assert_eq!(printed.lines().count(), 3, "{printed}");
    // Several answers need a folder: one error, and nothing written, when --out is not one.
    fails(
        path,
        &[
            "predict", "--model", "model.hm", "--query", "queries", "--out", "missing",
        ],
        "missing: not a folder; with 3 queries, --out names the folder",
    );
    fs::write(file(path, "notes.txt"), b"mine").expect("write");
    fails(
        path,
        &[
            "predict",
            "--model",
            "model.hm",
            "--query",
            "queries",
            "--out",
            "notes.txt",
        ],
        "notes.txt: not a folder",
    );
    assert_eq!(fs::read(file(path, "notes.txt")).expect("read"), b"mine");
    for i in 0..3 {
        let answer = format!("answers/q{i}.ha");
        ok(
            path,
            &["decrypt", "--key", "customer.key", "--answer", &answer],
        );
    }
}

#[test]
fn bad_files_are_clear_errors() {
    let dir = setup();
    let path = dir.path();
    ok(
        path,
        &[
            "predict",
            "--model",
            "model.hm",
            "--query",
            "query.hq",
            "--out",
            "answer.ha",
        ],
    );
    fails(
        path,
        &["decrypt", "--key", "missing.key", "--answer", "answer.ha"],
        "missing.key: cannot open",
    );
    fs::write(file(path, "empty.ha"), b"").expect("write");
    fails(
        path,
        &["decrypt", "--key", "customer.key", "--answer", "empty.ha"],
        "empty.ha: the file is empty",
    );
    let answer = fs::read(file(path, "answer.ha")).expect("read");
    fs::write(file(path, "short.ha"), &answer[..answer.len() / 2]).expect("write");
    fails(
        path,
        &["decrypt", "--key", "customer.key", "--answer", "short.ha"],
        "short.ha",
    );
    let mut damaged = answer.clone();
    damaged[300] ^= 0x20;
    fs::write(file(path, "damaged.ha"), &damaged).expect("write");
    fails(
        path,
        &["decrypt", "--key", "customer.key", "--answer", "damaged.ha"],
        "checksum mismatch",
    );
    fails(
        path,
        &["decrypt", "--key", "customer.key", "--answer", "query.hq"],
        "expected an answer, found a query",
    );
    fails(
        path,
        &["decrypt", "--key", "customer.pub", "--answer", "answer.ha"],
        "expected a private key, found a public key",
    );
    fs::write(file(path, "notes.txt"), b"hello, not a Hecate file").expect("write");
    fails(path, &["inspect", "notes.txt"], "not a Hecate file");
    fails(
        path,
        &[
            "predict", "--model", "query.hq", "--query", "query.hq", "--out", "x.ha",
        ],
        "expected a model, found a query",
    );
    assert!(!file(path, "x.ha").exists(), "no output after a failure");

    // An answer for another key.
    ok(
        path,
        &[
            "keygen",
            "--no-passphrase",
            "--bits",
            "2048",
            "--out",
            "other.key",
        ],
    );
    fails(
        path,
        &["decrypt", "--key", "other.key", "--answer", "answer.ha"],
        "answer is for another key",
    );
}

#[test]
fn queries_must_fit_the_model() {
    let dir = setup();
    let path = dir.path();
    fails(
        path,
        &[
            "encrypt",
            "--key",
            "customer.key",
            "--card",
            "model.card",
            "--values",
            "36,5,5",
            "--out",
            "q.hq",
        ],
        "3 values given, the model expects 4",
    );
    fails(
        path,
        &[
            "encrypt",
            "--key",
            "customer.key",
            "--card",
            "model.card",
            "--values",
            "36,5,5,1",
            "--names",
            "age,gender,healthy_eating,active_lifestyle",
            "--out",
            "q.hq",
        ],
        "are not the model's features",
    );
    assert!(!file(path, "q.hq").exists());
    // Without a card the company still checks the count.
    ok(
        path,
        &[
            "encrypt",
            "--key",
            "customer.key",
            "--values",
            "1,2",
            "--out",
            "two.hq",
        ],
    );
    fails(
        path,
        &[
            "predict", "--model", "model.hm", "--query", "two.hq", "--out", "a.ha",
        ],
        "2 features given, the model has 4",
    );
    // A model card that accepts only 3072-bit keys refuses a 2048-bit one.
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
            "3072",
            "--out",
            "strict.hm",
        ],
    );
    fails(
        path,
        &[
            "encrypt",
            "--key",
            "customer.key",
            "--card",
            "strict.card",
            "--values",
            "36,5,5,1",
            "--out",
            "q.hq",
        ],
        "customer.key: the model accepts keys of 3072 bits, this key has 2048",
    );
}

#[test]
fn csv_problems_are_clear_errors() {
    let dir = TempDir::new().expect("temp dir");
    let path = dir.path();
    let cases = [
        (
            "word.csv",
            "a,b,y\n1,2,3\n4,five,6\n7,8,9\n1,1,1\n2,3,4\n",
            "row 3, column \"b\": \"five\" is not a number",
        ),
        ("few.csv", "a,b,y\n1,2,3\n4,5,6\n", "too few rows"),
        (
            "flat.csv",
            "a,b,y\n1,2,3\n1,5,6\n1,7,9\n1,1,1\n1,3,4\n",
            "the feature \"a\" is constant",
        ),
        (
            "twin.csv",
            "a,b,y\n1,2,3\n2,4,6\n3,6,9\n4,8,1\n5,10,4\n",
            "singular",
        ),
        ("ragged.csv", "a,b,y\n1,2,3\n4,5\n", "row 3 cannot be read"),
        // Found by fuzz/ (csv_train): finite values whose squared errors overflow f64 trained a
        // model reported with an infinite RMSE.
        (
            "huge.csv",
            "a,y\n1,1e200\n2,-1e200\n3,1e200\n4,5\n5,1e200\n",
            "the values are too large",
        ),
    ];
    for (name, text, message) in cases {
        fs::write(file(path, name), text).expect("write");
        fails(
            path,
            &[
                "train",
                "--no-passphrase",
                "--csv",
                name,
                "--target",
                "y",
                "--out",
                "m.hm",
            ],
            message,
        );
        assert!(!file(path, "m.hm").exists());
    }
    fails(
        path,
        &[
            "train",
            "--no-passphrase",
            "--csv",
            "word.csv",
            "--target",
            "salary",
            "--out",
            "m.hm",
        ],
        "no column \"salary\"",
    );
    fails(
        path,
        &[
            "train",
            "--no-passphrase",
            "--csv",
            "word.csv",
            "--target",
            "y",
            "--features",
            "a,c",
            "--out",
            "m.hm",
        ],
        "no column \"c\"",
    );
    fs::write(
        file(path, "twice.csv"),
        "a,a,y\n1,2,3\n2,3,4\n3,5,6\n4,4,4\n5,1,2\n",
    )
    .expect("write");
    fails(
        path,
        &[
            "train",
            "--no-passphrase",
            "--csv",
            "twice.csv",
            "--target",
            "y",
            "--out",
            "m.hm",
        ],
        "column \"a\" appears twice",
    );
    fs::write(
        file(path, "fine.csv"),
        "a,b,y\n1,2,3\n2,3,4\n3,5,6\n4,4,4\n5,1,2\n",
    )
    .expect("write");
    fails(
        path,
        &[
            "train",
            "--no-passphrase",
            "--csv",
            "fine.csv",
            "--target",
            "y",
            "--features",
            "a,y",
            "--out",
            "m.hm",
        ],
        "cannot also be a feature",
    );
    fails(
        path,
        &[
            "train",
            "--no-passphrase",
            "--csv",
            "fine.csv",
            "--target",
            "y",
            "--features",
            "a,a",
            "--out",
            "m.hm",
        ],
        "feature \"a\" is listed twice",
    );
    assert!(!file(path, "m.hm").exists());
}

#[test]
fn usage_errors_exit_2_and_no_arguments_opens_the_app() {
    let dir = TempDir::new().expect("temp dir");
    hecate(dir.path()).args(["keygen"]).assert().code(2);
    hecate(dir.path())
        .args(["encrypt", "--key", "k", "--values", "1,x", "--out", "q"])
        .assert()
        .code(2);
    // No subcommand opens the desktop app: without a display that is one line saying so, not the
    // windowing library's error (a build without the `gui` feature prints the help instead).
    let mut no_display = hecate(dir.path());
    no_display
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY");
    if cfg!(feature = "gui") {
        no_display
            .assert()
            .code(1)
            .stderr("hecate: no display: use a subcommand (hecate --help)\n");
    } else {
        no_display
            .assert()
            .success()
            .stdout(predicate::str::contains("Usage"));
    }
    fails(
        dir.path(),
        &[
            "keygen",
            "--no-passphrase",
            "--bits",
            "1024",
            "--out",
            "k.key",
        ],
        "a 1024-bit key is not supported",
    );
    assert!(!file(dir.path(), "k.key").exists());
}

#[test]
fn bench_reports_every_rate_as_json() {
    let dir = TempDir::new().expect("temp dir");
    let printed = ok(
        dir.path(),
        &["bench", "--bits", "2048", "--seconds", "0", "--json"],
    );
    let rates: serde_json::Value = serde_json::from_str(printed.trim()).expect("one JSON object");
    assert_eq!(rates["bits"], 2048);
    assert_eq!(rates["arithmetic"], hecate::Arithmetic::in_use().name());
    for name in [
        "keygen",
        "encrypt_public",
        "encrypt_crt",
        "decrypt",
        "rerandomize_public",
        "rerandomize_crt",
        "add",
        "mul_scalar",
        "predict4",
        "predict100",
        "prove_key",
        "verify_key_proof",
        "answers_1_thread",
        "answers_2_threads",
        "read_private_key",
        "open_sealed_key",
    ] {
        let rate = rates[name]
            .as_f64()
            .unwrap_or_else(|| panic!("{name} missing: {printed}"));
        assert!(rate.is_finite() && rate > 0.0, "{name}: {rate}");
    }
    fails(
        dir.path(),
        &["bench", "--bits", "1000"],
        "a 1000-bit key is not supported",
    );
    // The portable arithmetic on demand, whatever the CPU.
    let portable = hecate(dir.path())
        .env("HECATE_ARITHMETIC", "portable")
        .args(["bench", "--bits", "2048", "--seconds", "0", "--json"])
        .output()
        .expect("hecate bench");
    let rates: serde_json::Value = serde_json::from_slice(&portable.stdout).expect("JSON");
    assert_eq!(rates["arithmetic"], "portable");
}

/// What the company sees of a query (`inspect` lists it all) is the same whatever the values: the
/// customer's gender once showed in the exponents (−14 for 0, −13 for 1).
#[test]
fn what_the_company_sees_does_not_depend_on_the_values() {
    let dir = setup();
    let path = dir.path();
    let seen = |values: &str, out: &str| {
        ok(
            path,
            &[
                "encrypt",
                "--key",
                "customer.pub",
                "--card",
                "model.card",
                "--values",
                values,
                "--out",
                out,
            ],
        );
        let lines: Vec<String> = ok(path, &["inspect", out])
            .lines()
            .filter(|line| !line.starts_with("size"))
            .map(str::to_owned)
            .collect();
        lines
    };
    let woman = seen("36,5,5,0", "a.hq");
    let man = seen("61,8,1,1", "b.hq");
    assert_eq!(woman, man);
    let text = woman.join("\n");
    assert!(
        text.contains("key proof") && text.contains("valid"),
        "{text}"
    );
    assert!(text.contains("exponents"), "{text}");
    // Out of the card's declared range: refused by the customer, nothing written.
    fails(
        path,
        &[
            "encrypt",
            "--key",
            "customer.pub",
            "--card",
            "model.card",
            "--values",
            "36,5,5,7",
            "--out",
            "c.hq",
        ],
        "outside the range the model declares",
    );
    assert!(!file(path, "c.hq").exists());
}

/// A key or a model is never replaced unless told: `keygen` and `train` over existing files fail
/// with exit 1 before any work and leave the files byte for byte; `--force` replaces them.
#[test]
fn keys_and_models_are_never_replaced_unless_told() {
    let dir = setup();
    let path = dir.path();
    let before: Vec<Vec<u8>> = ["customer.key", "customer.pub", "model.hm", "model.card"]
        .iter()
        .map(|name| fs::read(file(path, name)).expect("read"))
        .collect();
    fails(
        path,
        &[
            "keygen",
            "--no-passphrase",
            "--bits",
            "2048",
            "--out",
            "customer.key",
        ],
        "customer.key: exists",
    );
    fails(
        path,
        &[
            "train",
            "--no-passphrase",
            "--csv",
            SAMPLE,
            "--target",
            "salary",
            "--out",
            "model.hm",
        ],
        "model.hm: exists",
    );
    // A companion alone is protected too: the .pub of another key, the .card of another model.
    fs::rename(file(path, "customer.key"), file(path, "kept.key")).expect("rename");
    fails(
        path,
        &[
            "keygen",
            "--no-passphrase",
            "--bits",
            "2048",
            "--out",
            "customer.key",
        ],
        "customer.pub: exists",
    );
    assert!(!file(path, "customer.key").exists());
    fs::rename(file(path, "kept.key"), file(path, "customer.key")).expect("rename");
    let after: Vec<Vec<u8>> = ["customer.key", "customer.pub", "model.hm", "model.card"]
        .iter()
        .map(|name| fs::read(file(path, name)).expect("read"))
        .collect();
    assert_eq!(before, after);
    // An --out whose card would be itself is refused before training (nothing printed first).
    let output = Command::cargo_bin("hecate")
        .expect("the hecate binary")
        .current_dir(path)
        .args([
            "train",
            "--no-passphrase",
            "--csv",
            SAMPLE,
            "--target",
            "salary",
            "--out",
            "x.card",
        ])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(1));
    assert!(output.stdout.is_empty(), "{output:?}");
    assert!(String::from_utf8_lossy(&output.stderr).contains("same file"));
    // Told to, they are replaced.
    ok(
        path,
        &[
            "keygen",
            "--no-passphrase",
            "--bits",
            "2048",
            "--out",
            "customer.key",
            "--force",
        ],
    );
    ok(
        path,
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
    assert_ne!(
        fs::read(file(path, "customer.key")).expect("read"),
        before[0]
    );
    assert_ne!(fs::read(file(path, "model.hm")).expect("read"), before[2]);
}

/// CRC-32/ISO-HDLC of all but the last 4 bytes, written into them: a crafted file gets past the
/// checksum to the rules behind it.
fn fix_checksum(message: &mut [u8]) {
    let (signed, crc) = message.split_at_mut(message.len() - 4);
    let checksum = crc::Crc::<u32>::new(&crc::CRC_32_ISO_HDLC).checksum(signed);
    crc.copy_from_slice(&checksum.to_le_bytes());
}

/// The value of `field` in `hecate inspect`'s output.
fn field<'a>(shown: &'a str, field: &str) -> &'a str {
    shown
        .lines()
        .find_map(|line| line.strip_prefix(field).map(str::trim))
        .unwrap_or_else(|| panic!("no {field:?} in {shown}"))
}

/// Keys and models sealed under a passphrase from a file: the whole job works with it, and
/// nothing opens them without it.
#[test]
fn passphrase_protected_keys_and_models_work_end_to_end() {
    let dir = TempDir::new().expect("temp dir");
    let path = dir.path();
    fs::write(path.join("pass"), "correct horse battery staple\n").expect("written");
    fs::write(path.join("wrong"), "correct horse battery stapler\n").expect("written");
    let with = ["--passphrase-file", "pass"];
    ok(
        path,
        &[
            &["keygen", "--bits", "2048", "--out", "alice.key"][..],
            &with,
        ]
        .concat(),
    );
    let trained = ok(
        path,
        &[
            &[
                "train", "--csv", SAMPLE, "--target", "salary", "--out", "model.hm",
            ][..],
            &with,
        ]
        .concat(),
    );
    assert!(trained.contains("passphrase-protected"), "{trained}");

    // inspect tells without the passphrase what the file is, and with it what it holds.
    let shown = ok(path, &["inspect", "alice.key"]);
    assert_eq!(field(&shown, "kind"), "passphrase-protected file");
    assert_eq!(field(&shown, "holds"), "a private key");
    assert_eq!(
        field(&shown, "key derivation"),
        "Argon2id, 256 MiB, 3 passes, 4 lanes"
    );
    let public = ok(path, &["inspect", "alice.pub"]);
    assert_eq!(field(&shown, "fingerprint"), field(&public, "fingerprint"));
    assert!(!shown.contains("p and q"), "{shown}");
    let opened = ok(path, &["inspect", "alice.key", "--passphrase-file", "pass"]);
    assert_eq!(field(&opened, "secret"), "p and q (not shown)");
    assert_eq!(
        field(&ok(path, &["inspect", "model.hm"]), "holds"),
        "a model"
    );

    let values = [36.0, 5.0, 5.0, 1.0];
    ok(
        path,
        &[
            &["encrypt", "--key", "alice.key", "--card", "model.card"][..],
            &["--values", "36,5,5,1", "--out", "q.hq"],
            &with,
        ]
        .concat(),
    );
    ok(
        path,
        &[
            &[
                "predict", "--model", "model.hm", "--query", "q.hq", "--out", "a.ha",
            ][..],
            &with,
        ]
        .concat(),
    );
    let value: f64 = ok(
        path,
        &[
            &["decrypt", "--key", "alice.key", "--answer", "a.ha"][..],
            &with,
        ]
        .concat(),
    )
    .trim()
    .parse()
    .expect("a number");
    let (weights, intercept) = {
        let plain = TempDir::new().expect("temp dir");
        train(plain.path())
    };
    assert!(
        (value - evaluate(&weights, intercept, &values)).abs() < 1e-3,
        "{value}"
    );

    // Without the passphrase, with a wrong one, or damaged: one line, and nothing decrypted.
    let decrypt = ["decrypt", "--key", "alice.key", "--answer", "a.ha"];
    fails(
        path,
        &decrypt,
        "protected by a passphrase, and no terminal to ask for it on: give --passphrase-file",
    );
    fails(
        path,
        &[&decrypt[..], &["--passphrase-file", "wrong"]].concat(),
        "alice.key: wrong passphrase or damaged file",
    );
    fails(
        path,
        &[
            "predict", "--model", "model.hm", "--query", "q.hq", "--out", "b.ha",
        ],
        "protected by a passphrase",
    );
    // A sealed file of the wrong kind is refused from its header, before any passphrase.
    fails(
        path,
        &[
            "predict",
            "--model",
            "alice.key",
            "--query",
            "q.hq",
            "--out",
            "b.ha",
        ],
        "alice.key: expected a model, found a passphrase-protected private key",
    );
    fails(
        path,
        &[&decrypt[..], &with, &["--format", "phe-json"]].concat(),
        "python-paillier's files have no passphrase protection",
    );
    let sealed = fs::read(path.join("alice.key")).expect("the key");
    let mut tampered = sealed.clone();
    let last = tampered.len() - 10;
    tampered[last] ^= 1;
    fs::write(path.join("alice.key"), &tampered).expect("written");
    fails(path, &[&decrypt[..], &with].concat(), "damaged");
    fix_checksum(&mut tampered);
    fs::write(path.join("alice.key"), &tampered).expect("written");
    fails(
        path,
        &[&decrypt[..], &with].concat(),
        "wrong passphrase or damaged file",
    );

    // A crafted file asking for 64 GiB of memory is refused before any is taken.
    let default_costs = [0x80, 0x80, 0x10, 3, 4]; // 262144 KiB, 3 passes, 4 lanes as varints
    let at = sealed
        .windows(default_costs.len())
        .position(|window| window == default_costs)
        .expect("the costs");
    let mut greedy = sealed.clone();
    greedy.splice(at..at + 3, [0x80, 0x80, 0x80, 0x20]); // 64 Mi KiB
    fix_checksum(&mut greedy);
    fs::write(path.join("alice.key"), &greedy).expect("written");
    fails(
        path,
        &[&decrypt[..], &with].concat(),
        "key-derivation costs out of bounds",
    );
    let shown = hecate(path)
        .args(["inspect", "alice.key"])
        .output()
        .expect("runs");
    assert_eq!(shown.status.code(), Some(1));
}

/// Without a terminal to ask on, `keygen` and `train` refuse before any work and name both ways
/// out; an empty passphrase is refused, a weak one warned about.
#[test]
fn new_secrets_need_a_passphrase_or_an_explicit_no() {
    let dir = TempDir::new().expect("temp dir");
    let path = dir.path();
    for args in [
        &["keygen", "--bits", "2048", "--out", "bob.key"][..],
        &[
            "train", "--csv", SAMPLE, "--target", "salary", "--out", "model.hm",
        ],
    ] {
        fails(
            path,
            args,
            "no terminal to ask for a passphrase on: give --passphrase-file FILE, or --no-passphrase",
        );
    }
    fs::write(path.join("empty"), "\n").expect("written");
    fails(
        path,
        &[
            "keygen",
            "--bits",
            "2048",
            "--out",
            "bob.key",
            "--passphrase-file",
            "empty",
        ],
        "an empty passphrase protects nothing",
    );
    fails(
        path,
        &[
            "keygen",
            "--bits",
            "2048",
            "--out",
            "bob.key",
            "--format",
            "phe-json",
            "--passphrase-file",
            "empty",
        ],
        "custkeys.json has no passphrase protection",
    );
    assert_eq!(
        fs::read_dir(path).expect("listed").count(),
        1,
        "nothing written"
    );
    fs::write(path.join("weak"), "password\n").expect("written");
    let output = hecate(path)
        .args([
            "keygen",
            "--bits",
            "2048",
            "--out",
            "bob.key",
            "--passphrase-file",
            "weak",
        ])
        .output()
        .expect("runs");
    assert!(output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("warning: the passphrase is very weak"),
        "{stderr}"
    );
    // A plain file is written on request, and says so.
    let shown = ok(
        path,
        &[
            "keygen",
            "--bits",
            "2048",
            "--out",
            "plain.key",
            "--no-passphrase",
        ],
    );
    assert!(shown.contains("without a passphrase"), "{shown}");
    assert!(field(&ok(path, &["inspect", "plain.key"]), "protected").starts_with("no"));
}

/// A reader that stops reading (`hecate train … | head -1`) is no failure: no panic, the model is
/// still written, exit status 0.
#[test]
fn a_closed_standard_output_is_not_a_panic() {
    let dir = TempDir::new().expect("temp dir");
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("hecate"))
        .current_dir(dir.path())
        .args([
            "train",
            "--no-passphrase",
            "--csv",
            SAMPLE,
            "--target",
            "salary",
            "--out",
            "model.hm",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("runs");
    // Closed before `train` prints its first line.
    drop(child.stdout.take());
    let output = child.wait_with_output().expect("runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(file(dir.path(), "model.hm").exists() && file(dir.path(), "model.card").exists());
}

/// Public files (cards, public keys, queries, answers) get 0666 less the umask, as the user's
/// other tools give; private ones stay 0600 whatever the umask.
#[cfg(unix)]
#[test]
fn public_files_respect_the_umask() {
    use std::os::unix::fs::PermissionsExt;
    let dir = TempDir::new().expect("temp dir");
    let path = dir.path();
    let binary = assert_cmd::cargo::cargo_bin("hecate");
    for (umask, public) in [("077", 0o600), ("027", 0o640), ("002", 0o664)] {
        let out = format!("m{umask}.hm");
        let status = std::process::Command::new("sh")
            .current_dir(path)
            .args(["-c", &format!("umask {umask}; exec \"$0\" \"$@\"")])
            .arg(&binary)
            .args([
                "train",
                "--no-passphrase",
                "--csv",
                SAMPLE,
                "--target",
                "salary",
                "--out",
                &out,
            ])
            .stdout(std::process::Stdio::null())
            .status()
            .expect("runs");
        assert!(status.success());
        let mode = |name: &str| {
            fs::metadata(file(path, name))
                .expect("exists")
                .permissions()
                .mode()
                & 0o777
        };
        assert_eq!(mode(&out), 0o600, "umask {umask}: the model");
        assert_eq!(
            mode(&format!("m{umask}.card")),
            public,
            "umask {umask}: the card"
        );
    }
}

/// A file of the wrong kind is named, with what it is and what was expected, whatever the command.
#[test]
fn wrong_kinds_of_file_say_what_they_are() {
    let dir = setup();
    let path = dir.path();
    ok(
        path,
        &[
            "predict",
            "--model",
            "model.hm",
            "--query",
            "query.hq",
            "--out",
            "answer.ha",
        ],
    );
    let predict = |query: &'static str| {
        [
            "predict", "--model", "model.hm", "--query", query, "--out", "x.ha",
        ]
    };
    fails(
        path,
        &predict("model.card"),
        "model.card: expected a query, found a model card",
    );
    fails(
        path,
        &predict("model.hm"),
        "model.hm: expected a query, found a model",
    );
    fails(
        path,
        &predict("customer.pub"),
        "customer.pub: expected a query, found a public key",
    );
    fails(
        path,
        &predict("answer.ha"),
        "answer.ha: expected a query, found an answer",
    );
    fails(
        path,
        &[
            "predict",
            "--model",
            "model.card",
            "--query",
            "query.hq",
            "--out",
            "x.ha",
        ],
        "model.card: expected a model, found a model card",
    );
    assert!(!file(path, "x.ha").exists());
    let encrypt = |key: &'static str, card: &'static str| {
        [
            "encrypt", "--key", key, "--card", card, "--values", "36,5,5,1", "--out", "x.hq",
        ]
    };
    for (key, found) in [
        ("model.card", "a model card"),
        ("query.hq", "a query"),
        ("answer.ha", "an answer"),
    ] {
        fails(
            path,
            &encrypt(key, "model.card"),
            &format!("{key}: expected a private key or a public key, found {found}"),
        );
    }
    fails(
        path,
        &encrypt("customer.key", "customer.pub"),
        "customer.pub: expected a model card, found a public key",
    );
    assert!(!file(path, "x.hq").exists());
    let decrypt =
        |key: &'static str, answer: &'static str| ["decrypt", "--key", key, "--answer", answer];
    fails(
        path,
        &decrypt("model.card", "answer.ha"),
        "model.card: expected a private key, found a model card",
    );
    fails(
        path,
        &decrypt("customer.key", "model.card"),
        "model.card: expected an answer, found a model card",
    );
    fails(
        path,
        &decrypt("customer.key", "customer.key"),
        "customer.key: expected an answer, found a private key",
    );
}

/// Refusals of `encrypt` name what they are about: the values, the names, or the key.
#[test]
fn encrypt_errors_name_their_source() {
    let dir = setup();
    let path = dir.path();
    let encrypt = |values: &'static str, more: &[&'static str]| {
        let mut args = vec![
            "encrypt",
            "--key",
            "customer.key",
            "--values",
            values,
            "--out",
            "x.hq",
        ];
        args.extend_from_slice(more);
        args
    };
    let card = ["--card", "model.card"];
    fails(
        path,
        &encrypt("36,5,5", &card),
        "hecate: --values: 3 values given, the model expects 4",
    );
    fails(
        path,
        &encrypt("500,5,5,1", &card),
        "hecate: --values: age = 500 is outside the range",
    );
    fails(path, &encrypt("1e30,5,5,1", &[]), "hecate: --values: ");
    fails(
        path,
        &encrypt("36,5,5,1", &["--card", "model.card", "--names", "a,b,c,d"]),
        "hecate: --names: the names a,b,c,d are not the model's features",
    );
    fails(
        path,
        &encrypt("36,5", &["--names", "a"]),
        "hecate: --names: 1 names for 2 values",
    );
    fails(
        path,
        &encrypt("36,5", &["--names", "a,"]),
        "hecate: --names: feature name \"\"",
    );
    assert!(!file(path, "x.hq").exists());
}

/// A missing folder in --out is named as such, before any work, never by a temporary file's name.
#[test]
fn a_missing_output_folder_is_named() {
    let dir = setup();
    let path = dir.path();
    let commands: [&[&str]; 4] = [
        &[
            "encrypt",
            "--key",
            "customer.key",
            "--values",
            "1,2",
            "--out",
            "nodir/x.hq",
        ],
        &[
            "predict",
            "--model",
            "model.hm",
            "--query",
            "query.hq",
            "--out",
            "nodir/x.ha",
        ],
        &[
            "keygen",
            "--no-passphrase",
            "--bits",
            "2048",
            "--out",
            "nodir/x.key",
        ],
        &[
            "train",
            "--no-passphrase",
            "--csv",
            SAMPLE,
            "--target",
            "salary",
            "--out",
            "nodir/x.hm",
        ],
    ];
    for args in commands {
        let output = hecate(path).args(args).output().expect("runs");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{args:?}: {stderr}");
        assert_eq!(stderr, "hecate: nodir: no such folder\n", "{args:?}");
        // Before any work: nothing reported on standard output.
        assert!(output.stdout.is_empty(), "{args:?}");
    }
    fs::write(file(path, "plain"), b"a file").expect("write");
    fails(
        path,
        &[
            "keygen",
            "--no-passphrase",
            "--bits",
            "2048",
            "--out",
            "plain/x.key",
        ],
        "plain: not a folder",
    );
}

/// An answer for another key shows both fingerprints, as the app does.
#[test]
fn an_answer_for_another_key_shows_both_fingerprints() {
    let dir = setup();
    let path = dir.path();
    ok(
        path,
        &[
            "predict",
            "--model",
            "model.hm",
            "--query",
            "query.hq",
            "--out",
            "answer.ha",
        ],
    );
    let printed = ok(
        path,
        &[
            "keygen",
            "--no-passphrase",
            "--bits",
            "2048",
            "--out",
            "other.key",
        ],
    );
    let other = printed
        .lines()
        .find_map(|line| line.strip_prefix("fingerprint "))
        .expect("a fingerprint");
    let shown = ok(path, &["inspect", "customer.key"]);
    let customer = shown
        .lines()
        .find_map(|line| line.strip_prefix("fingerprint"))
        .expect("a fingerprint")
        .trim();
    assert_eq!(other.len(), 16);
    fails(
        path,
        &["decrypt", "--key", "other.key", "--answer", "answer.ha"],
        &format!(
            "answer.ha: answer is for another key ({:.16}), not for this one ({other})",
            customer
        ),
    );
}

/// python-paillier JSON given without --format phe-json is named as such, and a Hecate file given
/// with it too.
#[test]
fn python_paillier_files_need_their_format() {
    let dir = setup();
    let path = dir.path();
    let phe = ["--format", "phe-json"];
    let with = |args: &[&'static str]| [args, &phe[..]].concat();
    ok(
        path,
        &with(&[
            "keygen",
            "--no-passphrase",
            "--bits",
            "2048",
            "--out",
            "custkeys.json",
        ]),
    );
    ok(
        path,
        &with(&[
            "encrypt",
            "--key",
            "custkeys.json",
            "--values",
            "36,5,5,1",
            "--out",
            "data.json",
        ]),
    );
    ok(
        path,
        &with(&[
            "predict",
            "--model",
            "model.hm",
            "--query",
            "data.json",
            "--out",
            "answer.json",
            "--allow-unprotected",
        ]),
    );
    let hint = "looks like a python-paillier JSON file, not a Hecate one: add --format phe-json";
    fails(
        path,
        &[
            "encrypt",
            "--key",
            "custkeys.json",
            "--values",
            "36,5,5,1",
            "--out",
            "x.hq",
        ],
        &format!("custkeys.json: {hint}"),
    );
    fails(
        path,
        &[
            "predict",
            "--model",
            "model.hm",
            "--query",
            "data.json",
            "--out",
            "x.ha",
        ],
        &format!("data.json: {hint}"),
    );
    fails(
        path,
        &[
            "decrypt",
            "--key",
            "custkeys.json",
            "--answer",
            "answer.json",
        ],
        &format!("custkeys.json: {hint}"),
    );
    fails(
        path,
        &[
            "decrypt",
            "--key",
            "customer.key",
            "--answer",
            "answer.json",
        ],
        &format!("answer.json: {hint}"),
    );
    fails(
        path,
        &["inspect", "custkeys.json"],
        "custkeys.json: looks like a python-paillier JSON file",
    );
    fails(
        path,
        &with(&[
            "encrypt",
            "--key",
            "customer.key",
            "--values",
            "36,5,5,1",
            "--out",
            "x.json",
        ]),
        "customer.key: a Hecate private key, not python-paillier JSON",
    );
}

/// Values too large to encrypt are named when encrypting, and a python-paillier query whose tiny
/// value got a very fine exponent is named by its exponents at the company, never "overflows the
/// plaintext space".
#[test]
fn unencodable_values_are_named() {
    let dir = setup();
    let path = dir.path();
    let encrypt = |values: &'static str, more: &[&'static str]| {
        let mut args = vec![
            "encrypt",
            "--key",
            "customer.key",
            "--values",
            values,
            "--out",
            "x.hq",
        ];
        args.extend_from_slice(more);
        args
    };
    for values in ["1e300,5", "5e9,5"] {
        fails(path, &encrypt(values, &[]), "hecate: --values: value 1 = ");
    }
    fails(
        path,
        &encrypt("5,-1e300", &["--names", "age,debt"]),
        "hecate: --values: debt = -1e300 is too large: without a model card values are encoded \
         at 16^-8, which holds magnitudes below 4294967296",
    );
    fails(
        path,
        &encrypt("1e-70,5,5,1", &["--card", "model.card"]),
        "hecate: --values: age = 1e-70 is outside the range",
    );
    // 1e-70 where the range allows it is sent as 0, within the encoding's precision.
    ok(path, &encrypt("36,1e-70,5,1", &["--card", "model.card"]));

    ok(
        path,
        &[
            "keygen",
            "--no-passphrase",
            "--bits",
            "2048",
            "--format",
            "phe-json",
            "--out",
            "custkeys.json",
        ],
    );
    ok(
        path,
        &[
            "encrypt",
            "--key",
            "custkeys.json",
            "--values",
            "36,5,5,1",
            "--format",
            "phe-json",
            "--out",
            "data.json",
        ],
    );
    // python-paillier encodes 1e-70 at 16^-72.
    let mut data: serde_json::Value =
        serde_json::from_slice(&fs::read(file(path, "data.json")).expect("read")).expect("JSON");
    data["values"][1][1] = serde_json::json!(-72);
    fs::write(file(path, "tiny.json"), data.to_string()).expect("write");
    fails(
        path,
        &[
            "predict",
            "--model",
            "model.hm",
            "--query",
            "tiny.json",
            "--out",
            "a.json",
            "--format",
            "phe-json",
            "--allow-unprotected",
        ],
        "tiny.json: the answer would overflow the key: the features' exponents run from 16^-72 \
         (feature 2) to 16^-8",
    );
}
