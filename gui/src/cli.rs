//! The `hecate` command line: argument parsing and printing; the work is in `workflows`.

use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use hecate::{Model, ModelCard};
use hecate_app::files::{self, Access};
use hecate_app::sealing::{self, Passphrase};
use hecate_app::service::{self, Company, Limits, Rate, Server, Tls};
use hecate_app::workflows::{ask, bench, decrypt, encrypt, inspect, keygen, predict, train};
use rayon::prelude::*;
use zeroize::Zeroizing;

/// `println!` for the reports on standard output: a reader that has gone (`hecate train … |
/// head -1`) is no reason to stop, since the work's result is in files, so a closed pipe is
/// ignored (and the exit status stays 0); any other failure to write is an error.
macro_rules! println {
    ($($arg:tt)*) => {
        print_line(format_args!($($arg)*))?
    };
}

/// One line on standard output for [`println!`].
fn print_line(line: std::fmt::Arguments<'_>) -> Result<()> {
    match writeln!(std::io::stdout().lock(), "{line}") {
        Err(error) if error.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(error).context("standard output: cannot write")
        }
        _ => Ok(()),
    }
}

/// Private prediction with Paillier encryption: a customer encrypts, a company predicts on
/// ciphertexts, only the customer decrypts.
#[derive(Debug, Parser)]
#[command(name = "hecate", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The file format of keys, queries and answers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Hecate's own messages (checksummed, with model ids and names).
    #[default]
    Hecate,
    /// python-paillier's JSON files: custkeys.json, data.json, answer.json.
    PheJson,
}

impl Format {
    fn query_extension(self) -> &'static str {
        if self == Self::Hecate { "hq" } else { "json" }
    }

    fn answer_extension(self) -> &'static str {
        if self == Self::Hecate {
            "ha"
        } else {
            "answer.json"
        }
    }
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Generate a customer key: the private key file (mode 0600) and, beside it, the public key (.pub).
    Keygen {
        /// Bits of the modulus n: 2048, 3072 or 4096.
        #[arg(long, default_value_t = 3072)]
        bits: u32,
        /// The private key file to write.
        #[arg(long)]
        out: PathBuf,
        /// File format: hecate, or python-paillier's JSON (custkeys.json, data.json, answer.json).
        #[arg(long, value_enum, default_value_t)]
        format: Format,
        /// Replace an existing key file (answers for the old key can then never be decrypted).
        #[arg(long)]
        force: bool,
        #[command(flatten)]
        protection: Protection,
    },
    /// Encrypt feature values under a customer key into a query.
    Encrypt {
        /// The customer's key file (private or public).
        #[arg(long)]
        key: PathBuf,
        /// Read the private key's passphrase from the first line of FILE (default: ask on the
        /// terminal).
        #[arg(long, value_name = "FILE")]
        passphrase_file: Option<PathBuf>,
        /// The feature values, comma-separated, in the model's order (e.g. 36,5,5,1 or -2.5,3);
        /// `-` reads them from standard input, out of sight of other users' process lists.
        #[arg(long, allow_hyphen_values = true, value_parser = values_parser)]
        values: Values,
        /// The company's model card: the values are checked against its features.
        #[arg(long)]
        card: Option<PathBuf>,
        /// The feature names, comma-separated, checked against the card's.
        #[arg(long, value_delimiter = ',')]
        names: Option<Vec<String>>,
        /// The query file to write.
        #[arg(long)]
        out: PathBuf,
        /// File format: hecate, or python-paillier's JSON (custkeys.json, data.json, answer.json).
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// Train a linear model on a CSV (company only): writes the secret model and its public card.
    Train {
        /// The CSV, with a header row.
        #[arg(long)]
        csv: PathBuf,
        /// The column to predict.
        #[arg(long)]
        target: String,
        /// The columns to predict it from, comma-separated (default: every other column).
        #[arg(long, value_delimiter = ',')]
        features: Option<Vec<String>>,
        /// Hold out this share of the rows (e.g. 0.2) and report the fit on them too.
        #[arg(long, value_parser = share_parser)]
        holdout: Option<f64>,
        /// Seed of the hold-out split.
        #[arg(long, default_value_t = 0)]
        seed: u64,
        /// Key sizes the card accepts, comma-separated.
        #[arg(long, value_delimiter = ',', default_value = "2048,3072,4096", value_parser = key_size_parser)]
        key_sizes: Vec<u32>,
        /// A feature's declared range, NAME=LOW..HIGH (e.g. age=18..100); repeat for more. The
        /// card publishes it, customers refuse values outside it, and the answer mask is sized on
        /// it. Default: the training data's range widened by 10% on each side.
        #[arg(long = "range", value_parser = range_parser)]
        ranges: Vec<(String, f64, f64)>,
        /// The model file to write (mode 0600); the card is written beside it (.card).
        #[arg(long)]
        out: PathBuf,
        /// Replace an existing model file and its card.
        #[arg(long)]
        force: bool,
        #[command(flatten)]
        protection: Protection,
    },
    /// Answer queries with a model (company only).
    Predict {
        /// The model file.
        #[arg(long)]
        model: PathBuf,
        /// Read the model's passphrase from the first line of FILE (default: ask on the terminal).
        #[arg(long, value_name = "FILE")]
        passphrase_file: Option<PathBuf>,
        /// A query file or a directory of them (*.hq); repeat for more. Several are answered in
        /// parallel.
        #[arg(long, required = true)]
        query: Vec<PathBuf>,
        /// The answer file for one query, or a directory for several (answers named after queries).
        #[arg(long)]
        out: PathBuf,
        /// File format: hecate, or python-paillier's JSON (custkeys.json, data.json, answer.json).
        #[arg(long, value_enum, default_value_t)]
        format: Format,
        /// Answer python-paillier queries (--format phe-json), which come without a proof of a
        /// well-formed key and get no answer mask: a cheating customer can read the whole model
        /// from one answer.
        #[arg(long)]
        allow_unprotected: bool,
    },
    /// Decrypt an answer with the customer's private key and print the prediction.
    Decrypt {
        /// The customer's private key file.
        #[arg(long)]
        key: PathBuf,
        /// Read the private key's passphrase from the first line of FILE (default: ask on the
        /// terminal).
        #[arg(long, value_name = "FILE")]
        passphrase_file: Option<PathBuf>,
        /// The answer file.
        #[arg(long)]
        answer: PathBuf,
        /// Print one JSON object instead of the value.
        #[arg(long)]
        json: bool,
        /// File format: hecate, or python-paillier's JSON (custkeys.json, data.json, answer.json).
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// Show what a Hecate file is (never a secret).
    Inspect {
        /// The file.
        file: PathBuf,
        /// Open a passphrase-protected file with the passphrase on the first line of FILE and show
        /// what it holds too (without it: only what the file says of itself).
        #[arg(long, value_name = "FILE")]
        passphrase_file: Option<PathBuf>,
    },
    /// Serve a model over HTTP (company only): its card and predictions, with the checks of
    /// `predict`, rate limits and metrics.
    Serve {
        /// The model file.
        #[arg(long)]
        model: PathBuf,
        /// Read the model's passphrase from the first line of FILE (default: ask on the terminal).
        #[arg(long, value_name = "FILE")]
        passphrase_file: Option<PathBuf>,
        /// The model card to publish (default: the .card file beside the model, as `train`
        /// writes it).
        #[arg(long)]
        card: Option<PathBuf>,
        /// The address and port to listen on; port 0 takes a free one (the address is printed).
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: std::net::SocketAddr,
        /// The TLS certificate chain (PEM); with --tls-key, the service speaks HTTPS only.
        #[arg(long, requires = "tls_key", value_name = "PEM")]
        tls_cert: Option<PathBuf>,
        /// The TLS certificate's private key (PEM).
        #[arg(long, requires = "tls_cert", value_name = "PEM")]
        tls_key: Option<PathBuf>,
        /// Serve plain HTTP on an address other than loopback (behind a reverse proxy that
        /// terminates TLS).
        #[arg(long, conflicts_with = "tls_cert")]
        allow_plain_http: bool,
        /// Also answer python-paillier queries (POST /v1/predict/phe-json), which come without a
        /// proof of a well-formed key and get no answer mask: a cheating customer can read the
        /// whole model from one answer.
        #[arg(long)]
        allow_unprotected: bool,
        /// Predictions queued or running at once; more are refused (503).
        #[arg(long, default_value_t = Limits::default().max_in_flight, value_parser = count_parser)]
        max_in_flight: usize,
        /// Open connections at once; more wait to be accepted.
        #[arg(long, default_value_t = Limits::default().max_connections, value_parser = count_parser)]
        max_connections: usize,
        /// Requests to /v1/ from one address (an IPv6 one by its /64): COUNT/s, COUNT/min,
        /// COUNT/h or off; refused with 429 beyond.
        #[arg(long, default_value = "20/s", value_parser = rate_parser)]
        rate_per_address: RateOrOff,
        /// Predictions for one customer key: COUNT/s, COUNT/min, COUNT/h or off.
        #[arg(long, default_value = "60/min", value_parser = rate_parser)]
        rate_per_key: RateOrOff,
        /// Seconds a client may take to send a request's headers or body, or between two reads
        /// or writes.
        #[arg(long, default_value = "10", value_parser = timeout_parser)]
        timeout: Duration,
    },
    /// Ask a company's service for a prediction (customer): fetch its card, encrypt the values,
    /// send the query, check and decrypt the answer.
    Ask {
        /// The company's service, e.g. `http://127.0.0.1:8080` or `https://predict.example.com`.
        #[arg(long)]
        url: String,
        /// The customer's private key file.
        #[arg(long)]
        key: PathBuf,
        /// Read the private key's passphrase from the first line of FILE (default: ask on the
        /// terminal).
        #[arg(long, value_name = "FILE")]
        passphrase_file: Option<PathBuf>,
        /// The feature values, comma-separated, in the card's order (e.g. 36,5,5,1); `-` reads
        /// them from standard input.
        #[arg(long, allow_hyphen_values = true, value_parser = values_parser)]
        values: Values,
        /// Seconds to wait for each exchange with the company.
        #[arg(long, default_value = "30", value_parser = timeout_parser)]
        timeout: Duration,
        /// Check an https service's certificate against this CA certificate (PEM) instead of the
        /// public roots.
        #[arg(long, value_name = "PEM")]
        ca_cert: Option<PathBuf>,
        /// Print one JSON object instead of the value.
        #[arg(long)]
        json: bool,
    },
    /// Operations per second of each step on this machine, single-threaded (but Argon2id).
    Bench {
        /// Bits of the modulus n: 2048, 3072 or 4096.
        #[arg(long, default_value_t = 2048)]
        bits: u32,
        /// Seconds to spend on each measurement, 0 to 3600 (at least 3 runs each).
        #[arg(long, default_value = "1", value_parser = seconds_parser)]
        seconds: Duration,
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
    },
}

/// How a new private key or model is protected at rest.
#[derive(Clone, Debug, clap::Args)]
pub struct Protection {
    /// Seal the file under the passphrase on the first line of FILE (default: ask twice on the
    /// terminal).
    #[arg(long, value_name = "FILE", conflicts_with = "no_passphrase")]
    passphrase_file: Option<PathBuf>,
    /// Write the file without a passphrase: anyone who copies it has the key or model.
    #[arg(long)]
    no_passphrase: bool,
}

/// A parsed `--values` argument: the customer's plaintexts (wiped when dropped, not shown by
/// `Debug`), or `-` for standard input.
#[derive(Clone)]
pub enum Values {
    /// The values given on the command line.
    Given(Zeroizing<Vec<f64>>),
    /// The values are to be read from standard input.
    Stdin,
}

impl std::fmt::Debug for Values {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Given(values) => write!(f, "Values({} values, redacted)", values.len()),
            Self::Stdin => f.write_str("Values(standard input)"),
        }
    }
}

impl Values {
    /// The values, read from standard input (up to 64 KiB) if they are to be.
    fn read(self) -> Result<Zeroizing<Vec<f64>>> {
        match self {
            Self::Given(values) => Ok(values),
            Self::Stdin => {
                let mut text = Zeroizing::new(String::with_capacity(STDIN_LIMIT + 1));
                std::io::stdin()
                    .lock()
                    .take(STDIN_LIMIT as u64 + 1)
                    .read_to_string(&mut text)
                    .context("--values -: cannot read standard input")?;
                if text.len() > STDIN_LIMIT {
                    bail!("--values -: more than {STDIN_LIMIT} bytes on standard input");
                }
                let values =
                    encrypt::parse_values(text.trim()).context("--values - (standard input)")?;
                Ok(Zeroizing::new(values))
            }
        }
    }
}

/// The most `--values -` reads: far more than 128 features need.
const STDIN_LIMIT: usize = 64 * 1024;

fn share_parser(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(share) if (0.0..1.0).contains(&share) => Ok(share),
        _ => Err("a share in [0, 1), e.g. 0.2".into()),
    }
}

fn key_size_parser(text: &str) -> Result<u32, String> {
    match text.parse::<u32>() {
        Ok(bits @ (2048 | 3072 | 4096)) => Ok(bits),
        _ => Err("2048, 3072 or 4096".into()),
    }
}

fn range_parser(text: &str) -> Result<(String, f64, f64), String> {
    train::parse_range(text).map_err(|error| error.to_string())
}

fn seconds_parser(text: &str) -> Result<Duration, String> {
    match text.parse::<f64>() {
        Ok(seconds) if (0.0..=3600.0).contains(&seconds) => Ok(Duration::from_secs_f64(seconds)),
        _ => Err("seconds from 0 to 3600".into()),
    }
}

fn count_parser(text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(count @ 1..=65536) => Ok(count),
        _ => Err("a count from 1 to 65536".into()),
    }
}

/// A rate, or none for `off`: an alias, so that clap takes `off` as a value rather than the
/// argument as optional.
type RateOrOff = Option<Rate>;

fn rate_parser(text: &str) -> Result<RateOrOff, String> {
    Rate::parse(text).map_err(|error| error.to_string())
}

fn timeout_parser(text: &str) -> Result<Duration, String> {
    match text.parse::<f64>() {
        Ok(seconds) if (0.1..=3600.0).contains(&seconds) => Ok(Duration::from_secs_f64(seconds)),
        _ => Err("seconds from 0.1 to 3600".into()),
    }
}

fn values_parser(text: &str) -> Result<Values, String> {
    if text == "-" {
        return Ok(Values::Stdin);
    }
    encrypt::parse_values(text)
        .map(|values| Values::Given(Zeroizing::new(values)))
        .map_err(|error| error.to_string())
}

/// Runs a parsed command line.
pub fn run(command: Command) -> Result<()> {
    match command {
        Command::Keygen {
            bits,
            out,
            format,
            force,
            protection,
        } => run_keygen(bits, &out, format, force, &protection),
        Command::Encrypt {
            key,
            passphrase_file,
            values,
            card,
            names,
            out,
            format,
        } => {
            let values = values.read()?;
            let card = card.as_deref().map(read_card).transpose()?;
            let query = match format {
                Format::Hecate => {
                    let key_file =
                        read_secret(&key, passphrase_file.as_deref(), hecate::Kind::PrivateKey)?;
                    encrypt::encrypt(&key_file, &values, card.as_ref(), names.as_deref())
                }
                Format::PheJson => {
                    refuse_passphrase_for_phe(passphrase_file.as_deref())?;
                    let key_file = files::read_secret(&key)?;
                    let keys = text(&key_file, &key)?;
                    encrypt::encrypt_phe(keys, &values, card.as_ref(), names.as_deref())
                        .map(|json| Zeroizing::new(json.into_bytes()))
                }
            }
            .map_err(|error| blame(error, &key))?;
            files::write(&out, &query, Access::Public)?;
            println!("wrote {} ({} features)", out.display(), values.len());
            Ok(())
        }
        Command::Train {
            csv,
            target,
            features,
            holdout,
            seed,
            key_sizes,
            ranges,
            out,
            force,
            protection,
        } => {
            let options = train::Options {
                target,
                features,
                holdout,
                seed,
                ranges,
            };
            run_train(&csv, &options, &key_sizes, &out, force, &protection)
        }
        Command::Predict {
            model,
            passphrase_file,
            query,
            out,
            format,
            allow_unprotected,
        } => {
            if format == Format::PheJson && !allow_unprotected {
                bail!("{}", predict::UNPROTECTED_REFUSAL);
            }
            let model_file = read_secret(&model, passphrase_file.as_deref(), hecate::Kind::Model)?;
            let model =
                Model::from_bytes(&model_file).with_context(|| model.display().to_string())?;
            run_predict(&model, &query, &out, format)
        }
        Command::Decrypt {
            key,
            passphrase_file,
            answer,
            json,
            format: Format::PheJson,
        } => {
            refuse_passphrase_for_phe(passphrase_file.as_deref())?;
            let (key_file, answer_file) = (files::read_secret(&key)?, files::read(&answer)?);
            let value = decrypt::decrypt_phe(text(&key_file, &key)?, text(&answer_file, &answer)?)
                .with_context(|| answer.display().to_string())?;
            if json {
                println!("{}", serde_json::json!({ "value": value }));
            } else {
                println!("{value}");
            }
            Ok(())
        }
        Command::Decrypt {
            key,
            passphrase_file,
            answer,
            json,
            format: Format::Hecate,
        } => {
            let key_file = read_secret(&key, passphrase_file.as_deref(), hecate::Kind::PrivateKey)?;
            // A key file of the wrong kind is the key's fault, not the answer's.
            let kind = hecate_app::workflows::kind_of(&key_file)
                .with_context(|| key.display().to_string())?;
            if kind != hecate::Kind::PrivateKey {
                bail!("{}: expected a private key, found a {kind}", key.display());
            }
            let result = decrypt::decrypt(&key_file, &files::read(&answer)?)
                .with_context(|| answer.display().to_string())?;
            if json {
                let line = serde_json::json!({
                    "value": result.value,
                    "model": result.model.to_string(),
                    "key": result.fingerprint.to_string(),
                });
                println!("{line}");
            } else {
                println!("{}", result.value);
            }
            Ok(())
        }
        Command::Serve {
            model,
            passphrase_file,
            card,
            listen,
            tls_cert,
            tls_key,
            allow_plain_http,
            allow_unprotected,
            max_in_flight,
            max_connections,
            rate_per_address,
            rate_per_key,
            timeout,
        } => {
            let model_file = read_secret(&model, passphrase_file.as_deref(), hecate::Kind::Model)?;
            let card_path = card.unwrap_or_else(|| model.with_extension("card"));
            let card_file = files::read(&card_path).with_context(|| {
                "the model's card (train writes it beside the model; or --card)".to_owned()
            })?;
            let model =
                Model::from_bytes(&model_file).with_context(|| model.display().to_string())?;
            let company = Company::new(model, &card_file, allow_unprotected)
                .with_context(|| card_path.display().to_string())?;
            let tls = match (tls_cert, tls_key) {
                (Some(certificate), Some(key)) => Some(Tls::from_pem_files(&certificate, &key)?),
                _ => None,
            };
            let limits = Limits {
                max_in_flight,
                max_connections,
                per_address: rate_per_address,
                per_key: rate_per_key,
                timeout,
                ..Limits::default()
            };
            run_serve(company, limits, listen, tls, allow_plain_http)
        }
        Command::Ask {
            url,
            key,
            passphrase_file,
            values,
            timeout,
            ca_cert,
            json,
        } => {
            let values = values.read()?;
            let ca_cert = ca_cert.as_deref().map(files::read).transpose()?;
            let company = ask::Company::new(&url, timeout, ca_cert.as_deref())?;
            if ask::travels_in_the_clear(&url) {
                eprintln!(
                    "hecate: warning: plain HTTP to another machine: anyone on the way can replace \
                     the card or the answer (not read your values); use https://"
                );
            }
            let key_file = read_secret(&key, passphrase_file.as_deref(), hecate::Kind::PrivateKey)?;
            let pair = keygen::open(&key_file).with_context(|| key.display().to_string())?;
            let asked = ask::ask(&company, pair.key.as_ref(), &values)?;
            if json {
                let line = serde_json::json!({
                    "value": asked.prediction.value,
                    "model": asked.prediction.model.to_string(),
                    "key": asked.prediction.fingerprint.to_string(),
                    "target": asked.card.target(),
                });
                println!("{line}");
            } else {
                println!("{}", asked.prediction.value);
            }
            Ok(())
        }
        Command::Bench {
            bits,
            seconds,
            json,
        } => {
            let rates = bench::bench(bits, seconds)?;
            if json {
                println!("{}", serde_json::to_string(&rates)?);
            } else {
                println!(
                    "Paillier-{bits}, {} arithmetic, one operation at a time, operations per \
                     second (time per operation; the CRT halves on two cores when there are):",
                    rates.arithmetic
                );
                for (name, rate) in [
                    ("keygen", rates.keygen),
                    ("encrypt (public key)", rates.encrypt_public),
                    ("encrypt (CRT, key holder)", rates.encrypt_crt),
                    ("decrypt (CRT)", rates.decrypt),
                    ("re-randomize (public key)", rates.rerandomize_public),
                    ("re-randomize (CRT)", rates.rerandomize_crt),
                    ("add", rates.add),
                    ("multiply by a scalar", rates.mul_scalar),
                    ("predict, 4 features", rates.predict4),
                    ("predict, 100 features", rates.predict100),
                    ("prove key", rates.prove_key),
                    ("verify key proof", rates.verify_key_proof),
                    ("answers, 1 thread", rates.answers_1_thread),
                    ("answers, 2 threads", rates.answers_2_threads),
                    ("read private key", rates.read_private_key),
                    ("open sealed key", rates.open_sealed_key),
                ] {
                    println!("  {name:<26} {rate:>10.2} /s {:>10.3} ms", 1e3 / rate);
                }
            }
            Ok(())
        }
        Command::Inspect {
            file,
            passphrase_file,
        } => {
            let bytes = files::read_secret(&file)?;
            let passphrase = passphrase_file
                .as_deref()
                .map(read_passphrase_file)
                .transpose()?;
            let lines = inspect::inspect(&bytes, passphrase.as_ref())
                .with_context(|| file.display().to_string())?;
            for (field, value) in lines {
                println!("{field:<16} {value}");
            }
            Ok(())
        }
    }
}

/// Serves `company` until SIGTERM or Ctrl-C, logging to standard error; the address it listens
/// on goes to standard output first (with port 0, the one the system chose).
fn run_serve(
    company: Company,
    limits: Limits,
    listen: std::net::SocketAddr,
    tls: Option<Tls>,
    allow_plain_http: bool,
) -> Result<()> {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("HECATE_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    let runtime = service::runtime()?;
    runtime.block_on(async {
        let card = company.card().clone();
        let server = Server::bind(listen, company, limits, tls, allow_plain_http).await?;
        let scheme = if server.is_tls() { "https" } else { "http" };
        println!("listening on {scheme}://{}", server.local_addr()?);
        tracing::info!(
            model = %card.id(),
            target = card.target(),
            features = card.features().len(),
            "serving"
        );
        server.run(service::signalled()).await
    })
}

/// The passphrase on the first line of a passphrase file.
fn read_passphrase_file(path: &Path) -> Result<Passphrase> {
    Passphrase::from_file_bytes(&files::read_secret(path)?)
        .with_context(|| path.display().to_string())
}

/// Whether someone is at a terminal to ask: standard input or standard error is one (`--values -`
/// takes standard input, and the passphrase is read from the terminal itself, /dev/tty).
fn at_a_terminal() -> bool {
    std::io::stdin().is_terminal() || std::io::stderr().is_terminal()
}

/// python-paillier files have no passphrase: a `--passphrase-file` with them is a mistake.
fn refuse_passphrase_for_phe(passphrase_file: Option<&Path>) -> Result<()> {
    if passphrase_file.is_some() {
        bail!("python-paillier's files have no passphrase protection: drop --passphrase-file");
    }
    Ok(())
}

/// Asks for a passphrase on the terminal, without echo.
fn ask(prompt: &str) -> Result<Passphrase> {
    rpassword::prompt_password(prompt)
        .map(Passphrase::new)
        .context("cannot read the passphrase from the terminal")
}

/// The passphrase to seal a new key or model at `out` under, asked before any work is done;
/// `None` for a plain file.
fn new_passphrase(protection: &Protection, out: &Path) -> Result<Option<Passphrase>> {
    if protection.no_passphrase {
        return Ok(None);
    }
    let passphrase = if let Some(file) = &protection.passphrase_file {
        read_passphrase_file(file)?
    } else if at_a_terminal() {
        let first = ask(&format!("passphrase for {}: ", out.display()))?;
        if first.as_str() != ask("the same passphrase again: ")?.as_str() {
            bail!("the two passphrases differ; nothing was written");
        }
        first
    } else {
        bail!(
            "{}: no terminal to ask for a passphrase on: give --passphrase-file FILE, or \
             --no-passphrase to write the file unprotected",
            out.display()
        );
    };
    if passphrase.is_empty() {
        bail!(
            "an empty passphrase protects nothing: give --no-passphrase to write the file \
             unprotected"
        );
    }
    let strength = sealing::strength(passphrase.as_str());
    if !strength.is_strong() {
        eprintln!("warning: the passphrase is {}", strength.hint);
    }
    Ok(Some(passphrase))
}

/// A private key or model file's message, opened with its passphrase when it is sealed (from
/// `passphrase_file`, or asked on the terminal); a sealed file holding another kind than
/// `expected` is refused before the passphrase is asked for.
fn read_secret(
    path: &Path,
    passphrase_file: Option<&Path>,
    expected: hecate::Kind,
) -> Result<Zeroizing<Vec<u8>>> {
    let bytes = files::read_secret(path)?;
    if !sealing::is_sealed(&bytes) {
        if passphrase_file.is_some() && hecate::Kind::of(&bytes) == Ok(expected) {
            eprintln!(
                "warning: {} has no passphrase: anyone who copies it has the {expected}",
                path.display()
            );
        }
        return Ok(bytes);
    }
    let holds = hecate::Sealed::from_bytes(&bytes)
        .with_context(|| path.display().to_string())?
        .header
        .subject
        .kind();
    if holds != expected {
        bail!(
            "{}: expected a {expected}, found a passphrase-protected {holds}",
            path.display()
        );
    }
    let passphrase = match passphrase_file {
        Some(file) => read_passphrase_file(file)?,
        None if at_a_terminal() => ask(&format!("passphrase for {}: ", path.display()))?,
        None => bail!(
            "{}: protected by a passphrase, and no terminal to ask for it on: give \
             --passphrase-file FILE",
            path.display()
        ),
    };
    sealing::open(&bytes, &passphrase).with_context(|| path.display().to_string())
}

/// `message`, sealed under `passphrase` if there is one.
fn protect(
    message: Zeroizing<Vec<u8>>,
    passphrase: Option<&Passphrase>,
) -> Result<Zeroizing<Vec<u8>>> {
    match passphrase {
        Some(passphrase) => sealing::seal(&message, passphrase),
        None => Ok(message),
    }
}

fn read_card(path: &Path) -> Result<ModelCard> {
    ModelCard::from_bytes(&files::read(path)?).with_context(|| path.display().to_string())
}

/// An encryption error named by what it is about: `--values`, `--names`, or else the key file.
fn blame(error: anyhow::Error, key: &Path) -> anyhow::Error {
    match error.downcast_ref::<encrypt::InputError>().map(|e| e.input) {
        Some(encrypt::Input::Values) => error.context("--values"),
        Some(encrypt::Input::Names) => error.context("--names"),
        None => error.context(key.display().to_string()),
    }
}

/// A file's bytes as UTF-8 text (python-paillier's JSON).
fn text<'a>(bytes: &'a [u8], path: &Path) -> Result<&'a str> {
    if let Ok(kind) = hecate::Kind::of(bytes) {
        bail!(
            "{}: a Hecate {kind}, not python-paillier JSON: leave out --format phe-json",
            path.display()
        );
    }
    std::str::from_utf8(bytes).with_context(|| format!("{}: not UTF-8 text", path.display()))
}

/// Runs `work` with a spinner on stderr: prime search takes a moment.
fn with_spinner<T>(message: String, work: impl FnOnce() -> T) -> T {
    let spinner = indicatif::ProgressBar::new_spinner();
    spinner.set_message(message);
    spinner.enable_steady_tick(Duration::from_millis(80));
    let out = work();
    spinner.finish_and_clear();
    out
}

/// Refuses, before any work, to write a secret file (and its public companion) over existing files
/// unless `force`, and a companion that would be the secret file itself.
fn check_outputs(secret: &Path, public: Option<&Path>, what: &str, force: bool) -> Result<()> {
    files::check_folder(secret)?;
    if public == Some(secret) {
        bail!(
            "{}: the {what} and its public companion would be the same file; choose another --out",
            secret.display()
        );
    }
    if force {
        return Ok(());
    }
    for path in std::iter::once(secret).chain(public) {
        if path.exists() {
            bail!(
                "{}: exists; a {what} is never replaced unless told (--force)",
                path.display()
            );
        }
    }
    Ok(())
}

fn run_keygen(
    bits: u32,
    out: &Path,
    format: Format,
    force: bool,
    protection: &Protection,
) -> Result<()> {
    let searching = format!("searching for two {}-bit primes", bits / 2);
    let public = out.with_extension("pub");
    let companion = (format == Format::Hecate).then_some(public.as_path());
    check_outputs(out, companion, "key", force)?;
    if format == Format::PheJson {
        if protection.passphrase_file.is_some() {
            bail!(
                "python-paillier's custkeys.json has no passphrase protection: drop \
                 --passphrase-file, or write a Hecate key"
            );
        }
        let keys = with_spinner(searching, || keygen::generate_phe(bits))?;
        files::write_secret(out, keys.as_bytes(), force)?;
        println!(
            "wrote {} (python-paillier custkeys.json: private and, in this format, without a \
             passphrase: keep it safe)",
            out.display()
        );
        return Ok(());
    }
    let passphrase = new_passphrase(protection, out)?;
    // The command line's search ends with the process: nothing cancels it.
    let never = AtomicBool::new(false);
    let pair = with_spinner(searching, || keygen::generate(bits, &never))?;
    let private = protect(pair.private, passphrase.as_ref())?;
    files::write_pair(out, &private, &public, &pair.public, force)?;
    println!(
        "wrote {} (private, {}; keep it) and {} (public)",
        out.display(),
        if passphrase.is_some() {
            "passphrase-protected"
        } else {
            "without a passphrase"
        },
        public.display()
    );
    println!("fingerprint {:.16}", pair.fingerprint);
    Ok(())
}

fn run_train(
    csv: &Path,
    options: &train::Options,
    key_sizes: &[u32],
    out: &Path,
    force: bool,
    protection: &Protection,
) -> Result<()> {
    let card_path = out.with_extension("card");
    check_outputs(out, Some(&card_path), "model", force)?;
    let passphrase = new_passphrase(protection, out)?;
    let trained =
        train::train(&files::read(csv)?, options).with_context(|| csv.display().to_string())?;
    println!("{} = {:+}", options.target, *trained.intercept);
    for (name, weight) in trained.features.iter().zip(trained.weights.iter()) {
        println!("    {weight:+} · {name}");
    }
    println!("training: {}", describe(&trained.training));
    if let Some(fit) = trained.holdout {
        println!("hold-out: {}", describe(&fit));
    }
    if trained.quantization.max_absolute_error > 0.0 {
        println!(
            "quantization error of the weights: at most {:e}",
            trained.quantization.max_absolute_error
        );
    }
    for (name, spec) in trained.features.iter().zip(trained.model.specs()) {
        let (low, high) = spec.range();
        println!(
            "    {name}: declared range {low}..{high}, encoded at 16^{}",
            spec.exponent()
        );
    }
    let card = trained.model.card(key_sizes)?;
    println!(
        "answers are masked modulo 2^{}: each reveals at most {} bits of the model",
        card.mask_bits(),
        card.mask_bits()
    );
    let model = protect(
        hecate_app::workflows::encode(|buffer| trained.model.to_bytes(buffer))?,
        passphrase.as_ref(),
    )?;
    let card = hecate_app::workflows::encode(|buffer| card.to_bytes(buffer))?;
    files::write_pair(out, &model, &card_path, &card, force)?;
    println!(
        "wrote {} (secret, {}) and {} (publish it)",
        out.display(),
        if passphrase.is_some() {
            "passphrase-protected"
        } else {
            "without a passphrase"
        },
        card_path.display()
    );
    Ok(())
}

/// `R² 0.8751, RMSE 178.1146 (192 rows)`, with "n/a" for an undefined R².
fn describe(fit: &train::Fit) -> String {
    let r2 = if fit.r2.is_finite() {
        format!("{:.4}", fit.r2)
    } else {
        "n/a".into()
    };
    format!("R² {r2}, RMSE {:.4} ({} rows)", fit.rmse, fit.rows)
}

fn run_predict(model: &Model, queries: &[PathBuf], out: &Path, format: Format) -> Result<()> {
    let mut paths = Vec::new();
    for query in queries {
        if query.is_dir() {
            let mut found: Vec<PathBuf> = std::fs::read_dir(query)
                .with_context(|| format!("{}: cannot list", query.display()))?
                .filter_map(|entry| entry.ok().map(|e| e.path()))
                .filter(|path| {
                    path.extension()
                        .is_some_and(|e| e == format.query_extension())
                })
                .collect();
            found.sort();
            paths.extend(found);
        } else {
            paths.push(query.clone());
        }
    }
    if paths.is_empty() {
        bail!("no query files (*.{}) found", format.query_extension());
    }
    let single = paths.len() == 1 && !out.is_dir();
    if !single && !out.is_dir() {
        bail!(
            "{}: not a folder; with {} queries, --out names the folder their answers go to",
            out.display(),
            paths.len()
        );
    }
    if single {
        files::check_folder(out)?;
    }
    // Where each answer goes, decided before any work: no answer may overwrite a query or another.
    let targets: Vec<PathBuf> = paths
        .iter()
        .map(|query| {
            if single {
                out.to_path_buf()
            } else {
                out.join(query.file_stem().unwrap_or_default())
                    .with_extension(format.answer_extension())
            }
        })
        .collect();
    let mut seen = std::collections::HashSet::new();
    for target in &targets {
        if paths.contains(target) || !seen.insert(target) {
            bail!(
                "{}: two answers, or an answer and a query, would be the same file; choose another --out",
                target.display()
            );
        }
    }
    let keys = predict::VerifiedKeys::default();
    let results: Vec<Result<PathBuf>> = paths
        .par_iter()
        .zip(&targets)
        .map(|(query, target)| {
            let query_file = files::read(query)?;
            let answer = match format {
                Format::Hecate => predict::predict(model, &query_file, &keys),
                Format::PheJson => predict::predict_phe(model, text(&query_file, query)?, true)
                    .map(|json| Zeroizing::new(json.into_bytes())),
            }
            .with_context(|| query.display().to_string())?;
            let target = target.clone();
            files::write(&target, &answer, Access::Public)?;
            Ok(target)
        })
        .collect();
    if let [only] = results.as_slice() {
        // One query: its error is the one line to show.
        let target = only
            .as_ref()
            .map_err(|error| anyhow::anyhow!("{error:#}"))?;
        println!("wrote {}", target.display());
        return Ok(());
    }
    let mut failed = 0;
    for result in results {
        match result {
            Ok(target) => println!("wrote {}", target.display()),
            Err(error) => {
                eprintln!("hecate: {error:#}");
                failed += 1;
            }
        }
    }
    if failed > 0 {
        bail!("{failed} of {} queries failed", paths.len());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_does_not_show_the_values() {
        let values = values_parser("36.25, 7, 5, 1");
        assert_eq!(format!("{values:?}"), "Ok(Values(4 values, redacted))");
        assert_eq!(
            format!("{:?}", values_parser("-")),
            "Ok(Values(standard input))"
        );
    }
}
