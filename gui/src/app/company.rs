//! The company's side as state, without egui: training data, the model it serves, the queries it
//! received and the answers it computed, and a log of what it served. It never holds a plaintext
//! of the customer's: queries in, ciphertexts out.

use std::path::{Path, PathBuf};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result, bail};
use hecate::{Fingerprint, Model, ModelId};
use zeroize::Zeroizing;

use super::Saved;
use super::customer::KEY_SIZES;
use super::task::{Job, Stream};
use crate::files::{self, Access};
use crate::sealing;
use crate::workflows::encode;
use crate::workflows::predict::{self, QueryInfo};
use crate::workflows::train::{self, Trained};

/// The bundled sample data, the default training set.
pub const SAMPLE: &[u8] = include_bytes!("../../../data/employees.csv");

/// The name the sample goes by in the app.
pub const SAMPLE_NAME: &str = "the bundled sample (employees.csv)";

/// Where a query stands.
#[derive(Clone, Debug, PartialEq)]
pub enum Status {
    /// Being checked.
    Checking,
    /// It cannot be answered, why, and what it says of its key if it decodes.
    Invalid(String, Option<QueryInfo>),
    /// Valid and waiting to be answered.
    Ready(QueryInfo),
    /// Being answered.
    Answering(QueryInfo),
    /// Answered: the answer message, and how long it took.
    Answered {
        /// The query's key and size.
        info: QueryInfo,
        /// The answer message.
        answer: Vec<u8>,
        /// Seconds the computation took.
        seconds: f64,
    },
    /// Its answer is saved.
    Saved {
        /// The query's key and size.
        info: QueryInfo,
        /// The answer message, still at hand to give the Customer view.
        answer: Vec<u8>,
        /// Where it is saved.
        path: PathBuf,
    },
}

impl Status {
    /// The query's key and size, once it is decoded.
    pub fn info(&self) -> Option<&QueryInfo> {
        match self {
            Self::Checking | Self::Invalid(_, None) => None,
            Self::Invalid(_, Some(info))
            | Self::Ready(info)
            | Self::Answering(info)
            | Self::Answered { info, .. }
            | Self::Saved { info, .. } => Some(info),
        }
    }

    /// The answer message, once there is one.
    pub fn answer(&self) -> Option<&[u8]> {
        match self {
            Self::Answered { answer, .. } | Self::Saved { answer, .. } => Some(answer),
            _ => None,
        }
    }
}

/// A query the company received.
#[derive(Clone, Debug)]
pub struct Incoming {
    /// Its file name, to tell it by.
    pub name: String,
    /// Its file, when it came from one.
    pub path: Option<PathBuf>,
    /// Where it stands.
    pub status: Status,
    bytes: Vec<u8>,
}

/// One served query, for the log: no plaintext, since the company never had one.
#[derive(Clone, Debug, PartialEq)]
pub struct Served {
    /// When it was answered (UTC, hours:minutes:seconds).
    pub at: String,
    /// The customer's key.
    pub fingerprint: Fingerprint,
    /// The model that answered.
    pub model: ModelId,
    /// Seconds the computation took.
    pub seconds: f64,
}

/// What finished on a worker, for the app to announce.
#[derive(Debug)]
pub enum Finished {
    /// A model was trained.
    Trained,
    /// The queries that were ready have been answered: this many of so many.
    Answered {
        /// Answered successfully.
        answered: usize,
        /// Queries in the batch.
        total: usize,
    },
    /// The work failed.
    Failed(anyhow::Error),
}

type Answered = (usize, Result<(Vec<u8>, f64)>);

/// The company.
#[derive(Debug)]
pub struct Company {
    /// The training data's name.
    pub data_name: String,
    /// Its columns.
    pub columns: Vec<String>,
    /// The column to predict.
    pub target: String,
    /// The share of rows held out to measure the model.
    pub holdout: f64,
    /// The last model trained, with its report, and the name of the data it was trained on
    /// (other data may be open since).
    pub trained: Option<(Trained, String)>,
    /// A model opened from a file instead, and the file's name.
    pub opened: Option<(Model, String)>,
    /// Whether the model served is in a file (opened from one, or saved).
    pub model_saved: bool,
    /// The queries received.
    pub queries: Vec<Incoming>,
    /// Served queries, oldest first.
    pub log: Vec<Served>,
    data: Vec<u8>,
    /// The training running, and the name of its data.
    training: Option<(Job<Trained>, String)>,
    answering: Option<Batch>,
    checking: Option<Check>,
    /// Keys whose proofs verified, shared by the checks and the answers.
    keys: std::sync::Arc<predict::VerifiedKeys>,
}

/// Queries being checked.
#[derive(Debug)]
struct Check {
    job: Job<Vec<(usize, Status)>>,
    /// Whether the model changed since: the results are thrown away and the check redone.
    stale: bool,
}

/// Queries being answered.
#[derive(Debug)]
struct Batch {
    stream: Stream<Answered>,
    /// The model answering them (the company may train another meanwhile).
    model: ModelId,
    done: usize,
    answered: usize,
    total: usize,
}

impl Company {
    /// A company with the bundled sample as training data, predicting `target` when the sample
    /// has such a column.
    pub fn new(target: &str, holdout: f64) -> Self {
        let mut company = Self {
            data_name: String::new(),
            columns: Vec::new(),
            target: target.to_owned(),
            holdout,
            trained: None,
            opened: None,
            model_saved: false,
            queries: Vec::new(),
            log: Vec::new(),
            data: Vec::new(),
            training: None,
            answering: None,
            checking: None,
            keys: std::sync::Arc::default(),
        };
        // The sample is part of the binary and has a header: this cannot fail, but a failure
        // would only leave the column list empty.
        let _ = company.use_data(SAMPLE.to_vec(), SAMPLE_NAME);
        company
    }

    /// Trains on the CSV `bytes` (from the file `name`) from now on.
    pub fn use_data(&mut self, bytes: Vec<u8>, name: &str) -> Result<()> {
        let columns = train::columns(&bytes).with_context(|| name.to_owned())?;
        if !columns.contains(&self.target) {
            self.target = columns.last().cloned().unwrap_or_default();
        }
        self.columns = columns;
        self.data = bytes;
        self.data_name = name.to_owned();
        Ok(())
    }

    /// The model being served, if any.
    pub fn model(&self) -> Option<&Model> {
        match (&self.trained, &self.opened) {
            (_, Some((model, _))) => Some(model),
            (Some((trained, _)), None) => Some(&trained.model),
            (None, None) => None,
        }
    }

    /// Whether a model is being trained.
    pub fn training(&self) -> bool {
        self.training.is_some()
    }

    /// Answered and total queries of the batch being answered, if one is.
    pub fn progress(&self) -> Option<(usize, usize)> {
        self.answering
            .as_ref()
            .map(|batch| (batch.done, batch.total))
    }

    /// Whether work is running in the background.
    pub fn busy(&self) -> bool {
        self.training.is_some() || self.answering.is_some() || self.checking.is_some()
    }

    /// Starts training on the data, in the background.
    pub fn train(&mut self) {
        let data = self.data.clone();
        let options = train::Options {
            target: self.target.clone(),
            features: None,
            holdout: (self.holdout > 0.0).then_some(self.holdout),
            seed: 0,
            ranges: Vec::new(),
        };
        self.training = Some((
            Job::spawn(move || train::train(&data, &options)),
            self.data_name.clone(),
        ));
    }

    /// Serves the model message `bytes` from the file `name` from now on.
    pub fn open_model(&mut self, bytes: &[u8], name: &str) -> Result<()> {
        let model = Model::from_bytes(bytes).with_context(|| name.to_owned())?;
        self.opened = Some((model, name.to_owned()));
        self.model_saved = true;
        self.trained = None;
        self.revalidate();
        Ok(())
    }

    /// Whether the model served lives only in memory (trained here and not saved yet): replacing
    /// it, or closing the window, would lose it.
    pub fn unsaved_model(&self) -> bool {
        self.model().is_some() && !self.model_saved
    }

    /// The model's message (secret: wiped when dropped).
    pub fn model_message(&self) -> Result<Zeroizing<Vec<u8>>> {
        let model = self.model().context("no model to save: train one first")?;
        encode(|out| model.to_bytes(out))
    }

    /// The file at `path` if it holds something else than this model (another model?): saving
    /// there would lose it.
    pub fn model_in_the_way(&self, path: &Path) -> Result<Vec<PathBuf>> {
        Ok(files::in_the_way(&[(path, &self.model_message()?)]))
    }

    /// Saves the model (secret: owner only) to `path`, as `sealed` (the model sealed under a
    /// passphrase) or plain; unless `replace`, a file there that holds something else (another
    /// model?) is left alone and named instead.
    pub fn save_model(
        &mut self,
        path: &Path,
        replace: bool,
        sealed: Option<&[u8]>,
    ) -> Result<Saved<()>> {
        let message = self.model_message()?;
        // Sealed on a worker while training could go on: saved, another model would pass for
        // saved.
        if let Some(sealed) = sealed
            && !sealing::holds(sealed, &message)
        {
            bail!("the model changed while it was being sealed; save it again");
        }
        if !replace {
            let others = self.model_in_the_way(path)?;
            if !others.is_empty() {
                return Ok(Saved::InTheWay(others));
            }
        }
        // Past the check, a file there holds this very model (saved again) or may go.
        files::write_secret(
            path,
            sealed.unwrap_or(&message),
            replace || files::exists(path),
        )?;
        self.model_saved = true;
        Ok(Saved::Written(()))
    }

    /// The model's card message, for customers: what [`Self::publish_card`] saves.
    pub fn card_message(&self) -> Result<Vec<u8>> {
        let model = self.model().context("no model yet: train one first")?;
        let card = model.card(&KEY_SIZES)?;
        Ok(encode(|out| card.to_bytes(out))?.to_vec())
    }

    /// Saves the model's card, for customers, to `path`.
    pub fn publish_card(&self, path: &Path) -> Result<()> {
        files::write(path, &self.card_message()?, Access::Public)
    }

    /// Adds the query message `bytes` from the file `name`, validated against the model.
    pub fn add_query(&mut self, bytes: Vec<u8>, name: &str, path: Option<PathBuf>) {
        self.queries.push(Incoming {
            name: name.to_owned(),
            path,
            status: Status::Checking,
            bytes,
        });
        self.check_waiting();
    }

    /// Checks the queries marked [`Status::Checking`] on a worker (a few milliseconds each for
    /// big keys: a batch of them would stall the window), unless a check is running: its end
    /// starts the next.
    fn check_waiting(&mut self) {
        if self.checking.is_some() {
            return;
        }
        let work: Vec<(usize, Vec<u8>)> = self
            .queries
            .iter()
            .enumerate()
            .filter(|(_, query)| query.status == Status::Checking)
            .map(|(index, query)| (index, query.bytes.clone()))
            .collect();
        if work.is_empty() {
            return;
        }
        let model = self.model().cloned();
        let keys = std::sync::Arc::clone(&self.keys);
        let job = Job::spawn(move || {
            Ok(work
                .into_iter()
                .map(|(index, bytes)| {
                    let status = match predict::check(model.as_ref(), &bytes, &keys) {
                        Ok(info) => Status::Ready(info),
                        // Refused for this model, perhaps, but its key can still be told.
                        Err(error) => Status::Invalid(
                            format!("{error:#}"),
                            predict::check(None, &bytes, &keys).ok(),
                        ),
                    };
                    (index, status)
                })
                .collect())
        });
        self.checking = Some(Check { job, stale: false });
    }

    /// Checks the waiting queries again (the model changed).
    fn revalidate(&mut self) {
        for query in &mut self.queries {
            if matches!(query.status, Status::Ready(_) | Status::Invalid(..)) {
                query.status = Status::Checking;
            }
        }
        // A check still running used the old model.
        if let Some(check) = &mut self.checking {
            check.stale = true;
        }
        self.check_waiting();
    }

    /// Forgets the queries that are not being answered.
    pub fn clear_queries(&mut self) {
        // Workers report by index into the list.
        if self.answering.is_none() && self.checking.is_none() {
            self.queries.clear();
        }
    }

    /// Forgets the query at `index`. Refused while queries are being checked or answered: the
    /// workers report by index into the list.
    pub fn remove_query(&mut self, index: usize) -> Result<()> {
        if self.answering.is_some() || self.checking.is_some() {
            bail!("wait for the queries being checked or answered");
        }
        if index >= self.queries.len() {
            bail!(
                "no query {} in the list of {}",
                index + 1,
                self.queries.len()
            );
        }
        self.queries.remove(index);
        Ok(())
    }

    /// How many queries are ready to be answered.
    pub fn ready(&self) -> usize {
        self.queries
            .iter()
            .filter(|query| matches!(query.status, Status::Ready(_)))
            .count()
    }

    /// How many answers wait to be saved.
    pub fn unsaved(&self) -> usize {
        self.queries
            .iter()
            .filter(|query| matches!(query.status, Status::Answered { .. }))
            .count()
    }

    /// Starts answering every ready query, one after the other, in the background.
    pub fn answer_all(&mut self) -> Result<()> {
        let model = self
            .model()
            .context("no model to answer with: train one first")?;
        let (model, model_id) = (model.clone(), model.id());
        let mut work = Vec::new();
        for (index, query) in self.queries.iter_mut().enumerate() {
            if let Status::Ready(info) = &query.status {
                query.status = Status::Answering(info.clone());
                work.push((index, query.bytes.clone()));
            }
        }
        if work.is_empty() {
            bail!("no query is waiting for an answer");
        }
        let total = work.len();
        let keys = std::sync::Arc::clone(&self.keys);
        let stream = Stream::spawn(move |sender| {
            for (index, bytes) in work {
                let started = Instant::now();
                let result = predict::predict(&model, &bytes, &keys)
                    .map(|answer| (answer.to_vec(), started.elapsed().as_secs_f64()));
                if sender.send((index, result)).is_err() {
                    return;
                }
            }
        });
        self.answering = Some(Batch {
            stream,
            model: model_id,
            done: 0,
            answered: 0,
            total,
        });
        Ok(())
    }

    /// Saves every unsaved answer into `directory`, named after its query (`x.hq` → `x.ha`, or
    /// `x-2.ha`... when that file exists: an answer never replaces a file); returns how many
    /// were saved.
    pub fn save_answers(&mut self, directory: &Path) -> Result<usize> {
        let mut saved = 0;
        for query in &mut self.queries {
            let Status::Answered { info, answer, .. } = &query.status else {
                continue;
            };
            let stem = Path::new(&query.name)
                .file_stem()
                .map_or_else(|| "answer".into(), |stem| stem.to_string_lossy());
            // Two queries of one name (from two folders) get two answers; an earlier batch's
            // answers stay.
            let mut path = directory.join(format!("{stem}.ha"));
            let mut copy = 1;
            while !files::write_new(&path, answer, Access::Public)? {
                copy += 1;
                path = directory.join(format!("{stem}-{copy}.ha"));
            }
            query.status = Status::Saved {
                info: info.clone(),
                answer: answer.clone(),
                path,
            };
            saved += 1;
        }
        Ok(saved)
    }

    /// Collects finished work; returns what finished, if anything did.
    pub fn poll(&mut self) -> Option<Finished> {
        if let Some(check) = &self.checking
            && let Some(result) = check.job.poll()
        {
            let stale = check.stale;
            self.checking = None;
            match result {
                Ok(statuses) if !stale => {
                    for (index, status) in statuses {
                        if let Some(query) = self.queries.get_mut(index)
                            && query.status == Status::Checking
                        {
                            query.status = status;
                        }
                    }
                }
                Ok(_) => {}
                Err(error) => {
                    for query in &mut self.queries {
                        if query.status == Status::Checking {
                            query.status = Status::Invalid(format!("{error:#}"), None);
                        }
                    }
                }
            }
            self.check_waiting();
        }
        let trained = self.training.as_ref().and_then(|(job, _)| job.poll());
        if let Some(result) = trained
            && let Some((_, name)) = self.training.take()
        {
            return Some(match result {
                Ok(trained) => {
                    self.trained = Some((trained, name));
                    self.opened = None;
                    self.model_saved = false;
                    self.revalidate();
                    Finished::Trained
                }
                Err(error) => Finished::Failed(error),
            });
        }
        let batch = self.answering.as_mut()?;
        let (messages, ended) = batch.stream.poll();
        for (index, result) in messages {
            batch.done += 1;
            let Some(query) = self.queries.get_mut(index) else {
                continue;
            };
            let Status::Answering(info) = &query.status else {
                continue;
            };
            query.status = match result {
                Ok((answer, seconds)) => {
                    batch.answered += 1;
                    self.log.push(Served {
                        at: clock(),
                        fingerprint: info.fingerprint,
                        model: batch.model,
                        seconds,
                    });
                    Status::Answered {
                        info: info.clone(),
                        answer,
                        seconds,
                    }
                }
                Err(error) => Status::Invalid(format!("{error:#}"), Some(info.clone())),
            };
        }
        if !ended {
            return None;
        }
        let (answered, total) = (batch.answered, batch.total);
        self.answering = None;
        // A query the worker never reported on (it stopped early) goes back to waiting.
        for query in &mut self.queries {
            if let Status::Answering(info) = &query.status {
                query.status = Status::Ready(info.clone());
            }
        }
        Some(Finished::Answered { answered, total })
    }
}

/// The time of day, UTC, as hours:minutes:seconds.
fn clock() -> String {
    let seconds = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_secs());
    format!(
        "{:02}:{:02}:{:02} UTC",
        seconds / 3600 % 24,
        seconds / 60 % 60,
        seconds % 60
    )
}
