//! Writes the seed corpora under `fuzz/corpus/<target>/`: valid messages of every kind at every key
//! size (python-paillier's fixed test keys from `core/tests/vectors/python_paillier.json`, seeded
//! randomness, so the output is the same on every run), python-paillier JSON files, a small CSV
//! and a few `--values` strings.
//!
//! ```sh
//! cd fuzz && cargo run --release --example gen-corpus
//! ```

use std::fs;
use std::path::{Path, PathBuf};

use hecate::{
    DEFAULT_FEATURE_EXPONENT, FeatureSpec, InsecureTest1024, KeySize, Model, ModelCard,
    Paillier2048, Paillier3072, Paillier4096, PrivateKey, Query,
};
use hecate_app::interop::phe;
use hecate_app::sealing::{self, Passphrase};
use hecate_fuzz::{
    SERVICE_DECLARED, SERVICE_JSON, SERVICE_POST, dec, encode, rng, salary_model, uint,
};

const VECTORS: &str = include_str!("../../core/tests/vectors/python_paillier.json");
const EMPLOYEES: &str = include_str!("../../data/employees.csv");

struct Corpus {
    root: PathBuf,
}

impl Corpus {
    fn write(&self, target: &str, name: &str, bytes: &[u8]) {
        let dir = self.root.join(target);
        fs::create_dir_all(&dir).expect("corpus directory");
        fs::write(dir.join(name), bytes).expect("corpus file");
    }

    /// A message: to its own target and to `message`.
    fn message(&self, target: &str, name: &str, bytes: &[u8]) {
        self.write(target, name, bytes);
        self.write("message", name, bytes);
    }
}

fn key<S: KeySize>(vectors: &serde_json::Value) -> PrivateKey<S> {
    let entry = vectors["keys"]
        .as_array()
        .expect("keys")
        .iter()
        .find(|k| k["bits"].as_u64() == Some(u64::from(S::BITS)))
        .expect("a key of the size");
    let prime =
        |name: &str| uint::<S::P>(&dec(entry[name].as_str().expect("prime"))).expect("fits");
    PrivateKey::from_primes(prime("p"), prime("q"), &mut hecate_fuzz::rng(0)).expect("a valid key")
}

/// `message` sealed under "fuzz" at the least costs, so that the `sealed` target reaches opening.
fn sealed(message: &[u8], seed: u64) -> Vec<u8> {
    let cheap = hecate::KdfParams {
        memory_kib: 64,
        passes: 1,
        lanes: 1,
    };
    let passphrase = Passphrase::new("fuzz".into());
    sealing::seal_with(message, &passphrase, cheap, &mut rng(seed))
        .expect("sealed")
        .to_vec()
}

/// Messages and python-paillier files for one key size; `answers` only for the fixed keys the
/// answer targets decode with.
fn sized<S: KeySize>(corpus: &Corpus, key: &PrivateKey<S>, model: &Model, answers: bool) {
    let bits = S::BITS;
    let public = key.public_key();
    corpus.message(
        "public_key",
        &format!("public-{bits}.hpk"),
        &encode(|o| public.to_bytes(o)),
    );
    let proof = key.prove_key().expect("a proof");
    corpus.message(
        "public_key",
        &format!("public-{bits}-proven.hpk"),
        &encode(|o| public.to_bytes_with_proof(&proof, o)),
    );
    corpus.message(
        "private_key",
        &format!("private-{bits}.hsk"),
        &encode(|o| key.to_bytes(o)),
    );
    if bits == 2048 {
        let message = sealed(&encode(|o| key.to_bytes(o)), 17);
        corpus.message("sealed", &format!("private-{bits}-sealed.he"), &message);
    }
    let values = [36.0, 5.0, 5.0, 1.0];
    let card = model.card(&[1024, 2048, 3072, 4096]).expect("card");
    let features = public
        .encrypt_for_card(&card, &values, &mut rng(11))
        .expect("encrypts");
    let full = Query {
        key: public.clone(),
        proof: Some(proof),
        model: Some(card.id()),
        names: card.features().iter().cloned().collect(),
        features: features.clone(),
    };
    corpus.message(
        "query",
        &format!("query-{bits}-named.hq"),
        &encode(|o| full.to_bytes(o)),
    );
    // All at the default exponent, as without a card (and python-paillier's files).
    let fixed = public
        .encrypt_features(&values, DEFAULT_FEATURE_EXPONENT, &mut rng(15))
        .expect("encrypts");
    if bits <= 2048 {
        // No proof, no model, no names: what a company answers only unprotected.
        let bare = Query {
            key: public.clone(),
            proof: None,
            model: None,
            names: hecate::Names::new(),
            features: public
                .encrypt_features(
                    &[-2.5, 1e-3, 123_456.0, 0.0],
                    DEFAULT_FEATURE_EXPONENT,
                    &mut rng(12),
                )
                .expect("encrypts"),
        };
        corpus.message(
            "query",
            &format!("query-{bits}-bare.hq"),
            &encode(|o| bare.to_bytes(o)),
        );
    }
    let answer = model
        .answer_with_verified_key(&full, &mut rng(13))
        .expect("answers");
    if answers {
        corpus.message(
            "answer",
            &format!("answer-{bits}.ha"),
            &encode(|o| answer.to_bytes(o)),
        );
    } else {
        corpus.write(
            "message",
            &format!("answer-{bits}.ha"),
            &encode(|o| answer.to_bytes(o)),
        );
    }
    if bits <= 2048 {
        // The service's requests: the query and the python-paillier file, each as sent.
        let predict = [
            &[1 | SERVICE_POST | SERVICE_DECLARED][..],
            &encode(|o| full.to_bytes(o)),
        ]
        .concat();
        corpus.write("service", &format!("predict-{bits}"), &predict);
        let data = phe::write_query(public, &fixed).expect("data.json");
        let phe_query = [&[2 | SERVICE_POST][..], data.as_bytes()].concat();
        corpus.write("service", &format!("phe-json-{bits}"), &phe_query);
    }
    if bits <= 2048 {
        let keys = phe::write_keys(key).expect("custkeys.json");
        corpus.write(
            "phe_keys",
            &format!("custkeys-{bits}.json"),
            keys.as_bytes(),
        );
        let data = phe::write_query(public, &fixed).expect("data.json");
        corpus.write("phe_query", &format!("data-{bits}.json"), data.as_bytes());
        // The demo double-encoded data.json: a JSON string holding the object.
        let quoted = serde_json::to_string(&data).expect("a string");
        corpus.write(
            "phe_query",
            &format!("data-{bits}-quoted.json"),
            quoted.as_bytes(),
        );
        let value = model
            .predict_unprotected(public, &fixed, &mut rng(16))
            .expect("predicts");
        let answer = phe::write_answer(public, &value).expect("answer.json");
        corpus.write(
            "phe_answer",
            &format!("answer-{bits}.json"),
            answer.as_bytes(),
        );
    }
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    let corpus = Corpus { root };
    let vectors: serde_json::Value = serde_json::from_str(VECTORS).expect("vectors");
    let model = salary_model();
    corpus.message("model", "model-4.hm", &encode(|o| model.to_bytes(o)));
    let message = sealed(&encode(|o| model.to_bytes(o)), 16);
    corpus.message("sealed", "model-4-sealed.he", &message);
    let spec = FeatureSpec::from_range(-1, -4.0, 4.0).expect("a spec");
    let (small, _) =
        Model::from_f64("y", &["x"], &[spec], &[-0.125], 3.0, &mut rng(14)).expect("a model");
    corpus.message("model", "model-1.hm", &encode(|o| small.to_bytes(o)));
    let card: ModelCard = model.card(&[2048, 3072]).expect("card");
    corpus.message("model_card", "card.hc", &encode(|o| card.to_bytes(o)));
    corpus.write("service", "card", &[0]);
    corpus.write("service", "card-json", &[SERVICE_JSON]);

    sized::<InsecureTest1024>(&corpus, &key(&vectors), &model, true);
    sized::<Paillier2048>(&corpus, &key(&vectors), &model, true);
    sized::<Paillier3072>(&corpus, &key(&vectors), &model, false);
    sized::<Paillier4096>(&corpus, &key(&vectors), &model, false);

    // The CSV target's first byte picks the options: target column, explicit features, hold-out.
    let rows: Vec<&str> = EMPLOYEES.lines().take(41).collect();
    let csv = rows.join("\n");
    let header: Vec<&str> = rows[0].split(',').map(str::trim).collect();
    let salary = u8::try_from(header.iter().position(|h| *h == "salary").expect("salary"))
        .expect("few columns");
    for (name, config) in [
        ("all", salary),
        ("holdout", salary | 0x20),
        ("two", salary | 0x50),
    ] {
        let mut bytes = vec![config];
        bytes.extend_from_slice(csv.as_bytes());
        corpus.write("csv_train", &format!("employees-{name}.csv"), &bytes);
    }
    let tiny = "x, y\n1, 2.5\n2, 4.5\n3, 6.75\n4, 8\n";
    let mut bytes = vec![1];
    bytes.extend_from_slice(tiny.as_bytes());
    corpus.write("csv_train", "tiny.csv", &bytes);

    for (i, text) in [
        "36,5,5,1",
        "-2.5, 3",
        "1e-3",
        "0.1,-0,1e300,5e-324",
        " 7 , 8.25 ",
    ]
    .iter()
    .enumerate()
    {
        corpus.write("values", &format!("values-{i}.txt"), text.as_bytes());
    }
}
