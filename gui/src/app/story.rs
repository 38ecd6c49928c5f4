//! The walkthrough's story as state, without egui: each step runs on a worker thread with the same
//! workflows the command line uses, and the views only draw what is here.

use std::sync::Arc;

use anyhow::{Result, anyhow, bail};
use hecate::Model;

use super::company::SAMPLE;
use super::customer::{KEY_SIZES, Query, make_query};
use super::features;
use super::task::Job;
use crate::workflows::decrypt::Decrypted;
use crate::workflows::keygen::KeyPair;
use crate::workflows::train::{self, Trained};
use crate::workflows::{inspect, keygen, predict};

/// The customer's values the walkthrough starts with, in the sample's feature order.
pub const DEFAULT_VALUES: [f64; 4] = [36.0, 5.0, 5.0, 1.0];

/// The steps, in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Step {
    /// The customer generates a key.
    Keygen,
    /// The customer encrypts the features into a query.
    Encrypt,
    /// The query travels to the company.
    Send,
    /// The company computes the answer on ciphertexts.
    Compute,
    /// The answer travels back.
    Return,
    /// The customer decrypts the prediction.
    Decrypt,
}

impl Step {
    /// Every step, in order.
    pub const ALL: [Self; 6] = [
        Self::Keygen,
        Self::Encrypt,
        Self::Send,
        Self::Compute,
        Self::Return,
        Self::Decrypt,
    ];

    /// What the button says.
    pub fn label(self) -> &'static str {
        match self {
            Self::Keygen => "1. Generate the customer's key",
            Self::Encrypt => "2. Encrypt the features",
            Self::Send => "3. Send the query",
            Self::Compute => "4. Compute on ciphertexts",
            Self::Return => "5. Return the answer",
            Self::Decrypt => "6. Decrypt the prediction",
        }
    }
}

/// What a step produced.
enum Done {
    Key(KeyPair),
    Query(Query),
    Answer(Vec<u8>, String),
    Prediction(Decrypted),
}

/// The whole story: the company's model, the customer's inputs, and what each step produced.
pub struct Story {
    /// The company's model, trained on the sample when the story starts.
    pub trained: Trained,
    /// What the customer typed for each feature, in the model's order.
    pub inputs: [String; 4],
    /// Bits of the customer's key.
    pub bits: u32,
    /// The customer's key pair, once generated.
    pub key: Option<KeyPair>,
    /// The query, once encrypted.
    pub query: Option<Query>,
    /// Whether the company has received the query.
    pub sent: bool,
    /// The answer message, once computed, and its ciphertext shortened for display.
    pub answer: Option<(Vec<u8>, String)>,
    /// Whether the customer has received the answer.
    pub returned: bool,
    /// The decrypted prediction.
    pub prediction: Option<Decrypted>,
    /// The last error, shown in the app.
    pub error: Option<String>,
    /// Whether to go on to the next step when one finishes.
    pub running_all: bool,
    pending: Option<(Step, Job<Done>)>,
}

impl core::fmt::Debug for Story {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Story")
            .field("bits", &self.bits)
            .field("next_step", &self.next_step())
            .field("pending", &self.pending())
            .finish_non_exhaustive()
    }
}

impl Story {
    /// A new story: the company trains on the bundled sample.
    pub fn new(values: [f64; 4], bits: u32) -> Result<Self> {
        let options = train::Options {
            target: "salary".into(),
            features: None,
            holdout: None,
            seed: 0,
            ranges: Vec::new(),
        };
        Ok(Self {
            trained: train::train(SAMPLE, &options)?,
            inputs: values.map(|value| value.to_string()),
            bits,
            key: None,
            query: None,
            sent: false,
            answer: None,
            returned: false,
            prediction: None,
            error: None,
            running_all: false,
            pending: None,
        })
    }

    /// Which model the story's prediction comes from: the README's command line keeps a share of
    /// the rows back, so it trains another model and predicts another salary.
    pub fn model_origin(&self) -> String {
        format!(
            "trained on all {} rows of the bundled sample",
            self.trained.training_points.len()
        )
    }

    /// The model.
    pub fn model(&self) -> &Model {
        &self.trained.model
    }

    /// The next step to take, if any.
    pub fn next_step(&self) -> Option<Step> {
        Step::ALL.into_iter().find(|step| !self.is_done(*step))
    }

    /// Whether `step` has been taken.
    pub fn is_done(&self, step: Step) -> bool {
        match step {
            Step::Keygen => self.key.is_some(),
            Step::Encrypt => self.query.is_some(),
            Step::Send => self.sent,
            Step::Compute => self.answer.is_some(),
            Step::Return => self.returned,
            Step::Decrypt => self.prediction.is_some(),
        }
    }

    /// The step running on the worker, if any.
    pub fn pending(&self) -> Option<Step> {
        self.pending.as_ref().map(|(step, _)| *step)
    }

    /// Starts over with the current inputs (the model stays).
    pub fn reset(&mut self) {
        self.key = None;
        self.query = None;
        self.sent = false;
        self.answer = None;
        self.returned = false;
        self.prediction = None;
        self.error = None;
        self.running_all = false;
        self.pending = None;
    }

    /// Runs every remaining step, one after the other.
    pub fn run_all(&mut self) {
        if self.prediction.is_some() {
            self.reset();
        }
        self.running_all = true;
        self.advance();
    }

    /// Takes the next step: instant ones at once, the others on a worker thread.
    pub fn advance(&mut self) {
        if self.pending.is_some() {
            return;
        }
        self.error = None;
        let Some(step) = self.next_step() else {
            self.running_all = false;
            return;
        };
        match step {
            Step::Send => self.sent = true,
            Step::Return => self.returned = true,
            _ => self.spawn(step),
        }
        if self.running_all && self.pending.is_none() {
            self.advance();
        }
    }

    /// Starts `step` on a worker with only what that side would have: the customer's steps
    /// get the customer's key and values, the company's step the query and the model.
    fn spawn(&mut self, step: Step) {
        let missing = |what: &str| anyhow!("no {what} yet");
        let job = match step {
            Step::Keygen => {
                let bits = self.bits;
                Job::spawn_stoppable(move |abandoned| {
                    keygen::generate(bits, abandoned).map(Done::Key)
                })
            }
            Step::Encrypt => {
                let key = self.key.as_ref().map(|pair| Arc::clone(&pair.key));
                let values = self.values();
                let card = self.trained.model.card(&KEY_SIZES);
                Job::spawn(move || {
                    let key = key.ok_or_else(|| missing("key"))?;
                    make_query(&*key, &values?, &card?).map(Done::Query)
                })
            }
            Step::Compute => {
                let query = self.query.as_ref().map(|query| query.bytes.clone());
                let model = self.trained.model.clone();
                Job::spawn(move || {
                    let query = query.ok_or_else(|| missing("query"))?;
                    let keys = predict::VerifiedKeys::default();
                    let answer = predict::predict(&model, &query, &keys)?.to_vec();
                    let preview = inspect::answer_ciphertext(&query, &answer)?;
                    Ok(Done::Answer(answer, preview))
                })
            }
            Step::Decrypt => {
                let key = self.key.as_ref().map(|pair| Arc::clone(&pair.key));
                let answer = self.answer.as_ref().map(|(bytes, _)| bytes.clone());
                Job::spawn(move || {
                    let key = key.ok_or_else(|| missing("key"))?;
                    let answer = answer.ok_or_else(|| missing("answer"))?;
                    key.decrypt_answer_file(&answer).map(Done::Prediction)
                })
            }
            // Nothing to compute: the message just travels.
            Step::Send | Step::Return => return,
        };
        self.pending = Some((step, job));
    }

    /// Collects a finished step, if any.
    pub fn poll(&mut self) {
        let Some(result) = self.pending.as_ref().and_then(|(_, job)| job.poll()) else {
            return;
        };
        self.pending = None;
        match result {
            Ok(Done::Key(pair)) => self.key = Some(pair),
            Ok(Done::Query(query)) => self.query = Some(query),
            Ok(Done::Answer(bytes, preview)) => self.answer = Some((bytes, preview)),
            Ok(Done::Prediction(prediction)) => self.prediction = Some(prediction),
            Err(error) => {
                self.error = Some(format!("{error:#}"));
                self.running_all = false;
            }
        }
        if self.running_all {
            self.advance();
        }
    }

    /// Each input parsed, or what is wrong with it, with the checks of the customer's view.
    fn parsed(&self) -> impl Iterator<Item = Result<f64, String>> {
        let model = &self.trained.model;
        model
            .features()
            .iter()
            .zip(model.specs())
            .zip(&self.inputs)
            .map(|((name, spec), text)| features::parse(name.as_str(), text, spec.range()))
    }

    /// Each input's problem, if it has one.
    pub fn input_problems(&self) -> Vec<Option<String>> {
        self.parsed().map(Result::err).collect()
    }

    /// The values typed, or what is wrong with them.
    pub fn values(&self) -> Result<[f64; 4]> {
        let mut values = [0.0; 4];
        let mut problems = Vec::new();
        for (value, parsed) in values.iter_mut().zip(self.parsed()) {
            match parsed {
                Ok(parsed) => *value = parsed,
                Err(problem) => problems.push(problem),
            }
        }
        if !problems.is_empty() {
            bail!("{}", problems.join("; "));
        }
        Ok(values)
    }

    /// The model's prediction computed in the clear, to compare with the decrypted one.
    pub fn plaintext_prediction(&self) -> Option<f64> {
        self.trained.model.evaluate(&self.values().ok()?).ok()
    }
}
