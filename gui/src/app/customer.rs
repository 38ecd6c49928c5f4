//! The customer's side as state, without egui: a key, a model card, feature values, a query and
//! the decrypted answer. Everything slow runs on a worker; the views only draw what is here.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use hecate::{ModelCard, answer_addressee};
use zeroize::Zeroizing;

use super::task::Job;
use super::{Saved, features};
use crate::files::{self, Access};
use crate::sealing;
use crate::workflows::ask;
use crate::workflows::decrypt::{AnswerKey, Decrypted};
use crate::workflows::inspect;
use crate::workflows::keygen::{self, KeyPair};

/// How long asking a company's service may take, each exchange (the card, then the answer: a
/// busy service queues a prediction for a few seconds at most before it says 503).
pub const ASK_TIMEOUT: Duration = Duration::from_secs(30);

/// The company's service asked unless the settings say otherwise: `hecate serve`'s own address.
pub const DEFAULT_URL: &str = "http://127.0.0.1:8080";

/// The key sizes the customer can choose.
pub const KEY_SIZES: [u32; 3] = [2048, 3072, 4096];

/// The key size chosen unless the settings say otherwise.
pub const DEFAULT_BITS: u32 = 3072;

/// Characters a feature input takes: more than any number needs, and the input's buffer is
/// allocated once at this size, so that typing never moves it and leaves a copy unwiped in freed
/// memory (egui's text entry makes copies of its own, which are not under our control).
pub const INPUT_LEN: usize = 64;

/// `2048, 3072 or 4096` for a list of key sizes.
pub fn sizes(bits: &[u32]) -> String {
    let names: Vec<String> = bits.iter().map(u32::to_string).collect();
    match names.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        _ => names.concat(),
    }
}

/// Encrypts `values` under the customer's `key` for `card` (through the CRT, the key holder's
/// faster path): the query and its ciphertexts shortened for display. The walkthrough and the
/// customer's view both use it.
pub fn make_query(key: &dyn AnswerKey, values: &[f64], card: &ModelCard) -> Result<Query> {
    let bytes = key.encrypt_query(values, card)?.to_vec();
    let previews = inspect::ciphertexts(&bytes)?;
    Ok(Query {
        bytes,
        previews,
        saved: None,
    })
}

/// A query made from the customer's values.
#[derive(Clone, Debug)]
pub struct Query {
    /// The query message.
    pub bytes: Vec<u8>,
    /// Its ciphertexts, shortened: all the company will see of the values.
    pub previews: Vec<String>,
    /// Where it was saved, once it was.
    pub saved: Option<PathBuf>,
}

/// A model card the customer opened.
#[derive(Clone, Debug)]
pub struct Card {
    /// The card.
    pub card: ModelCard,
    /// The file or service it came from.
    pub name: String,
    /// The service it was fetched from, which can then be asked; `None` for a card from a file.
    pub url: Option<String>,
}

/// The customer.
pub struct Customer {
    /// Bits of the next key to generate: those of the key in use, once there is one.
    pub bits: u32,
    /// The key pair.
    pub key: Option<KeyPair>,
    /// Where the key is saved; `None` while it lives only in memory.
    pub key_file: Option<PathBuf>,
    /// The company's model card.
    pub card: Option<Card>,
    /// What the customer typed for each of the card's features (secret: wiped when dropped).
    pub inputs: Vec<Zeroizing<String>>,
    /// The query made from the inputs.
    pub query: Option<Query>,
    /// The last answer's decrypted prediction.
    pub prediction: Option<Decrypted>,
    /// The company's service, as typed.
    pub company_url: String,
    key_job: Option<(Job<KeyPair>, Instant, KeyWork)>,
    encrypting: Option<Job<Query>>,
    decrypting: Option<Job<Decrypted>>,
    /// The card being fetched from a service, since when.
    fetching: Option<(Job<Card>, Instant)>,
    /// A service being asked (the query made and sent, its answer read), since when.
    asking: Option<(Job<(Query, Decrypted)>, Instant)>,
    /// An answer that arrived while its key was being opened (both dropped at once).
    waiting_answer: Option<(Vec<u8>, String)>,
}

impl std::fmt::Debug for Customer {
    /// Without the inputs and the prediction: they are the customer's secrets.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Customer")
            .field("bits", &self.bits)
            .field("key", &self.key)
            .field("card", &self.card)
            .field("busy", &self.busy())
            .finish_non_exhaustive()
    }
}

/// What the key worker does: both take long enough (seconds to find 4096-bit primes, most of a
/// second to check them) that the window must not wait for them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeyWork {
    /// Generates a key of this many bits.
    Generate(u32),
    /// Opens and checks the key in this file.
    Open(PathBuf),
}

/// What a query is made from: the key, the card and the values parsed from the inputs.
struct Ready {
    key: Arc<dyn AnswerKey>,
    card: ModelCard,
    values: Zeroizing<Vec<f64>>,
}

/// What finished on a worker, for the app to announce.
#[derive(Debug)]
pub enum Finished {
    /// A key was generated, in this many seconds.
    Generated(f64),
    /// The key in this file was opened.
    Opened(PathBuf),
    /// The query is ready.
    Query,
    /// The answer was decrypted.
    Decrypted(Decrypted),
    /// The card was fetched from this service.
    Fetched(String),
    /// The service answered, and its answer was decrypted.
    Asked(Decrypted),
    /// The work failed.
    Failed(anyhow::Error),
}

impl Customer {
    /// A customer with no key yet, generating `bits`-bit keys, who would ask the service at
    /// `company_url`.
    pub fn new(bits: u32, company_url: &str) -> Self {
        Self {
            bits: if KEY_SIZES.contains(&bits) {
                bits
            } else {
                DEFAULT_BITS
            },
            key: None,
            key_file: None,
            card: None,
            inputs: Vec::new(),
            query: None,
            prediction: None,
            company_url: company_url.to_owned(),
            key_job: None,
            encrypting: None,
            decrypting: None,
            fetching: None,
            asking: None,
            waiting_answer: None,
        }
    }

    /// What the key worker is doing and since when, if anything.
    pub fn key_work(&self) -> Option<(&KeyWork, Instant)> {
        self.key_job
            .as_ref()
            .map(|(_, started, work)| (work, *started))
    }

    /// Whether an answer is being decrypted.
    pub fn decrypting(&self) -> bool {
        self.decrypting.is_some()
    }

    /// Whether a query is being encrypted.
    pub fn encrypting(&self) -> bool {
        self.encrypting.is_some()
    }

    /// Since when a card is being fetched from a service, if one is.
    pub fn fetching_since(&self) -> Option<Instant> {
        self.fetching.as_ref().map(|(_, started)| *started)
    }

    /// Since when a service is being asked, if one is.
    pub fn asking_since(&self) -> Option<Instant> {
        self.asking.as_ref().map(|(_, started)| *started)
    }

    /// Starts generating a key of the chosen size in the background.
    pub fn generate_key(&mut self) {
        let bits = self.bits;
        self.key_job = Some((
            Job::spawn_stoppable(move |abandoned| keygen::generate(bits, abandoned)),
            Instant::now(),
            KeyWork::Generate(bits),
        ));
    }

    /// Stops the key being generated: dropping the job stops the prime search at its next
    /// candidate.
    pub fn cancel_keygen(&mut self) {
        self.key_job = None;
    }

    /// Starts opening the private key message `bytes` from `path`, in the background.
    pub fn open_key(&mut self, bytes: Zeroizing<Vec<u8>>, path: &Path) {
        let name = path.display().to_string();
        self.key_job = Some((
            Job::spawn(move || keygen::open(&bytes).context(name)),
            Instant::now(),
            KeyWork::Open(path.to_path_buf()),
        ));
    }

    fn set_key(&mut self, pair: KeyPair, file: Option<PathBuf>) {
        // A new key makes the old query and prediction someone else's, and so the results of
        // work still running for them: dropping a job discards its result.
        self.query = None;
        self.prediction = None;
        self.encrypting = None;
        self.decrypting = None;
        self.asking = None;
        // The size shown for the next key follows the key in use, which it would contradict.
        if KEY_SIZES.contains(&pair.bits) {
            self.bits = pair.bits;
        }
        self.key = Some(pair);
        self.key_file = file;
    }

    /// Whether the key lives only in memory (generated here and not saved yet): replacing it, or
    /// closing the window, would lose it.
    pub fn unsaved_key(&self) -> bool {
        self.key.is_some() && self.key_file.is_none()
    }

    /// The files at `path` and its `.pub` that hold something else than this key (another key?):
    /// saving there would lose it.
    pub fn key_in_the_way(&self, path: &Path) -> Result<Vec<PathBuf>> {
        let pair = self.key.as_ref().context("no key to save")?;
        let public = path.with_extension("pub");
        Ok(files::in_the_way(&[
            (path, &pair.private),
            (&public, &pair.public),
        ]))
    }

    /// Saves the key to `path` (owner only), as `sealed` (the key sealed under a passphrase) or
    /// plain, and its public key beside it as `.pub`; returns the public key's path. Unless
    /// `replace`, files there that hold something else (another key?) are left alone and named
    /// instead: a save dialog does not always ask (a path typed in, no portal), and another key
    /// lost is lost for good.
    pub fn save_key(
        &mut self,
        path: &Path,
        replace: bool,
        sealed: Option<&[u8]>,
    ) -> Result<Saved<PathBuf>> {
        let pair = self.key.as_ref().context("no key to save")?;
        // Sealed on a worker while the user could go on: another key may have come meanwhile,
        // and its `.pub` beside this seal would mark it saved.
        if let Some(sealed) = sealed
            && !sealing::holds(sealed, &pair.private)
        {
            bail!("the key changed while it was being sealed; save it again");
        }
        if !replace {
            let others = self.key_in_the_way(path)?;
            if !others.is_empty() {
                return Ok(Saved::InTheWay(others));
            }
        }
        let public = path.with_extension("pub");
        // Past the check, a file there holds this very key (saved again) or may go.
        let replace = replace || files::exists(path) || files::exists(&public);
        let private = sealed.unwrap_or(&pair.private);
        files::write_pair(path, private, &public, &pair.public, replace)?;
        self.key_file = Some(path.to_path_buf());
        Ok(Saved::Written(public))
    }

    /// Uses the model card message `bytes` from the file `name`; the inputs start empty.
    pub fn open_card(&mut self, bytes: &[u8], name: &str) -> Result<()> {
        let card = ModelCard::from_bytes(bytes).with_context(|| name.to_owned())?;
        self.use_card(Card {
            card,
            name: name.to_owned(),
            url: None,
        });
        Ok(())
    }

    fn use_card(&mut self, card: Card) {
        self.inputs = card
            .card
            .features()
            .iter()
            .map(|_| Zeroizing::new(String::with_capacity(INPUT_LEN)))
            .collect();
        self.card = Some(card);
        // The query and prediction were for the old card's model.
        self.query = None;
        self.prediction = None;
        self.encrypting = None;
        self.asking = None;
    }

    /// Starts fetching the model card of the service at [`Self::company_url`], in the
    /// background.
    pub fn fetch_card(&mut self) -> Result<()> {
        let url = self.company_url.trim().to_owned();
        let company = ask::Company::new(&url, ASK_TIMEOUT, None)?;
        self.fetching = Some((
            Job::spawn(move || {
                Ok(Card {
                    card: company.card()?,
                    name: url.clone(),
                    url: Some(url),
                })
            }),
            Instant::now(),
        ));
        Ok(())
    }

    /// Stops fetching a card or asking a service: the exchange ends on its own (within
    /// [`ASK_TIMEOUT`]), and what it brings goes nowhere.
    pub fn cancel_talking(&mut self) {
        self.fetching = None;
        self.asking = None;
    }

    /// Each input's problem, if it has one, in the card's order.
    pub fn input_problems(&self) -> Vec<Option<String>> {
        let Some(card) = &self.card else {
            return Vec::new();
        };
        card.card
            .features()
            .iter()
            .zip(card.card.specs())
            .zip(&self.inputs)
            .map(|((name, spec), text)| features::parse(name.as_str(), text, spec.range()).err())
            .collect()
    }

    /// Why a query cannot be made now, if it cannot.
    pub fn encrypt_blocker(&self) -> Option<String> {
        let Some(key) = &self.key else {
            return Some("generate or open a key first".to_owned());
        };
        let Some(card) = &self.card else {
            return Some("open the company's model card first".to_owned());
        };
        if !card.card.key_sizes().contains(&key.bits) {
            return Some(format!(
                "the model accepts keys of {} bits, this key has {}",
                sizes(card.card.key_sizes()),
                key.bits
            ));
        }
        self.input_problems().into_iter().flatten().next()
    }

    /// Starts encrypting the inputs into a query, in the background.
    pub fn encrypt(&mut self) -> Result<()> {
        let Ready { key, card, values } = self.ready()?;
        self.query = None;
        self.prediction = None;
        self.encrypting = Some(Job::spawn(move || make_query(&*key, &values, &card)));
        Ok(())
    }

    /// Starts asking the service the card came from: the inputs encrypted into a query, sent,
    /// and its answer checked and decrypted, in the background.
    pub fn ask_company(&mut self) -> Result<()> {
        let url = self
            .card
            .as_ref()
            .and_then(|card| card.url.clone())
            .context("fetch the card from the company's service first")?;
        let company = ask::Company::new(&url, ASK_TIMEOUT, None)?;
        let Ready { key, card, values } = self.ready()?;
        self.query = None;
        self.prediction = None;
        self.asking = Some((
            Job::spawn(move || {
                let query = make_query(&*key, &values, &card)?;
                let answer = company.predict(&query.bytes)?;
                let prediction = ask::read_answer(&*key, &answer, &card)?;
                Ok((query, prediction))
            }),
            Instant::now(),
        ));
        Ok(())
    }

    /// What a query is made from, when one can be.
    fn ready(&self) -> Result<Ready> {
        let (None, Some(key), Some(card)) = (self.encrypt_blocker(), &self.key, &self.card) else {
            bail!(
                "cannot encrypt yet: {}",
                self.encrypt_blocker().unwrap_or_default()
            );
        };
        let values = card
            .card
            .features()
            .iter()
            .zip(card.card.specs())
            .zip(&self.inputs)
            .map(|((name, spec), text)| {
                features::parse(name.as_str(), text, spec.range()).map_err(anyhow::Error::msg)
            })
            .collect::<Result<Vec<f64>>>()
            .map(Zeroizing::new)?;
        Ok(Ready {
            key: Arc::clone(&key.key),
            card: card.card.clone(),
            values,
        })
    }

    /// Saves the query to `path`.
    pub fn save_query(&mut self, path: &Path) -> Result<()> {
        let query = self.query.as_mut().context("no query to save")?;
        files::write(path, &query.bytes, Access::Public)?;
        query.saved = Some(path.to_path_buf());
        Ok(())
    }

    /// Starts decrypting the answer message `bytes` from the file `name` with the key, in the
    /// background; refuses at once an answer for another key (with both fingerprints, so the
    /// customer sees which key it was for).
    pub fn open_answer(&mut self, bytes: Vec<u8>, name: &str) -> Result<()> {
        if let Some((KeyWork::Open(_), _)) = self.key_work() {
            // Its key is on its way (dropped together): open the answer once the key is in.
            self.waiting_answer = Some((bytes, name.to_owned()));
            return Ok(());
        }
        let key = self.key.as_ref().context(
            "open your key first: an answer can only be read with the key its query was made with",
        )?;
        let (addressee, _) = answer_addressee(&bytes).with_context(|| name.to_owned())?;
        if addressee != key.fingerprint {
            bail!(
                "{name} is for another key ({addressee:.16}), not for this one ({:.16}): it \
                 cannot be decrypted here",
                key.fingerprint
            );
        }
        let key = Arc::clone(&key.key);
        let name = name.to_owned();
        self.decrypting = Some(Job::spawn(move || {
            key.decrypt_answer_file(&bytes).context(name)
        }));
        Ok(())
    }

    /// Collects finished work; returns what finished, if anything did.
    pub fn poll(&mut self) -> Option<Finished> {
        if let Some((job, started, work)) = &self.key_job
            && let Some(result) = job.poll()
        {
            let seconds = started.elapsed().as_secs_f64();
            let work = work.clone();
            self.key_job = None;
            return Some(match (result, work) {
                (Ok(pair), KeyWork::Generate(_)) => {
                    self.set_key(pair, None);
                    Finished::Generated(seconds)
                }
                (Ok(pair), KeyWork::Open(path)) => {
                    self.set_key(pair, Some(path.clone()));
                    match self.waiting_answer.take() {
                        Some((bytes, name)) => match self.open_answer(bytes, &name) {
                            Ok(()) => Finished::Opened(path),
                            Err(error) => Finished::Failed(error),
                        },
                        None => Finished::Opened(path),
                    }
                }
                (Err(error), _) => {
                    self.waiting_answer = None;
                    Finished::Failed(error)
                }
            });
        }
        if let Some(job) = &self.decrypting
            && let Some(result) = job.poll()
        {
            self.decrypting = None;
            return Some(match result {
                Ok(prediction) => {
                    self.prediction = Some(prediction);
                    Finished::Decrypted(prediction)
                }
                Err(error) => Finished::Failed(error),
            });
        }
        if let Some((job, _)) = &self.fetching
            && let Some(result) = job.poll()
        {
            self.fetching = None;
            return Some(match result {
                Ok(card) => {
                    let url = card.name.clone();
                    self.use_card(card);
                    Finished::Fetched(url)
                }
                Err(error) => Finished::Failed(error),
            });
        }
        if let Some((job, _)) = &self.asking
            && let Some(result) = job.poll()
        {
            self.asking = None;
            return Some(match result {
                Ok((query, prediction)) => {
                    self.query = Some(query);
                    self.prediction = Some(prediction);
                    Finished::Asked(prediction)
                }
                Err(error) => Finished::Failed(error),
            });
        }
        if let Some(job) = &self.encrypting
            && let Some(result) = job.poll()
        {
            self.encrypting = None;
            return Some(match result {
                Ok(query) => {
                    self.query = Some(query);
                    Finished::Query
                }
                Err(error) => Finished::Failed(error),
            });
        }
        None
    }

    /// Whether work is running in the background.
    pub fn busy(&self) -> bool {
        self.key_job.is_some()
            || self.encrypting.is_some()
            || self.decrypting.is_some()
            || self.fetching.is_some()
            || self.asking.is_some()
    }
}
