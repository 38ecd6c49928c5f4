//! The desktop app: a walkthrough of both roles side by side, the customer's view and the
//! company's. State lives in `story`, `customer` and `company` (no egui there); the views in
//! `views` only draw it and return [`Command`]s, which [`HecateApp`] carries out here, the one
//! place that opens file dialogs.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use eframe::egui::{self, Color32};
use hecate::{Kind, Sealed, Subject};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

pub mod company;
pub mod customer;
pub mod dialogs;
pub mod features;
pub mod passphrase;
pub mod story;
pub mod task;
mod views;

use company::Company;
use customer::Customer;
use dialogs::{Ask, Dialogs, FileKind, InAppDialog, NativeDialogs};
use passphrase::{PassphraseDialog, Purpose};
use story::Story;
use task::Job;

use crate::{files, sealing};

/// The name a card handed from the Company view goes by in the Customer view.
const HANDED_CARD: &str = "the Company view's card";

/// The name a query handed from the Customer view goes by in the Company view (its answer is
/// saved as `customer-view.ha`).
const HANDED_QUERY: &str = "customer-view.hq";

/// The colour of a problem.
const PROBLEM_RED: Color32 = Color32::from_rgb(220, 50, 50);

/// The app's views.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Tab {
    /// Both roles side by side, one step at a time.
    #[default]
    Walkthrough,
    /// The customer's view.
    Customer,
    /// The company's view.
    Company,
}

impl Tab {
    /// Every tab, in order.
    pub const ALL: [Self; 3] = [Self::Walkthrough, Self::Customer, Self::Company];

    /// The tab's title.
    pub fn title(self) -> &'static str {
        match self {
            Self::Walkthrough => "Walkthrough",
            Self::Customer => "Customer",
            Self::Company => "Company",
        }
    }
}

/// Settings kept between runs. Never a key, a model, a feature value or anything else secret.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// The view shown.
    pub tab: Tab,
    /// Bits of the walkthrough's key.
    pub walkthrough_bits: u32,
    /// Bits of the customer's next key.
    pub key_bits: u32,
    /// The column the company predicts.
    pub target: String,
    /// The share of rows the company holds out.
    pub holdout: f64,
    /// The company's service the customer asks.
    pub company_url: String,
    /// Light, dark, or as the desktop says.
    pub theme: egui::ThemePreference,
}

impl Settings {
    /// These settings with any value the app cannot use (a stored file may say anything)
    /// replaced by its default.
    fn checked(&self) -> Self {
        let defaults = Self::default();
        let size = |bits: u32, default: u32| {
            if customer::KEY_SIZES.contains(&bits) {
                bits
            } else {
                default
            }
        };
        Self {
            tab: self.tab,
            walkthrough_bits: size(self.walkthrough_bits, defaults.walkthrough_bits),
            key_bits: size(self.key_bits, defaults.key_bits),
            target: self.target.clone(),
            holdout: if (0.0..=0.5).contains(&self.holdout) {
                self.holdout
            } else {
                defaults.holdout
            },
            company_url: self.company_url.clone(),
            theme: self.theme,
        }
    }
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            tab: Tab::Walkthrough,
            walkthrough_bits: 2048,
            key_bits: customer::DEFAULT_BITS,
            target: "salary".to_owned(),
            holdout: 0.2,
            company_url: customer::DEFAULT_URL.to_owned(),
            theme: egui::ThemePreference::System,
        }
    }
}

/// What a view asks the app to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Command {
    /// Show another view.
    Show(Tab),
    /// Dismiss the problem shown.
    Dismiss,
    /// Show the About window, or close it.
    About(bool),
    /// Draw the app light, dark, or as the desktop says.
    Theme(egui::ThemePreference),
    /// Walkthrough: run every remaining step.
    RunStory,
    /// Walkthrough: take the next step.
    NextStep,
    /// Walkthrough: start over.
    ResetStory,
    /// Customer: generate a key.
    GenerateKey,
    /// Customer: stop generating a key.
    CancelKeygen,
    /// Customer: open a private key file.
    OpenKey,
    /// Customer: save the key.
    SaveKey,
    /// Customer: copy the key's fingerprint.
    CopyFingerprint,
    /// Customer: open a model card.
    OpenCard,
    /// Customer: encrypt the values into a query.
    Encrypt,
    /// Customer: save the query.
    SaveQuery,
    /// Customer: drop the query to change the values.
    NewQuery,
    /// Customer: open and decrypt an answer.
    OpenAnswer,
    /// Customer: fetch the model card from the company's service.
    FetchCard,
    /// Customer: ask the company's service (encrypt, send, decrypt its answer).
    AskCompany,
    /// Customer: stop fetching a card or asking the service.
    CancelTalking,
    /// Company: train on another CSV.
    OpenCsv,
    /// Company: train on the bundled sample.
    UseSample,
    /// Company: train a model.
    Train,
    /// Company: serve a model from a file.
    OpenModel,
    /// Company: save the model.
    SaveModel,
    /// Company: save the model card for customers.
    PublishCard,
    /// Company: open queries.
    OpenQueries,
    /// Company: answer the waiting queries.
    AnswerAll,
    /// Company: save the answers.
    SaveAnswers,
    /// Company: forget the queries.
    ClearQueries,
    /// Company: forget the query at this index of the list.
    RemoveQuery(usize),
    /// Both roles in one window: the Company view's card opened in the Customer view, as a card
    /// file would be.
    CardToCustomer,
    /// Both roles in one window: the Customer view's query added to the Company view's list, as
    /// a query file would be.
    QueryToCompany,
    /// Both roles in one window: the answer to the query at this index of the Company view's
    /// list opened in the Customer view, as an answer file would be.
    AnswerToCustomer(usize),
    /// The answer to the question asked in a modal window.
    Reply(Reply),
    /// The choice made in the passphrase dialog.
    Passphrase(Sealing),
}

/// The choices of the passphrase dialog.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sealing {
    /// Save sealed under the passphrase typed (twice).
    Seal,
    /// Save without a passphrase: anyone with the file can use it.
    Plain,
    /// Open the sealed file with the passphrase typed.
    Open,
    /// Go back: nothing is saved or opened.
    Cancel,
}

/// Work that lives only in memory until saved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unsaved {
    /// The customer's key, generated here.
    Key,
    /// The company's model, trained here.
    Model,
}

/// The answers to the app's questions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reply {
    /// Save this first, then go on.
    SaveFirst(Unsaved),
    /// Go on and lose what is unsaved.
    Discard,
    /// Replace the files in the way.
    Replace,
    /// Go back: nothing happens.
    Cancel,
}

/// What the app asks before it goes on.
enum Question {
    /// Going on would replace a key or model that is not saved.
    Discard(Unsaved, Then),
    /// The window is closing with a key or model not saved.
    Quit,
    /// A save would replace these files, which hold something else.
    Replace(Command, PathBuf, Vec<PathBuf>),
}

/// What waits for a question's answer (or for a save the answer asked for).
enum Then {
    /// A command.
    Run(Command),
    /// Opening a dropped key: its bytes and file.
    OpenKey(Zeroizing<Vec<u8>>, PathBuf),
    /// Serving a dropped model: its bytes and file.
    OpenModel(Zeroizing<Vec<u8>>, PathBuf),
    /// Closing the window.
    Quit,
}

/// How a save went: written (with what the saver returns), or not, because of the files in the
/// way.
#[derive(Debug)]
pub enum Saved<T> {
    /// Written.
    Written(T),
    /// Nothing written: these files hold something else.
    InTheWay(Vec<PathBuf>),
}

impl<T> Saved<T> {
    fn map<U>(self, f: impl FnOnce(T) -> U) -> Saved<U> {
        match self {
            Self::Written(written) => Saved::Written(f(written)),
            Self::InTheWay(others) => Saved::InTheWay(others),
        }
    }
}

impl Unsaved {
    /// The command that saves it.
    fn save(self) -> Command {
        match self {
            Self::Key => Command::SaveKey,
            Self::Model => Command::SaveModel,
        }
    }
}

const PRIVATE_KEY: FileKind = FileKind {
    name: "Hecate private key",
    extensions: &["key"],
};
const CARD: FileKind = FileKind {
    name: "Hecate model card",
    extensions: &["card"],
};
const QUERY: FileKind = FileKind {
    name: "Hecate query",
    extensions: &["hq"],
};
const ANSWER: FileKind = FileKind {
    name: "Hecate answer",
    extensions: &["ha"],
};
const MODEL: FileKind = FileKind {
    name: "Hecate model (secret)",
    extensions: &["hm"],
};
const CSV: FileKind = FileKind {
    name: "CSV table",
    extensions: &["csv"],
};

impl Command {
    /// The file dialog the command needs first, if it needs one.
    fn question(self) -> Option<Ask> {
        Some(match self {
            Self::OpenKey => Ask::Open("Open your private key", PRIVATE_KEY),
            Self::SaveKey => Ask::Save("Save your key", PRIVATE_KEY, "customer.key"),
            Self::OpenCard => Ask::Open("Open the company's model card", CARD),
            Self::SaveQuery => Ask::Save("Save the query", QUERY, "query.hq"),
            Self::OpenAnswer => Ask::Open("Open the company's answer", ANSWER),
            Self::OpenCsv => Ask::Open("Open training data", CSV),
            Self::OpenModel => Ask::Open("Open a model", MODEL),
            Self::SaveModel => Ask::Save("Save the model", MODEL, "model.hm"),
            Self::PublishCard => Ask::Save("Publish the model card", CARD, "model.card"),
            Self::OpenQueries => Ask::OpenMany("Open queries", QUERY),
            Self::SaveAnswers => Ask::Folder("Save the answers in"),
            _ => return None,
        })
    }
}

/// A file dialog open for a command.
enum FileDialog {
    /// The desktop's, asked on a worker thread.
    Desktop(Job<Vec<PathBuf>>),
    /// The app's own, drawn every frame.
    InApp(Box<InAppDialog>),
}

impl FileDialog {
    /// The paths chosen (none: cancelled), once the user is done; draws the app's own dialog.
    fn answer(&mut self, ctx: &egui::Context) -> Option<Result<Vec<PathBuf>>> {
        match self {
            Self::Desktop(job) => job.poll(),
            Self::InApp(dialog) => dialog.show(ctx).map(Ok),
        }
    }
}

/// The app.
pub struct HecateApp {
    /// The view shown.
    pub tab: Tab,
    /// The walkthrough.
    pub story: Story,
    /// The customer's view.
    pub customer: Customer,
    /// The company's view.
    pub company: Company,
    /// The last problem, shown until dismissed or replaced.
    pub problem: Option<String>,
    /// The last thing done, shown until replaced.
    pub notice: Option<String>,
    /// The desktop's file dialogs; none: the app draws its own.
    dialogs: Option<Arc<dyn Dialogs>>,
    /// The command waiting for its file dialog, and the key or model the checks let it replace.
    dialog: Option<(Command, Option<Subject>, FileDialog)>,
    /// Where the app's own file dialog starts: the folder of the last file chosen.
    pub folder: Option<PathBuf>,
    /// The question shown in a modal window.
    question: Option<Question>,
    /// The passphrase asked for in a modal window (never kept beyond it).
    passphrase: Option<PassphraseDialog>,
    /// What goes on once the save asked for succeeds.
    after_save: Option<Then>,
    /// The user chose to close the window with work unsaved.
    may_close: bool,
    /// The About window is shown.
    pub about: bool,
    /// Light, dark, or as the desktop says.
    pub theme: egui::ThemePreference,
}

impl std::fmt::Debug for HecateApp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HecateApp")
            .field("tab", &self.tab)
            .field("problem", &self.problem)
            .finish_non_exhaustive()
    }
}

impl HecateApp {
    /// The app with `settings`, taking paths from the desktop's `dialogs`, or from its own when
    /// there are none.
    pub fn new(settings: &Settings, dialogs: Option<Arc<dyn Dialogs>>) -> Result<Self> {
        let settings = settings.checked();
        Ok(Self {
            tab: settings.tab,
            story: Story::new(story::DEFAULT_VALUES, settings.walkthrough_bits)?,
            customer: Customer::new(settings.key_bits, &settings.company_url),
            company: Company::new(&settings.target, settings.holdout),
            problem: None,
            notice: None,
            dialogs,
            dialog: None,
            folder: None,
            question: None,
            passphrase: None,
            after_save: None,
            may_close: false,
            about: false,
            theme: settings.theme,
        })
    }

    /// The settings to keep.
    pub fn settings(&self) -> Settings {
        Settings {
            tab: self.tab,
            walkthrough_bits: self.story.bits,
            key_bits: self.customer.bits,
            target: self.company.target.clone(),
            holdout: self.company.holdout,
            company_url: self.customer.company_url.clone(),
            theme: self.theme,
        }
    }

    /// Whether anything runs in the background: a step, a key, a batch, a file dialog, a file
    /// being sealed or opened.
    pub fn busy(&self) -> bool {
        self.story.pending().is_some()
            || self.customer.busy()
            || self.company.busy()
            || self
                .dialog
                .as_ref()
                .is_some_and(|(_, _, dialog)| matches!(dialog, FileDialog::Desktop(_)))
            || self.passphrase.as_ref().is_some_and(PassphraseDialog::busy)
    }

    /// What lives only in memory: closing the window would lose it.
    pub fn unsaved(&self) -> Vec<Unsaved> {
        let mut unsaved = Vec::new();
        if self.customer.unsaved_key() {
            unsaved.push(Unsaved::Key);
        }
        if self.company.unsaved_model() {
            unsaved.push(Unsaved::Model);
        }
        unsaved
    }

    /// Work of every frame, even of one eframe does not draw (the window hidden): a request to
    /// close the window with a key or model unsaved is held back and asked about.
    pub fn logic(&mut self, ctx: &egui::Context) {
        // Here, before anything is drawn: every Ui copies the style as it is when it starts.
        if ctx.options(|options| options.theme_preference) != self.theme {
            ctx.set_theme(self.theme);
        }
        if ctx.input(|input| input.viewport().close_requested())
            && !self.may_close
            && !self.unsaved().is_empty()
        {
            ctx.send_viewport_cmd(egui::ViewportCommand::CancelClose);
            self.after_save = None;
            self.passphrase = None;
            self.question = Some(Question::Quit);
        }
    }

    /// The whole window's contents (also what the tests drive, after [`Self::logic`]).
    pub fn ui(&mut self, ui: &mut egui::Ui) {
        self.poll(ui.ctx());
        if self.busy() {
            ui.ctx()
                .request_repaint_after(std::time::Duration::from_millis(50));
        }
        let mut commands = Vec::new();
        ui.horizontal(|ui| {
            ui.heading("Hecate");
            ui.label("a prediction without showing your data");
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                if ui.button("About").clicked() {
                    commands.push(Command::About(true));
                }
                ui.separator();
                // Right to left: the choices in reverse, so that they read System, Light, Dark.
                for (theme, name) in [
                    (egui::ThemePreference::Dark, "Dark"),
                    (egui::ThemePreference::Light, "Light"),
                    (egui::ThemePreference::System, "System"),
                ] {
                    let choice = ui
                        .selectable_label(self.theme == theme, name)
                        .on_hover_text(match theme {
                            egui::ThemePreference::System => {
                                "Light or dark as the desktop is (dark when it does not say)"
                            }
                            _ => "Always this theme",
                        });
                    if choice.clicked() {
                        commands.push(Command::Theme(theme));
                    }
                }
            });
        });
        ui.horizontal(|ui| {
            for tab in Tab::ALL {
                if ui.selectable_label(self.tab == tab, tab.title()).clicked() {
                    commands.push(Command::Show(tab));
                }
            }
        });
        // One line of one height always, whatever it says (a long problem cut, whole on hover):
        // the view below, and its buttons, never move when a message comes or goes.
        views::slot(ui, |ui| {
            if let Some(problem) = &self.problem {
                if ui.small_button("Dismiss").clicked() {
                    commands.push(Command::Dismiss);
                }
                views::one_line(
                    ui,
                    egui::RichText::new(format!("Problem: {problem}")).color(PROBLEM_RED),
                );
            } else if let Some(notice) = &self.notice {
                views::one_line(
                    ui,
                    egui::RichText::new(notice.as_str()).color(Color32::from_rgb(40, 150, 70)),
                );
            } else {
                views::one_line(
                    ui,
                    egui::RichText::new(
                        "Tip: drop keys, cards, answers, queries, models or a CSV on the window \
                         to open them.",
                    )
                    .weak(),
                );
            }
        });
        ui.separator();
        match self.tab {
            Tab::Walkthrough => views::walkthrough::show(ui, &mut self.story, &mut commands),
            Tab::Customer => views::customer::show(ui, &mut self.customer, &mut commands),
            Tab::Company => views::company::show(ui, &mut self.company, &mut commands),
        }
        if let Some(question) = &self.question {
            let unsaved = self.unsaved();
            views::question::show(ui.ctx(), question, &unsaved, &self.customer, &mut commands);
        }
        if let Some(dialog) = &mut self.passphrase {
            views::passphrase::show(ui.ctx(), dialog, &mut commands);
        }
        if self.about {
            views::about::show(ui.ctx(), &mut commands);
        }
        self.dropped_files(ui.ctx());
        for command in commands {
            let result = self.run(command, ui.ctx());
            self.report(result);
        }
    }

    /// Collects finished background work and says what it did. A success here leaves a problem
    /// on show: it may be about something else.
    fn poll(&mut self, ctx: &egui::Context) {
        if let Some((command, passed, dialog)) = &mut self.dialog
            && let Some(paths) = dialog.answer(ctx)
        {
            let (command, passed) = (*command, *passed);
            self.dialog = None;
            let result = match paths {
                Ok(paths) => {
                    self.remember_folder(command, &paths);
                    self.answered(command, passed, paths)
                }
                Err(error) => {
                    self.after_save = None;
                    Err(error)
                }
            };
            self.report(result);
        }
        if let Some(dialog) = &mut self.passphrase
            && let Some(result) = dialog.poll()
        {
            let result = self.passphrase_done(result, ctx);
            self.report(result);
        }
        self.story.poll();
        let customer = match self.customer.poll() {
            Some(customer::Finished::Generated(seconds)) => Ok(format!(
                "Key generated in {seconds:.1} s. Save it to keep it: it is only in memory."
            )),
            Some(customer::Finished::Opened(path)) => {
                Ok(format!("Opened the key {}.", path.display()))
            }
            // Not the value itself: the line above the view shows it in every view.
            Some(customer::Finished::Decrypted(_)) => Ok("Answer decrypted.".to_owned()),
            Some(customer::Finished::Fetched(url)) => Ok(format!(
                "Fetched the card from {url}: type your values, then ask the company."
            )),
            Some(customer::Finished::Asked(_)) => {
                Ok("The company answered; the answer is decrypted.".to_owned())
            }
            Some(customer::Finished::Query) => {
                Ok("Query encrypted: save it and send it to the company.".to_owned())
            }
            Some(customer::Finished::Failed(error)) => Err(error),
            None => return self.poll_company(),
        };
        self.announce(customer);
        self.poll_company();
    }

    fn poll_company(&mut self) {
        let company = match self.company.poll() {
            Some(company::Finished::Trained) => Ok("Model trained: publish its card.".to_owned()),
            Some(company::Finished::Answered { answered, total }) if answered == total => {
                Ok(format!(
                    "{} computed: save and send them back.",
                    count(answered, "answer", "answers")
                ))
            }
            Some(company::Finished::Answered { answered, total }) => Err(anyhow::anyhow!(
                "{} of {total} queries could not be answered: see the list",
                total - answered
            )),
            Some(company::Finished::Failed(error)) => Err(error),
            None => return,
        };
        self.announce(company);
    }

    fn announce(&mut self, result: Result<String>) {
        match result {
            Ok(notice) => self.notice = Some(notice),
            Err(error) => self.report(Err(error)),
        }
    }

    /// Shows what a command did (the user has moved on from any problem), or what went wrong,
    /// once: in the line above the view.
    fn report(&mut self, result: Result<Option<String>>) {
        match result {
            Ok(Some(notice)) => {
                self.problem = None;
                self.announce(Ok(notice));
            }
            Ok(None) => {}
            Err(error) => self.problem = Some(format!("{error:#}")),
        }
    }

    /// Carries out `command`, or asks for its file first, or whether to save a key or model it
    /// would replace; returns what to tell the user.
    pub fn run(&mut self, command: Command, ctx: &egui::Context) -> Result<Option<String>> {
        match command {
            Command::Reply(reply) => return self.reply(reply, ctx),
            Command::Passphrase(choice) => return self.passphrase_chosen(choice, ctx),
            _ => {}
        }
        let replaced = match command {
            Command::GenerateKey | Command::OpenKey => Some(Unsaved::Key),
            Command::Train | Command::OpenModel => Some(Unsaved::Model),
            _ => None,
        };
        if let Some(unsaved) = replaced
            && !self.may_replace(unsaved, None)?
        {
            self.question = Some(Question::Discard(unsaved, Then::Run(command)));
            return Ok(None);
        }
        self.run_anyway(command, ctx)
    }

    /// The key or model in place, by its fingerprint or id.
    fn current(&self, what: Unsaved) -> Option<Subject> {
        match what {
            Unsaved::Key => self
                .customer
                .key
                .as_ref()
                .map(|key| Subject::PrivateKey(key.fingerprint)),
            Unsaved::Model => self.company.model().map(|model| Subject::Model(model.id())),
        }
    }

    /// Whether the key or model (`what`) may be replaced now, `passed` being the one earlier
    /// checks let go (saved, or the user agreed to lose it). Refused while another is being made
    /// or opened: it would land after, in place of what was opened. False when the one in place
    /// is unsaved and not `passed`, to be asked about. Every open comes through here right
    /// before it replaces anything, and again after a file or passphrase dialog, since work
    /// running meanwhile may have brought another.
    fn may_replace(&self, what: Unsaved, passed: Option<Subject>) -> Result<bool> {
        let unsaved = match what {
            Unsaved::Key if self.customer.key_work().is_some() => {
                bail!("wait for the key being made or opened, or cancel it")
            }
            Unsaved::Model if self.company.training() => {
                bail!("wait for the training to finish")
            }
            Unsaved::Key => self.customer.unsaved_key(),
            Unsaved::Model => self.company.unsaved_model(),
        };
        Ok(!unsaved || self.current(what) == passed)
    }

    /// Goes on as the user answered the question shown.
    fn reply(&mut self, reply: Reply, ctx: &egui::Context) -> Result<Option<String>> {
        let Some(question) = self.question.take() else {
            return Ok(None);
        };
        match (reply, question) {
            (Reply::SaveFirst(unsaved), Question::Discard(_, then)) => {
                self.save_first(unsaved, then, ctx)
            }
            (Reply::SaveFirst(unsaved), Question::Quit) => {
                self.save_first(unsaved, Then::Quit, ctx)
            }
            (Reply::Discard, Question::Discard(_, then)) => self.go_on(then, ctx),
            (Reply::Discard, Question::Quit) => {
                self.may_close = true;
                self.go_on(Then::Quit, ctx)
            }
            (Reply::Replace, Question::Replace(command, path, _)) => {
                self.save(command, &path, true)
            }
            _ => {
                self.after_save = None;
                Ok(None)
            }
        }
    }

    /// Asks where to save `unsaved`, and carries out `then` once it is saved.
    fn save_first(
        &mut self,
        unsaved: Unsaved,
        then: Then,
        ctx: &egui::Context,
    ) -> Result<Option<String>> {
        self.after_save = Some(then);
        let result = self.run_anyway(unsaved.save(), ctx);
        if result.is_err() {
            self.after_save = None;
        }
        result
    }

    /// Carries out what waited for a question's answer.
    fn go_on(&mut self, then: Then, ctx: &egui::Context) -> Result<Option<String>> {
        match then {
            Then::Run(command) => self.run_anyway(command, ctx),
            // Asked about, or saved: the one in place may go.
            Then::OpenKey(bytes, path) => self.open_key(bytes, path, self.current(Unsaved::Key)),
            Then::OpenModel(bytes, path) => {
                self.open_model(bytes, path, self.current(Unsaved::Model))
            }
            Then::Quit => {
                ctx.send_viewport_cmd(egui::ViewportCommand::Close);
                Ok(None)
            }
        }
    }

    /// Saves the key or the model (`command`) to `path`, over files holding something else only
    /// when `replace` (otherwise it asks), under the passphrase the dialog asks for first.
    fn save(&mut self, command: Command, path: &Path, replace: bool) -> Result<Option<String>> {
        // Asked before the passphrase: a save that cannot go there needs none.
        let others = match command {
            Command::SaveKey if !replace => self.customer.key_in_the_way(path),
            Command::SaveModel if !replace => self.company.model_in_the_way(path),
            Command::SaveKey | Command::SaveModel => Ok(Vec::new()),
            _ => return Ok(None),
        };
        let others = others.inspect_err(|_| self.after_save = None)?;
        if !others.is_empty() {
            self.question = Some(Question::Replace(command, path.to_path_buf(), others));
            return Ok(None);
        }
        self.passphrase = Some(PassphraseDialog::new(Purpose::Save {
            command,
            path: path.to_path_buf(),
            replace,
        }));
        Ok(None)
    }

    /// Writes the key or the model (`command`) to `path`, `sealed` or plain, over files holding
    /// something else only when `replace` (otherwise it asks), then carries out what waited for
    /// the save.
    fn write(
        &mut self,
        command: Command,
        path: &Path,
        replace: bool,
        sealed: Option<&[u8]>,
        ctx: &egui::Context,
    ) -> Result<Option<String>> {
        let shown = path.display();
        let protection = if sealed.is_some() {
            "sealed under its passphrase"
        } else {
            "no passphrase"
        };
        let saved = match command {
            Command::SaveKey => self.customer.save_key(path, replace, sealed).map(|saved| {
                saved.map(|public| {
                    format!(
                        "Saved {shown} (private, {protection}: keep it) and {} (public).",
                        public.display()
                    )
                })
            }),
            Command::SaveModel => self.company.save_model(path, replace, sealed).map(|saved| {
                saved.map(|()| {
                    format!("Saved {shown} (secret, {protection}: the weights are the company's).")
                })
            }),
            _ => return Ok(None),
        };
        match saved {
            Ok(Saved::Written(notice)) => match self.after_save.take() {
                Some(then) => match self.go_on(then, ctx) {
                    Ok(Some(more)) => Ok(Some(format!("{notice} {more}"))),
                    Ok(None) => Ok(Some(notice)),
                    Err(error) => Err(error.context(notice)),
                },
                None => Ok(Some(notice)),
            },
            Ok(Saved::InTheWay(others)) => {
                self.question = Some(Question::Replace(command, path.to_path_buf(), others));
                Ok(None)
            }
            Err(error) => {
                self.after_save = None;
                Err(error)
            }
        }
    }

    /// Goes on as the user chose in the passphrase dialog.
    fn passphrase_chosen(
        &mut self,
        choice: Sealing,
        ctx: &egui::Context,
    ) -> Result<Option<String>> {
        let Some(dialog) = &mut self.passphrase else {
            return Ok(None);
        };
        if dialog.busy() && choice != Sealing::Cancel {
            return Ok(None);
        }
        match (choice, &dialog.purpose) {
            (Sealing::Seal, Purpose::Save { command, .. }) if dialog.agreed() => {
                let message = match command {
                    Command::SaveKey => self
                        .customer
                        .key
                        .as_ref()
                        .context("no key to save")?
                        .private
                        .clone(),
                    _ => self.company.model_message()?,
                };
                dialog.seal(message);
                Ok(None)
            }
            (Sealing::Plain, Purpose::Save { .. }) => match self.passphrase.take() {
                Some(PassphraseDialog {
                    purpose:
                        Purpose::Save {
                            command,
                            path,
                            replace,
                        },
                    ..
                }) => self.write(command, &path, replace, None, ctx),
                _ => Ok(None),
            },
            (Sealing::Open, Purpose::Open { .. }) if !dialog.typed.is_empty() => {
                dialog.open();
                Ok(None)
            }
            (Sealing::Cancel, _) => {
                // Dropped: what was typed is wiped, work still running is abandoned.
                self.passphrase = None;
                self.after_save = None;
                Ok(None)
            }
            _ => Ok(None),
        }
    }

    /// Goes on once the file is sealed (then saved) or opened (then used like a plain one); a
    /// wrong passphrase is said in the dialog, for another try.
    fn passphrase_done(
        &mut self,
        result: Result<Zeroizing<Vec<u8>>>,
        ctx: &egui::Context,
    ) -> Result<Option<String>> {
        let Some(dialog) = self.passphrase.take() else {
            return Ok(None);
        };
        match (result, dialog.purpose) {
            (
                Ok(sealed),
                Purpose::Save {
                    command,
                    path,
                    replace,
                },
            ) => self.write(command, &path, replace, Some(&sealed), ctx),
            (
                Ok(message),
                Purpose::Open {
                    path, kind, passed, ..
                },
            ) => match kind {
                Kind::PrivateKey => self.open_key(message, path, passed),
                _ => self.open_model(message, path, passed),
            },
            (Err(error), purpose @ Purpose::Open { .. }) => {
                let mut dialog = PassphraseDialog::new(purpose);
                dialog.problem = Some(format!("{error:#}"));
                self.passphrase = Some(dialog);
                Ok(None)
            }
            (Err(error), Purpose::Save { .. }) => {
                self.after_save = None;
                Err(error)
            }
        }
    }

    /// Opens the private key file `bytes` from `path` in place of the key `passed` (see
    /// [`Self::may_replace`]), asking whether to save another key first, and for the file's
    /// passphrase when it is sealed.
    fn open_key(
        &mut self,
        bytes: Zeroizing<Vec<u8>>,
        path: PathBuf,
        passed: Option<Subject>,
    ) -> Result<Option<String>> {
        let name = file_name(&path);
        if !self
            .may_replace(Unsaved::Key, passed)
            .with_context(|| name.clone())?
        {
            self.question = Some(Question::Discard(Unsaved::Key, Then::OpenKey(bytes, path)));
            return Ok(None);
        }
        if sealing::is_sealed(&bytes) {
            let passed = self.current(Unsaved::Key);
            return self.ask_passphrase(bytes, path, Kind::PrivateKey, passed);
        }
        self.customer.open_key(bytes, &path);
        Ok(Some(format!("Opening the key {name}...")))
    }

    /// Serves the model file `bytes` from `path` in place of the model `passed` (see
    /// [`Self::may_replace`]), asking whether to save another model first, and for the file's
    /// passphrase when it is sealed.
    fn open_model(
        &mut self,
        bytes: Zeroizing<Vec<u8>>,
        path: PathBuf,
        passed: Option<Subject>,
    ) -> Result<Option<String>> {
        let name = file_name(&path);
        if !self
            .may_replace(Unsaved::Model, passed)
            .with_context(|| name.clone())?
        {
            self.question = Some(Question::Discard(
                Unsaved::Model,
                Then::OpenModel(bytes, path),
            ));
            return Ok(None);
        }
        if sealing::is_sealed(&bytes) {
            let passed = self.current(Unsaved::Model);
            return self.ask_passphrase(bytes, path, Kind::Model, passed);
        }
        self.company.open_model(&bytes, &name)?;
        Ok(Some(format!("Serving the model {name}.")))
    }

    /// Asks for the passphrase of the sealed file `bytes` from `path`, which should hold a
    /// `expected`, to replace the key or model `passed`.
    fn ask_passphrase(
        &mut self,
        bytes: Zeroizing<Vec<u8>>,
        path: PathBuf,
        expected: Kind,
        passed: Option<Subject>,
    ) -> Result<Option<String>> {
        let name = file_name(&path);
        let kind = Sealed::from_bytes(&bytes)
            .with_context(|| name.clone())?
            .header
            .subject
            .kind();
        if kind != expected {
            bail!("{name} holds a {kind} under its passphrase, not a {expected}");
        }
        self.passphrase = Some(PassphraseDialog::new(Purpose::Open {
            bytes,
            path,
            kind,
            passed,
        }));
        Ok(None)
    }

    /// [`Self::run`] without the question about what it replaces.
    fn run_anyway(&mut self, command: Command, ctx: &egui::Context) -> Result<Option<String>> {
        if let Some(question) = command.question() {
            if self.dialog.is_some() {
                bail!("a file dialog is already open");
            }
            // Checked already: the key or model in place may go, unless another comes meanwhile.
            let passed = match command {
                Command::OpenKey => self.current(Unsaved::Key),
                Command::OpenModel => self.current(Unsaved::Model),
                _ => None,
            };
            let dialog = match &self.dialogs {
                Some(dialogs) => {
                    let dialogs = Arc::clone(dialogs);
                    FileDialog::Desktop(Job::spawn(move || dialogs.ask(question)))
                }
                None => {
                    FileDialog::InApp(Box::new(InAppDialog::new(question, self.folder.as_deref())))
                }
            };
            self.dialog = Some((command, passed, dialog));
            return Ok(None);
        }
        match command {
            Command::Show(tab) => {
                // A notice belongs to the view it came from.
                self.notice = None;
                self.tab = tab;
            }
            Command::Dismiss => self.problem = None,
            Command::About(shown) => self.about = shown,
            // Drawn from the next frame on, by the logic that starts it (as a stored choice is
            // from the first): this one is half drawn already.
            Command::Theme(theme) => {
                self.theme = theme;
                ctx.request_repaint();
            }
            Command::RunStory => self.story.run_all(),
            Command::NextStep => self.story.advance(),
            Command::ResetStory => self.story.reset(),
            Command::GenerateKey => self.customer.generate_key(),
            Command::CancelKeygen => {
                self.customer.cancel_keygen();
                return Ok(Some("Key generation cancelled.".to_owned()));
            }
            Command::CopyFingerprint => {
                if let Some(key) = &self.customer.key {
                    ctx.copy_text(key.fingerprint.to_string());
                    return Ok(Some("Fingerprint copied.".to_owned()));
                }
            }
            Command::Encrypt => self.customer.encrypt()?,
            Command::FetchCard => self.customer.fetch_card()?,
            Command::AskCompany => self.customer.ask_company()?,
            Command::CancelTalking => {
                self.customer.cancel_talking();
                return Ok(Some(
                    "Stopped waiting for the company: whatever it sends back is dropped."
                        .to_owned(),
                ));
            }
            Command::NewQuery => self.customer.query = None,
            Command::UseSample => {
                self.company
                    .use_data(company::SAMPLE.to_vec(), company::SAMPLE_NAME)?;
            }
            Command::Train => self.company.train(),
            Command::AnswerAll => self.company.answer_all()?,
            Command::ClearQueries => self.company.clear_queries(),
            Command::RemoveQuery(index) => self.company.remove_query(index)?,
            // The handovers go where the files' contents go, as if saved by one view and opened
            // by the other.
            Command::CardToCustomer => {
                let card = self.company.card_message()?;
                self.customer.open_card(&card, HANDED_CARD)?;
                self.tab = Tab::Customer;
                return Ok(Some(
                    "The Company view's card is open here: type your values, then Encrypt."
                        .to_owned(),
                ));
            }
            Command::QueryToCompany => {
                let query = self
                    .customer
                    .query
                    .as_ref()
                    .context("no query to hand over")?;
                self.company
                    .add_query(query.bytes.clone(), HANDED_QUERY, None);
                self.tab = Tab::Company;
                return Ok(Some(
                    "The Customer view's query is in the list: answer it.".to_owned(),
                ));
            }
            Command::AnswerToCustomer(index) => {
                let query = self
                    .company
                    .queries
                    .get(index)
                    .context("no such query in the list")?;
                let answer = query
                    .status
                    .answer()
                    .context("this query has no answer yet")?
                    .to_vec();
                let name = format!("the answer to {}", query.name);
                self.customer.open_answer(answer, &name)?;
                self.tab = Tab::Customer;
                return Ok(Some(format!("Decrypting {name}...")));
            }
            // The commands with a question, once answered.
            _ => {}
        }
        Ok(None)
    }

    /// Keeps the folder of the `paths` chosen for `command`, for the app's own next dialog.
    fn remember_folder(&mut self, command: Command, paths: &[PathBuf]) {
        let folder = match (command, paths.first()) {
            (Command::SaveAnswers, Some(folder)) => Some(folder.as_path()),
            (_, Some(file)) => file.parent(),
            (_, None) => None,
        };
        if let Some(folder) = folder {
            self.folder = Some(folder.to_path_buf());
        }
    }

    /// Carries out `command` with the `paths` its dialog gave (none: the user cancelled), in
    /// place of the key or model `passed` when it opens one.
    fn answered(
        &mut self,
        command: Command,
        passed: Option<Subject>,
        paths: Vec<PathBuf>,
    ) -> Result<Option<String>> {
        let Some(path) = paths.first().cloned() else {
            // A save cancelled: what waited for it does not happen either.
            self.after_save = None;
            return Ok(None);
        };
        let shown = path.display();
        let notice = match command {
            Command::OpenKey => return self.open_key(files::read_secret(&path)?, path, passed),
            Command::SaveKey | Command::SaveModel => return self.save(command, &path, false),
            Command::OpenCard => {
                self.customer
                    .open_card(&files::read(&path)?, &file_name(&path))?;
                format!("Opened the card {shown}.")
            }
            Command::SaveQuery => {
                self.customer.save_query(&path)?;
                format!("Saved {shown}: send it to the company.")
            }
            Command::OpenAnswer => {
                self.customer
                    .open_answer(files::read(&path)?, &file_name(&path))?;
                return Ok(None);
            }
            Command::OpenCsv => {
                self.company
                    .use_data(files::read(&path)?, &shown.to_string())?;
                format!("Training data: {shown}.")
            }
            Command::OpenModel => {
                return self.open_model(files::read_secret(&path)?, path, passed);
            }
            Command::PublishCard => {
                self.company.publish_card(&path)?;
                format!("Saved {shown}: give it to customers.")
            }
            Command::OpenQueries => {
                for path in &paths {
                    self.company.add_query(
                        files::read(path)?,
                        &file_name(path),
                        Some(path.clone()),
                    );
                }
                format!("Opened {}.", count(paths.len(), "query", "queries"))
            }
            Command::SaveAnswers => {
                let saved = self.company.save_answers(&path)?;
                format!("Saved {} in {shown}.", count(saved, "answer", "answers"))
            }
            _ => return Ok(None),
        };
        Ok(Some(notice))
    }

    /// Opens files dropped on the window, each where it belongs.
    fn dropped_files(&mut self, ctx: &egui::Context) {
        let hovering = ctx.input(|input| !input.raw.hovered_files.is_empty());
        if hovering {
            let screen = ctx.content_rect();
            let painter = ctx.layer_painter(egui::LayerId::new(
                egui::Order::Foreground,
                egui::Id::unique("drop"),
            ));
            painter.rect_filled(screen, 0.0, Color32::from_black_alpha(160));
            painter.text(
                screen.center(),
                egui::Align2::CENTER_CENTER,
                "Drop keys, cards, answers, queries, models or a CSV",
                egui::FontId::proportional(22.0),
                Color32::WHITE,
            );
        }
        let mut dropped = ctx.input(|input| input.raw.dropped_files.clone());
        // Keys and cards first: an answer or values dropped with them need them.
        dropped.sort_by_key(|file| {
            let name = file.path().to_string_lossy().to_ascii_lowercase();
            !(name.ends_with(".key") || name.ends_with(".card"))
        });
        for file in dropped {
            let result = if self.question.is_some() || self.passphrase.is_some() {
                Err(anyhow::anyhow!(
                    "{}: not opened: answer the question first",
                    file_name(file.path())
                ))
            } else {
                self.open_dropped(&*file)
            };
            self.report(result);
        }
    }

    fn open_dropped(&mut self, file: &dyn egui::DroppedFile) -> Result<Option<String>> {
        // Read through `files::read`, which bounds the size, rather than the handle's `bytes()`.
        let path = file.path().to_path_buf();
        // Any of them may be a key or a model: wiped, and copied out only for the public kinds.
        let bytes = files::read_secret(&path)?;
        let name = file_name(&path);
        let kind = Kind::of(&bytes).and_then(|kind| match kind {
            // Opened as what it holds, once its passphrase is given.
            Kind::Sealed => Sealed::from_bytes(&bytes).map(|sealed| sealed.header.subject.kind()),
            kind => Ok(kind),
        });
        let opened = match kind {
            Ok(Kind::PrivateKey) => {
                self.tab = Tab::Customer;
                return self.open_key(bytes, path, None);
            }
            Ok(Kind::ModelCard) => {
                self.customer.open_card(&bytes, &name)?;
                (Tab::Customer, format!("Opened the card {name}."))
            }
            Ok(Kind::Answer) => {
                self.customer.open_answer(bytes.to_vec(), &name)?;
                (Tab::Customer, format!("Decrypting {name}..."))
            }
            Ok(Kind::Query) => {
                self.company.add_query(bytes.to_vec(), &name, Some(path));
                (Tab::Company, format!("Received the query {name}."))
            }
            Ok(Kind::Model) => {
                self.tab = Tab::Company;
                return self.open_model(bytes, path, None);
            }
            Ok(Kind::Sealed) => bail!("{name}: a sealed file inside a sealed file"),
            Ok(Kind::PublicKey) => bail!(
                "{name} is a public key: the customer opens their private key (.key), and the \
                 company needs no key"
            ),
            Err(_) if name.to_ascii_lowercase().ends_with(".csv") => {
                if self.company.training() {
                    bail!("{name}: wait for the training to finish");
                }
                self.company.use_data(bytes.to_vec(), &name)?;
                (Tab::Company, format!("Training data: {name}."))
            }
            Err(error) => bail!("{name}: not a Hecate file or a CSV ({error})"),
        };
        self.tab = opened.0;
        Ok(Some(opened.1))
    }
}

/// `1 query`, `2 queries`.
pub fn count(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// A path's file name, for messages.
fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |name| name.to_string_lossy().into_owned(),
    )
}

/// The eframe wrapper: loads and saves the settings.
struct Window {
    app: HecateApp,
}

impl eframe::App for Window {
    fn logic(&mut self, ctx: &egui::Context, _frame: &mut eframe::Frame) {
        self.app.logic(ctx);
    }

    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        egui::CentralPanel::default().show(ui, |ui| {
            egui::ScrollArea::vertical().show(ui, |ui| self.app.ui(ui));
        });
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, eframe::APP_KEY, &self.app.settings());
    }

    /// Only [`Settings`] are kept: egui's own memory holds the state of widgets, the customer's
    /// feature inputs among them.
    fn persist_egui_memory(&self) -> bool {
        false
    }
}

/// The window's icon, a keyhole, drawn by `scripts/make-icon.py`.
const ICON: &[u8] = include_bytes!("../assets/icon.png");

/// The window the app opens in: its size, title and icon; files may be dropped on it.
pub fn native_options() -> eframe::NativeOptions {
    let viewport = egui::ViewportBuilder::default()
        .with_inner_size([1100.0, 720.0])
        .with_drag_and_drop(true)
        .with_title("Hecate");
    // A test decodes the bundled icon; were it ever to fail, a window without one still works.
    let viewport = match eframe::icon_data::from_png_bytes(ICON) {
        Ok(icon) => viewport.with_icon(icon),
        Err(_) => viewport,
    };
    eframe::NativeOptions {
        viewport,
        ..eframe::NativeOptions::default()
    }
}

/// Opens the window.
pub fn run() -> Result<()> {
    eframe::run_native(
        "hecate",
        native_options(),
        Box::new(|context| {
            let settings: Settings = context
                .storage
                .and_then(|storage| eframe::get_value(storage, eframe::APP_KEY))
                .unwrap_or_default();
            let dialogs = NativeDialogs::here().map(|native| Arc::new(native) as Arc<dyn Dialogs>);
            let app = HecateApp::new(&settings, dialogs).map_err(|error| error.to_string())?;
            Ok(Box::new(Window { app }))
        }),
    )
    .map_err(|error| anyhow::anyhow!("cannot open the window: {error}"))
}
