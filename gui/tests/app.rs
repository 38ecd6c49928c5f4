//! The desktop app without a display (egui_kittest): the walkthrough, the customer's view and the
//! company's, clicked through by their labels, with file dialogs answered by a script and files
//! dropped on the window; shown predictions compared with the plaintext model's.

#![cfg(feature = "gui")]
#![allow(clippy::expect_used, clippy::panic, reason = "tests panic to fail")]

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use eframe::egui::{self, ViewportCommand, ViewportEvent, ViewportId, accesskit::Role};
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};
use hecate::{Model, ModelCard};
use hecate_app::app::company::{SAMPLE, SAMPLE_NAME, Status};
use hecate_app::app::dialogs::{Ask, Dialogs};
use hecate_app::app::{HecateApp, Settings, Tab};
use hecate_app::sealing::{self, WRONG_PASSPHRASE};
use hecate_app::workflows::{decrypt, encode, encrypt, keygen, predict, train};

mod common;
mod kittest;

use kittest::settle;

/// File dialogs that answer with the paths the test queued, in order (and say what they were
/// asked, so a test can check the question).
#[derive(Clone, Default)]
struct Script(Arc<Mutex<VecDeque<Vec<PathBuf>>>>, Arc<Mutex<Vec<Ask>>>);

impl Script {
    fn next(&self, paths: &[&Path]) {
        self.0
            .lock()
            .expect("not poisoned")
            .push_back(paths.iter().map(|path| path.to_path_buf()).collect());
    }

    fn asked(&self) -> Vec<Ask> {
        self.1.lock().expect("not poisoned").clone()
    }
}

impl Dialogs for Script {
    fn ask(&self, question: Ask) -> anyhow::Result<Vec<PathBuf>> {
        self.1.lock().expect("not poisoned").push(question);
        // Nothing queued: the user cancelled.
        Ok(self
            .0
            .lock()
            .expect("not poisoned")
            .pop_front()
            .unwrap_or_default())
    }
}

/// A file dropped on the window.
#[derive(Debug)]
struct Dropped(PathBuf);

impl egui::DroppedFile for Dropped {
    fn path(&self) -> &Path {
        &self.0
    }

    fn bytes(&self) -> Result<Vec<u8>, String> {
        std::fs::read(&self.0).map_err(|error| error.to_string())
    }
}

/// The app taking paths from `script`, tall enough for every section of every view.
fn harness(script: &Script) -> Harness<'static, HecateApp> {
    kittest::harness(
        &Settings::default(),
        Some(Arc::new(script.clone())),
        (1100.0, 2000.0),
    )
}

fn click(harness: &mut Harness<'static, HecateApp>, label: &str) {
    harness.get_by_label(label).click();
    settle(harness);
}

/// Shows the view `title`.
fn tab(harness: &mut Harness<'static, HecateApp>, title: &str) {
    // The walkthrough has columns of the same names: the tab is the button.
    harness.get_by_role_and_label(Role::Button, title).click();
    settle(harness);
}

/// Answers the question in the modal window with its button `label`.
fn answer(harness: &mut Harness<'static, HecateApp>, label: &str) {
    harness
        .get_by_role(Role::Dialog)
        .get_by_label(label)
        .click();
    settle(harness);
}

/// Whether the app asks a question in a modal window.
fn asking(harness: &Harness<'static, HecateApp>) -> bool {
    harness.query_by_role(Role::Dialog).is_some()
}

/// What the app told the window in the last frame.
fn window_commands(harness: &Harness<'static, HecateApp>) -> Vec<ViewportCommand> {
    harness
        .output()
        .viewport_output
        .get(&ViewportId::ROOT)
        .map(|output| output.commands.clone())
        .unwrap_or_default()
}

/// The user closes the window: what the app told the window in that frame.
fn close_window(harness: &mut Harness<'static, HecateApp>) -> Vec<ViewportCommand> {
    harness
        .input_mut()
        .viewports
        .entry(ViewportId::ROOT)
        .or_default()
        .events
        .push(ViewportEvent::Close);
    harness.step();
    let commands = window_commands(harness);
    settle(harness);
    commands
}

/// Steps the UI until the app closes the window itself (after a save it was waiting for).
fn wait_for_close(harness: &mut Harness<'static, HecateApp>) {
    let start = Instant::now();
    while !window_commands(harness).contains(&ViewportCommand::Close) {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "the window was not closed"
        );
        std::thread::sleep(Duration::from_millis(10));
        harness.step();
    }
}

/// Types `text` in the dialog's masked entry `label`, after what is there.
fn type_in(harness: &mut Harness<'static, HecateApp>, label: &str, text: &str) {
    // Focused first, in a frame of its own: typed text goes to the focused entry.
    harness
        .get_by_role(Role::Dialog)
        .get_by_role_and_label(Role::PasswordInput, label)
        .focus();
    harness.run_steps(2);
    harness
        .get_by_role(Role::Dialog)
        .get_by_role_and_label(Role::PasswordInput, label)
        .type_text(text);
    harness.run_steps(2);
}

/// Whether the dialog's button `label` is greyed out.
fn disabled(harness: &Harness<'static, HecateApp>, label: &str) -> bool {
    harness
        .get_by_role(Role::Dialog)
        .get_by_label(label)
        .accesskit_node()
        .is_disabled()
}

fn fingerprint(harness: &Harness<'static, HecateApp>) -> hecate::Fingerprint {
    harness
        .state()
        .customer
        .key
        .as_ref()
        .expect("a key")
        .fingerprint
}

fn drop_file(harness: &mut Harness<'static, HecateApp>, path: &Path) {
    harness
        .input_mut()
        .dropped_files
        .push(Arc::new(Dropped(path.to_path_buf())));
    settle(harness);
}

fn no_problem(harness: &Harness<'static, HecateApp>) {
    assert_eq!(harness.state().problem, None);
}

/// The company's model trained on the sample, as the app trains it.
fn sample_model() -> Model {
    let options = train::Options {
        target: "salary".into(),
        features: None,
        holdout: Some(0.2),
        seed: 0,
        ranges: Vec::new(),
    };
    train::train(SAMPLE, &options).expect("trains").model
}

fn card_of(model: &Model) -> ModelCard {
    model.card(&[2048, 3072, 4096]).expect("a card")
}

fn write(path: &Path, bytes: &[u8]) -> PathBuf {
    std::fs::write(path, bytes).expect("written");
    path.to_path_buf()
}

/// A customer's query for `values` under a new key: the key pair and the query message.
fn query_for(bits: u32, model: &Model, values: &[f64]) -> (keygen::KeyPair, Vec<u8>) {
    let pair = keygen::generate(bits, &AtomicBool::new(false)).expect("a key");
    let query = encrypt::encrypt(&pair.public, values, Some(&card_of(model)), None)
        .expect("a query")
        .to_vec();
    (pair, query)
}

#[test]
fn one_click_runs_the_whole_story() {
    let mut harness = harness(&Script::default());
    harness.get_by_label("Run the whole story").click();
    // A worker thread per step: settle until the last step is done.
    while harness.state().story.prediction.is_none() {
        settle(&mut harness);
        assert!(
            harness.state().story.error.is_none(),
            "{:?}",
            harness.state().story.error
        );
    }
    let story = &harness.state().story;
    let decrypted = story.prediction.expect("a prediction").value;
    let plain = story.plaintext_prediction().expect("the plaintext model");
    assert!(
        (decrypted - plain).abs() < 1e-9 * plain.abs(),
        "{decrypted} vs {plain}"
    );
    harness.get_by_label(&format!("Predicted salary: {decrypted:.2}"));
}

#[test]
fn step_by_step_shows_the_company_only_ciphertexts() {
    let mut harness = harness(&Script::default());
    harness.state_mut().story.inputs = ["61", "8", "1", "0"].map(str::to_owned);
    // Every step still to take, with a box to tick.
    harness.get_by_label("☐ 2. Encrypt the features");
    for label in [
        "1. Generate the customer's key",
        "2. Encrypt the features",
        "3. Send the query",
        "4. Compute on ciphertexts",
        "5. Return the answer",
        "6. Decrypt the prediction",
    ] {
        click(&mut harness, label);
        assert!(
            harness.state().story.error.is_none(),
            "{label}: {:?}",
            harness.state().story.error
        );
    }
    let story = &harness.state().story;
    let ciphertexts = &story.query.as_ref().expect("a query").previews;
    assert_eq!(ciphertexts.len(), 4);
    assert!(
        ciphertexts
            .iter()
            .all(|c| c.starts_with("0x") && c.contains("..."))
    );
    let (_, answer) = story.answer.as_ref().expect("an answer");
    assert!(answer.starts_with("0x") && answer.contains("..."));
    let decrypted = story.prediction.expect("a prediction").value;
    let plain = story.plaintext_prediction().expect("the plaintext model");
    assert!((decrypted - plain).abs() < 1e-9 * plain.abs());
    for ciphertext in ciphertexts {
        harness.get_by_label_contains(ciphertext);
    }
    harness.get_by_label(&format!("✔ answer received: {answer}"));
}

/// Replaces what the walkthrough's entry `feature` holds by typing `text` in it.
fn type_story_value(harness: &mut Harness<'static, HecateApp>, feature: &str, text: &str) {
    let index = ["age", "healthy_eating", "active_lifestyle", "gender"]
        .iter()
        .position(|name| *name == feature)
        .expect("a feature of the sample");
    if let Some(input) = harness.state_mut().story.inputs.get_mut(index) {
        input.clear();
    }
    // Focused first, in a frame of its own: typed text goes to the focused entry.
    harness
        .get_by_role_and_label(Role::TextInput, feature)
        .focus();
    harness.run_steps(2);
    harness
        .get_by_role_and_label(Role::TextInput, feature)
        .type_text(text);
    settle(harness);
}

#[test]
fn the_walkthrough_refuses_what_the_customer_view_refuses_until_fixed() {
    let mut harness = harness(&Script::default());
    for (feature, typed, problem) in [
        ("age", "200", "age: 200 is outside 18-"),
        (
            "healthy_eating",
            "abc",
            "healthy_eating: \"abc\" is not a number",
        ),
        ("gender", "0.5", "gender: 0.5 is not a whole number"),
    ] {
        type_story_value(&mut harness, feature, typed);
        // Beside the entry, and where the story would start.
        assert_eq!(
            harness.query_all_by_label_contains(problem).count(),
            2,
            "{feature} {typed:?}"
        );
        harness.get_by_label_contains(&format!("To run: {problem}"));
        assert!(
            harness
                .get_by_label("Run the whole story")
                .accesskit_node()
                .is_disabled()
        );
        click(&mut harness, "Run the whole story");
        assert!(harness.state().story.key.is_none(), "{feature} {typed:?}");
        // Fixed again, as the story starts.
        let fixed = match feature {
            "age" => "36",
            "gender" => "1",
            _ => "5",
        };
        type_story_value(&mut harness, feature, fixed);
        assert!(harness.query_by_label_contains("To run:").is_none());
    }
    click(&mut harness, "Run the whole story");
    let story = &harness.state().story;
    assert_eq!(story.error, None);
    assert_eq!(story.values().expect("fixed"), [36.0, 5.0, 5.0, 1.0]);
    assert!(story.prediction.is_some());
}

#[test]
fn customer_makes_a_query_and_reads_the_answer_and_refuses_another_keys() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let model = sample_model();
    let card = write(
        &dir.path().join("model.card"),
        &encode(|out| card_of(&model).to_bytes(out)).expect("encoded"),
    );
    let script = Script::default();
    let mut harness = harness(&script);
    tab(&mut harness, "Customer");
    assert_eq!(harness.state().tab, Tab::Customer);
    // The size is a setting of the view (3072 by default); 2048 keeps the test quick.
    assert_eq!(harness.state().customer.bits, 3072);
    harness.state_mut().customer.bits = 2048;

    // A dialog cancelled changes nothing.
    click(&mut harness, "Open a key...");
    no_problem(&harness);
    assert!(harness.state().customer.key.is_none());
    assert!(matches!(
        script.asked().last(),
        Some(Ask::Open("Open your private key", kind)) if kind.extensions == ["key"]
    ));

    click(&mut harness, "Generate a key");
    no_problem(&harness);
    let fingerprint = harness
        .state()
        .customer
        .key
        .as_ref()
        .expect("a key")
        .fingerprint;
    harness.get_by_label(&format!("{fingerprint:.16}"));
    harness.get_by_label("Only in memory: save it to decrypt answers later.");
    let key_path = dir.path().join("me.key");
    script.next(&[&key_path]);
    click(&mut harness, "Save the key...");
    answer(&mut harness, "Save without a passphrase");
    no_problem(&harness);
    assert_eq!(
        keygen::open(&std::fs::read(&key_path).expect("the key file"))
            .expect("a private key")
            .fingerprint,
        fingerprint
    );
    assert!(dir.path().join("me.pub").exists());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key_path)
            .expect("metadata")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    script.next(&[&card]);
    click(&mut harness, "Open a model card...");
    no_problem(&harness);
    // An out-of-range value is refused where it is typed, and nothing can be encrypted.
    let values = [44.0, 3.5, 9.0, 0.0];
    type_values(&mut harness, ["12", "3.5", "9", "0"]);
    // The sample card declares age 15.5..69.5 (the data's range with a margin), narrowed to 18 and up.
    harness.get_by_label("age: 12 is outside 18-69.5");
    harness.get_by_label("To encrypt: age: 12 is outside 18-69.5");
    click(&mut harness, "Encrypt");
    assert!(harness.state().customer.query.is_none());
    // Fixed: the age field gets 44 instead.
    **harness
        .state_mut()
        .customer
        .inputs
        .first_mut()
        .expect("an age field") = String::new();
    let field = harness.get_by_role_and_label(Role::TextInput, "age");
    field.focus();
    field.type_text("44");
    settle(&mut harness);

    click(&mut harness, "Encrypt");
    no_problem(&harness);
    let query = harness.state().customer.query.clone().expect("a query");
    assert_eq!(query.previews.len(), 4);
    for preview in &query.previews {
        harness.get_by_label(preview);
    }
    let query_path = dir.path().join("query.hq");
    script.next(&[&query_path]);
    click(&mut harness, "Save the query...");
    no_problem(&harness);
    assert_eq!(std::fs::read(&query_path).expect("saved"), query.bytes);

    // The company answers it.
    let answer = predict::predict(&model, &query.bytes, &Default::default()).expect("an answer");
    let answer_path = write(&dir.path().join("answer.ha"), &answer);
    script.next(&[&answer_path]);
    click(&mut harness, "Open an answer...");
    no_problem(&harness);
    let shown = shows_the_prediction(&harness, &model, &values);

    // An answer for someone else's key is refused, and the prediction shown stays this one's.
    let (_, other_query) = query_for(2048, &model, &values);
    let other = write(
        &dir.path().join("other.ha"),
        &predict::predict(&model, &other_query, &Default::default()).expect("an answer"),
    );
    script.next(&[&other]);
    click(&mut harness, "Open an answer...");
    let problem = harness.state().problem.clone().expect("refused");
    assert!(problem.contains("other.ha is for another key"), "{problem}");
    assert!(problem.contains(&format!("{fingerprint:.16}")), "{problem}");
    harness.get_by_label_contains("Problem: other.ha is for another key");
    assert_eq!(harness.state().customer.prediction, Some(shown));

    // A new query with other values: the inputs open again.
    click(&mut harness, "Change the values");
    assert!(harness.state().customer.query.is_none());
    let field = harness.get_by_role_and_label(Role::TextInput, "gender");
    field.focus();
    field.type_text(".5");
    settle(&mut harness);
    assert_eq!(harness.state().customer.inputs[3].as_str(), "0.5");
    harness.get_by_label("gender: 0.5 is not a whole number");

    // What persists between runs names no key and no value.
    let (url, settings) = persisted(&harness);
    assert_eq!(url, "http://127.0.0.1:8080");
    assert!(
        !settings.contains(&format!("{fingerprint:.8}")),
        "{settings}"
    );
    assert!(!settings.contains("44"), "{settings}");
}

/// What persists between runs, as written: the company's address, which the customer typed and
/// whose port may hold any digits, and the rest.
fn persisted(harness: &Harness<'static, HecateApp>) -> (String, String) {
    let mut settings = serde_json::to_value(harness.state().settings()).expect("serializes");
    let url = settings
        .as_object_mut()
        .and_then(|fields| fields.remove("company_url"))
        .expect("the company's address is kept");
    let url = url.as_str().expect("an address is text").to_owned();
    (url, settings.to_string())
}

/// A running `hecate serve` of `model`, killed when dropped.
struct Service {
    child: std::process::Child,
    url: String,
}

impl Service {
    fn start(dir: &Path, model: &Model) -> Self {
        let path = write(
            &dir.join("served.hm"),
            &encode(|out| model.to_bytes(out)).expect("encoded"),
        );
        // Served beside its card, as `hecate train` writes them.
        write(
            &path.with_extension("card"),
            &encode(|out| card_of(model).to_bytes(out)).expect("encoded"),
        );
        let served = path.to_str().expect("a UTF-8 path");
        let (child, url) = common::serve(dir, &["--model", served, "--listen", "127.0.0.1:0"]);
        Self { child, url }
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The customer's prediction, after checking it is `model`'s for `values` and shown.
fn shows_the_prediction(
    harness: &Harness<'static, HecateApp>,
    model: &Model,
    values: &[f64],
) -> decrypt::Decrypted {
    let shown = harness.state().customer.prediction.expect("a prediction");
    let plain = model.evaluate(values).expect("the plaintext model");
    assert!(
        (shown.value - plain).abs() < 1e-9 * plain.abs(),
        "{} vs {plain}",
        shown.value
    );
    harness.get_by_label(&format!("Predicted salary: {:.2}", shown.value));
    shown
}

/// Types `texts` in the customer's fields for the sample's features, after what is there.
fn type_values(harness: &mut Harness<'static, HecateApp>, texts: [&str; 4]) {
    for (name, text) in ["age", "healthy_eating", "active_lifestyle", "gender"]
        .into_iter()
        .zip(texts)
    {
        let field = harness.get_by_role_and_label(Role::TextInput, name);
        field.focus();
        field.type_text(text);
        harness.step();
    }
    settle(harness);
}

/// Types `url` in the customer's service field, in place of what is there.
fn type_url(harness: &mut Harness<'static, HecateApp>, url: &str) {
    harness.state_mut().customer.company_url.clear();
    let field = harness.get_by_role_and_label(Role::TextInput, "or ask the company's service");
    field.focus();
    field.type_text(url);
    settle(harness);
}

#[test]
fn customer_asks_the_company_service_and_can_stop_waiting() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let model = sample_model();
    let service = Service::start(dir.path(), &model);
    let mut harness = harness(&Script::default());
    tab(&mut harness, "Customer");
    harness.state_mut().customer.bits = 2048;
    click(&mut harness, "Generate a key");
    no_problem(&harness);
    // `hecate serve`'s own address until the customer types another.
    assert_eq!(
        harness.state().customer.company_url,
        "http://127.0.0.1:8080"
    );

    type_url(&mut harness, &service.url);
    click(&mut harness, "Fetch its card");
    no_problem(&harness);
    let card = harness.state().customer.card.clone().expect("a card");
    assert_eq!(card.url.as_deref(), Some(service.url.as_str()));
    assert_eq!(card.card.id(), card_of(&model).id());
    harness.get_by_label_contains(&format!("{}: predicts salary from age", service.url));

    let values = [44.0, 3.5, 9.0, 0.0];
    type_values(&mut harness, ["44", "3.5", "9", "0"]);
    click(&mut harness, "Ask the company");
    no_problem(&harness);
    let shown = shows_the_prediction(&harness, &model, &values);
    assert_eq!(shown.fingerprint, fingerprint(&harness));
    // What was sent, as the file path shows it: the ciphertexts only.
    let query = harness
        .state()
        .customer
        .query
        .clone()
        .expect("the query sent");
    assert_eq!(query.previews.len(), 4);
    harness.get_by_label_contains(&format!("Sent to {}", service.url));
    // The URL persists (it is not secret); the values do not.
    let (url, settings) = persisted(&harness);
    assert_eq!(url, service.url);
    assert!(!settings.contains("44"), "{settings}");

    // Nobody at the address: said at once, and the card from the service stays.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
    let closed_url = format!("http://{}", closed.local_addr().expect("an address"));
    drop(closed);
    type_url(&mut harness, &closed_url);
    click(&mut harness, "Fetch its card");
    let problem = harness.state().problem.clone().expect("unreachable");
    assert!(problem.contains("cannot reach the company"), "{problem}");
    assert_eq!(
        harness
            .state()
            .customer
            .card
            .as_ref()
            .map(|card| card.card.id()),
        Some(card.card.id())
    );

    // A service that takes the connection and never answers: the window keeps drawing, the
    // wait shows, and Cancel ends it.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
    type_url(
        &mut harness,
        &format!("http://{}", silent.local_addr().expect("an address")),
    );
    harness.get_by_label("Fetch its card").click();
    harness.run_steps(3);
    assert!(harness.state().customer.fetching_since().is_some());
    harness.get_by_label_contains("Fetching the card...");
    click(&mut harness, "Cancel");
    assert!(!harness.state().busy());
    harness.get_by_label_contains("Stopped waiting for the company");

    // Plain http to another machine is flagged where the address is typed.
    type_url(&mut harness, "http://192.0.2.1:8080");
    harness.get_by_label_contains("Plain http to another machine");
}

/// The app's own file dialog, as a desktop without the portal shows it: the window's title, the
/// files of the kind asked for, the buttons.
#[test]
fn without_the_desktop_portal_the_apps_own_dialog_opens_and_saves() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let pair = keygen::generate(2048, &AtomicBool::new(false)).expect("a key");
    write(&dir.path().join("mine.key"), &pair.private);
    write(&dir.path().join("notes.txt"), b"not a key");
    let mut harness = kittest::harness(&Settings::default(), None, (1100.0, 900.0));
    harness.state_mut().folder = Some(dir.path().to_path_buf());
    tab(&mut harness, "Customer");

    // Cancelled: nothing opened.
    click(&mut harness, "Open a key...");
    harness.get_by_label_contains("Open your private key");
    click(&mut harness, "Cancel");
    assert!(
        harness
            .query_by_label_contains("Open your private key")
            .is_none()
    );
    assert!(harness.state().customer.key.is_none());

    // Only the kind of file asked for is listed.
    click(&mut harness, "Open a key...");
    assert!(harness.query_by_label_contains("notes.txt").is_none());
    click(&mut harness, "🗋 mine.key");
    click(&mut harness, "Open");
    no_problem(&harness);
    assert_eq!(fingerprint(&harness), pair.fingerprint);
    // The size shown for the next key is the open key's, not the 3072 of the settings.
    assert_eq!(harness.state().customer.bits, 2048);

    // Saved under the name suggested, in the folder last used.
    click(&mut harness, "Save the key...");
    harness.get_by_label_contains("Save your key");
    click(&mut harness, "Save");
    answer(&mut harness, "Save without a passphrase");
    no_problem(&harness);
    let saved = dir.path().join("customer.key");
    assert_eq!(
        keygen::open(&std::fs::read(&saved).expect("saved"))
            .expect("a private key")
            .fingerprint,
        pair.fingerprint
    );

    // A file there already is asked about before the customer's choice goes on.
    click(&mut harness, "Save the key...");
    click(&mut harness, "Save");
    harness.get_by_label("Replace the file?");
    click(&mut harness, "Choose another name");
    harness.get_by_label_contains("Save your key");
    click(&mut harness, "Save");
    answer(&mut harness, "Replace");
    answer(&mut harness, "Save without a passphrase");
    no_problem(&harness);
    assert!(!asking(&harness));
}

/// Presses the keys of a main action (Ctrl, or Cmd on a Mac, and `key`).
fn press(harness: &mut Harness<'static, HecateApp>, key: egui::Key) {
    harness.key_press_modifiers(egui::Modifiers::COMMAND, key);
    settle(harness);
}

#[test]
fn keys_press_the_main_buttons_and_about_tells_the_version() {
    let script = Script::default();
    let mut harness = harness(&script);
    tab(&mut harness, "Customer");
    press(&mut harness, egui::Key::O);
    assert!(matches!(
        script.asked().as_slice(),
        [Ask::Open("Open your private key", _)]
    ));
    // Encrypt is greyed out without a key and a card: so are its keys.
    press(&mut harness, egui::Key::E);
    no_problem(&harness);

    click(&mut harness, "About");
    harness.get_by_label(&format!("Hecate {}", env!("CARGO_PKG_VERSION")));
    harness.get_by_label(&format!(
        "Arithmetic: {} (constant-time)",
        hecate::Arithmetic::in_use().name()
    ));
    // Under a modal window the keys press nothing.
    press(&mut harness, egui::Key::O);
    assert_eq!(script.asked().len(), 1);
    answer(&mut harness, "Close");
    assert!(!harness.state().about);

    tab(&mut harness, "Company");
    press(&mut harness, egui::Key::O);
    assert!(matches!(
        script.asked().last(),
        Some(Ask::OpenMany("Open queries", _))
    ));
}

#[test]
fn customer_can_cancel_key_generation() {
    let mut harness = harness(&Script::default());
    tab(&mut harness, "Customer");
    // A 4096-bit key takes seconds: long enough to be cancelled.
    harness.state_mut().customer.bits = 4096;
    harness.get_by_label("Generate a key").click();
    harness.step();
    harness.step();
    harness.get_by_label_contains("Searching for two 2048-bit primes");
    click(&mut harness, "Cancel");
    assert!(harness.state().customer.key_work().is_none());
    assert!(harness.state().customer.key.is_none());
    harness.get_by_label("Key generation cancelled.");
}

#[test]
fn company_trains_publishes_and_answers_a_batch_of_queries() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let script = Script::default();
    let mut harness = harness(&script);
    tab(&mut harness, "Company");
    click(&mut harness, "Train");
    no_problem(&harness);
    let (trained, _) = harness.state().company.trained.as_ref().expect("trained");
    assert!(trained.training.r2 > 0.8, "{:?}", trained.training);
    let fit = format!(
        "Training: R² {:.4}, RMSE {:.4} ({} rows)",
        trained.training.r2, trained.training.rmse, trained.training.rows
    );
    harness.get_by_label(&fit);
    let model = trained.model.clone();

    let card_path = dir.path().join("model.card");
    script.next(&[&card_path]);
    click(&mut harness, "Publish the model card...");
    no_problem(&harness);
    let card = ModelCard::from_bytes(&std::fs::read(&card_path).expect("the card")).expect("card");
    assert_eq!(card.id(), model.id());

    // Two customers with keys of two sizes, a query of the wrong length, junk, and a query with
    // one byte changed.
    let (first, first_query) = query_for(2048, &model, &[25.0, 9.0, 8.0, 1.0]);
    let (second, second_query) = query_for(3072, &model, &[58.0, 2.0, 1.0, 0.0]);
    let short = encrypt::encrypt(&first.public, &[1.0, 2.0, 3.0], None, None).expect("a query");
    let mut flipped = first_query.clone();
    let middle = flipped.len() / 2;
    *flipped.get_mut(middle).expect("a byte") ^= 1;
    let paths = [
        write(&dir.path().join("first.hq"), &first_query),
        write(&dir.path().join("second.hq"), &second_query),
        write(&dir.path().join("short.hq"), &short),
        write(&dir.path().join("junk.hq"), b"not a query"),
        write(&dir.path().join("flipped.hq"), &flipped),
    ];
    script.next(&paths.iter().map(PathBuf::as_path).collect::<Vec<_>>());
    click(&mut harness, "Open queries...");
    let statuses: Vec<Status> = harness
        .state()
        .company
        .queries
        .iter()
        .map(|query| query.status.clone())
        .collect();
    assert!(matches!(
        &statuses[..2],
        [Status::Ready(_), Status::Ready(_)]
    ));
    for (status, problem) in
        statuses[2..]
            .iter()
            .zip(["features", "not a Hecate file", "checksum mismatch"])
    {
        match status {
            Status::Invalid(message, _) => assert!(message.contains(problem), "{message}"),
            other => panic!("accepted a bad query: {other:?}"),
        }
    }
    assert_eq!(harness.get_all_by_label_contains("refused: ").count(), 3);

    click(&mut harness, "Answer 2 queries");
    no_problem(&harness);
    let folder = dir.path().join("answers");
    std::fs::create_dir(&folder).expect("a folder");
    script.next(&[&folder]);
    click(&mut harness, "Save 2 answers...");
    no_problem(&harness);
    for (pair, name, values) in [
        (&first, "first.ha", [25.0, 9.0, 8.0, 1.0]),
        (&second, "second.ha", [58.0, 2.0, 1.0, 0.0]),
    ] {
        let answer = std::fs::read(folder.join(name)).expect("an answer file");
        let shown = decrypt::decrypt(&pair.private, &answer)
            .expect("decrypts")
            .value;
        // The key the app keeps decoded reads the same.
        let kept = pair
            .key
            .decrypt_answer_file(&answer)
            .expect("decrypts")
            .value;
        assert_eq!(kept.to_bits(), shown.to_bits());
        let plain = model.evaluate(&values).expect("the plaintext model");
        assert!(
            (shown - plain).abs() < 1e-9 * plain.abs(),
            "{shown} vs {plain}"
        );
    }

    // A second batch never replaces the first one's answers.
    let first_answer = std::fs::read(folder.join("first.ha")).expect("an answer file");
    script.next(&[&paths[0]]);
    click(&mut harness, "Open queries...");
    click(&mut harness, "Answer 1 query");
    script.next(&[&folder]);
    click(&mut harness, "Save 1 answer...");
    no_problem(&harness);
    assert_eq!(
        std::fs::read(folder.join("first.ha")).expect("still there"),
        first_answer
    );
    let again = std::fs::read(folder.join("first-2.ha")).expect("the second answer");
    assert_ne!(again, first_answer, "a fresh re-randomization");
    let decrypted = decrypt::decrypt(&first.private, &again).expect("decrypts");
    let shown = decrypted.value;
    let debug = format!("{decrypted:?}");
    assert!(
        !debug.contains(&format!("{shown:?}")),
        "Debug shows the prediction: {debug}"
    );
    let plain = model
        .evaluate(&[25.0, 9.0, 8.0, 1.0])
        .expect("the plaintext model");
    assert!(
        (shown - plain).abs() < 1e-9 * plain.abs(),
        "{shown} vs {plain}"
    );

    // A new model checks the waiting queries again: this one was for the old model.
    script.next(&[&paths[1]]);
    click(&mut harness, "Open queries...");
    assert!(matches!(
        harness
            .state()
            .company
            .queries
            .last()
            .map(|query| &query.status),
        Some(Status::Ready(_))
    ));
    harness.state_mut().company.target = "age".to_owned();
    click(&mut harness, "Train");
    answer(&mut harness, "Discard the model");
    match harness
        .state()
        .company
        .queries
        .last()
        .map(|query| &query.status)
    {
        // Refused, but its key is still told.
        Some(Status::Invalid(problem, Some(info))) => {
            assert!(problem.contains("another model"), "{problem}");
            assert_eq!(info.fingerprint, second.fingerprint);
        }
        other => panic!("a query for the old model still accepted: {other:?}"),
    }
    // Its key beside it, as for the one answered before.
    assert_eq!(
        harness
            .get_all_by_label(&format!("{:.16} (3072 bits)", second.fingerprint))
            .count(),
        2
    );

    // The log names keys and the model, and holds nothing else.
    let log = &harness.state().company.log;
    assert_eq!(
        log.iter()
            .map(|served| served.fingerprint)
            .collect::<Vec<_>>(),
        [first.fingerprint, second.fingerprint, first.fingerprint]
    );
    assert!(log.iter().all(|served| served.model == model.id()));
    // The first key: its two answered queries, the short one refused, the log's two lines; the
    // second: its answered query, its refused copy, the log's line.
    for (pair, times) in [(&first, 5), (&second, 3)] {
        assert_eq!(
            harness
                .get_all_by_label_contains(&format!("{:.16}", pair.fingerprint))
                .count(),
            times,
            "once per query that decodes and once in the log per answer"
        );
    }
}

#[test]
fn dropped_files_go_where_they_belong() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let model = sample_model();
    let (pair, query) = query_for(2048, &model, &[30.0, 5.0, 5.0, 1.0]);
    let query_path = write(&dir.path().join("dropped.hq"), &query);
    let public_path = write(&dir.path().join("someone.pub"), &pair.public);
    let mut harness = harness(&Script::default());
    assert_eq!(harness.state().tab, Tab::Walkthrough);

    harness
        .input_mut()
        .dropped_files
        .push(Arc::new(Dropped(query_path)));
    settle(&mut harness);
    assert_eq!(harness.state().tab, Tab::Company);
    no_problem(&harness);
    harness.get_by_label("dropped.hq");
    assert_eq!(harness.state().company.queries.len(), 1);

    harness
        .input_mut()
        .dropped_files
        .push(Arc::new(Dropped(public_path)));
    settle(&mut harness);
    harness.get_by_label_contains("someone.pub is a public key");

    // The customer's key and the answer to their query: opened and decrypted in the customer's
    // view, dropped together (the answer first: it waits for its key).
    let key_path = write(&dir.path().join("mine.key"), &pair.private);
    let answer = predict::predict(&model, &query, &Default::default()).expect("an answer");
    let answer_path = write(&dir.path().join("mine.ha"), &answer);
    for path in [answer_path, key_path.clone()] {
        harness
            .input_mut()
            .dropped_files
            .push(Arc::new(Dropped(path)));
    }
    settle(&mut harness);
    no_problem(&harness);
    assert_eq!(harness.state().tab, Tab::Customer);
    let customer = &harness.state().customer;
    assert_eq!(
        customer.key.as_ref().expect("a key").fingerprint,
        pair.fingerprint
    );
    assert_eq!(customer.key_file.as_ref(), Some(&key_path));
    let shown = customer.prediction.expect("decrypted").value;
    let plain = model
        .evaluate(&[30.0, 5.0, 5.0, 1.0])
        .expect("the plaintext model");
    assert!(
        (shown - plain).abs() < 1e-9 * plain.abs(),
        "{shown} vs {plain}"
    );
    harness.get_by_label(&format!("Predicted value: {shown:.2}"));

    // A CSV becomes the company's training data.
    let csv = write(
        &dir.path().join("staff.csv"),
        b"years,pay\n1,10\n2,21\n3,29\n4,41\n",
    );
    harness
        .input_mut()
        .dropped_files
        .push(Arc::new(Dropped(csv)));
    settle(&mut harness);
    no_problem(&harness);
    assert_eq!(harness.state().tab, Tab::Company);
    assert_eq!(harness.state().company.data_name, "staff.csv");
    assert_eq!(harness.state().company.target, "pay");
}

#[test]
fn an_unsaved_key_is_never_replaced_without_asking() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let script = Script::default();
    let mut harness = harness(&script);
    tab(&mut harness, "Customer");
    harness.state_mut().customer.bits = 2048;
    click(&mut harness, "Generate a key");
    let first = fingerprint(&harness);

    // Another key asks first; cancelled, nothing changes.
    click(&mut harness, "Generate a key");
    assert!(asking(&harness));
    assert!(harness.state().customer.key_work().is_none());
    harness.get_by_label_contains(&format!("Your key {first:.16} is only in memory"));
    answer(&mut harness, "Cancel");
    assert!(!asking(&harness));
    assert_eq!(fingerprint(&harness), first);

    // So does a key dropped on the window, or one opened from a file.
    let theirs = keygen::generate(2048, &AtomicBool::new(false)).expect("a key");
    let theirs_path = write(&dir.path().join("theirs.key"), &theirs.private);
    drop_file(&mut harness, &theirs_path);
    harness.get_by_label_contains("Opening another key replaces it.");
    answer(&mut harness, "Cancel");
    click(&mut harness, "Open a key...");
    answer(&mut harness, "Cancel");
    assert!(script.asked().is_empty(), "no file dialog");
    assert_eq!(fingerprint(&harness), first);
    no_problem(&harness);

    // Saving first, its save dialog cancelled: nothing happens.
    click(&mut harness, "Generate a key");
    answer(&mut harness, "Save the key first...");
    assert_eq!(fingerprint(&harness), first);
    assert!(harness.state().customer.key_work().is_none());

    // Saved first, then replaced.
    let first_path = dir.path().join("first.key");
    script.next(&[&first_path]);
    click(&mut harness, "Generate a key");
    answer(&mut harness, "Save the key first...");
    answer(&mut harness, "Save without a passphrase");
    no_problem(&harness);
    assert_eq!(
        keygen::open(&std::fs::read(&first_path).expect("saved"))
            .expect("a key")
            .fingerprint,
        first
    );
    let second = fingerprint(&harness);
    assert_ne!(second, first);
    assert!(harness.state().customer.unsaved_key());

    // Discarded on purpose.
    drop_file(&mut harness, &theirs_path);
    answer(&mut harness, "Discard the key");
    no_problem(&harness);
    assert_eq!(fingerprint(&harness), theirs.fingerprint);

    // A key opened from a file is saved: nothing to ask.
    click(&mut harness, "Generate a key");
    assert!(!asking(&harness));
    assert_ne!(fingerprint(&harness), theirs.fingerprint);
}

#[test]
fn closing_the_window_asks_while_a_key_or_model_is_unsaved() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let script = Script::default();
    let mut harness = harness(&script);
    // Nothing unsaved: the window closes.
    assert!(!close_window(&mut harness).contains(&ViewportCommand::CancelClose));
    assert!(!asking(&harness));

    tab(&mut harness, "Customer");
    harness.state_mut().customer.bits = 2048;
    click(&mut harness, "Generate a key");
    assert!(close_window(&mut harness).contains(&ViewportCommand::CancelClose));
    harness.get_by_label("Quit without saving?");
    answer(&mut harness, "Cancel");
    assert!(!asking(&harness));
    assert!(harness.state().customer.key.is_some());

    tab(&mut harness, "Company");
    click(&mut harness, "Train");
    assert!(close_window(&mut harness).contains(&ViewportCommand::CancelClose));
    harness.get_by_label_contains("Your key");
    harness.get_by_label("The model trained here is only in memory.");

    // The key saved, the window closes again, and asks about the model alone.
    let key_path = dir.path().join("mine.key");
    script.next(&[&key_path]);
    harness
        .get_by_role(Role::Dialog)
        .get_by_label("Save the key first...")
        .click();
    settle(&mut harness);
    harness
        .get_by_role(Role::Dialog)
        .get_by_label("Save without a passphrase")
        .click();
    wait_for_close(&mut harness);
    assert!(key_path.exists());
    assert!(close_window(&mut harness).contains(&ViewportCommand::CancelClose));
    assert!(
        harness
            .get_by_role(Role::Dialog)
            .query_by_label("Save the key first...")
            .is_none()
    );
    harness
        .get_by_role(Role::Dialog)
        .get_by_label("Quit without saving")
        .click();
    wait_for_close(&mut harness);
    assert!(!close_window(&mut harness).contains(&ViewportCommand::CancelClose));
}

#[test]
fn saving_never_silently_replaces_another_key_or_model() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let script = Script::default();
    let mut harness = harness(&script);
    tab(&mut harness, "Customer");
    harness.state_mut().customer.bits = 2048;
    click(&mut harness, "Generate a key");
    let mine = fingerprint(&harness);

    // Files of another key where this one is saved, the save dialog having asked nothing.
    let theirs = keygen::generate(2048, &AtomicBool::new(false)).expect("a key");
    let theirs_path = write(&dir.path().join("theirs.key"), &theirs.private);
    let theirs_public = write(&dir.path().join("theirs.pub"), &theirs.public);
    script.next(&[&theirs_path]);
    click(&mut harness, "Save the key...");
    harness.get_by_label_contains("theirs.pub already hold something else, perhaps another key");
    answer(&mut harness, "Cancel");
    assert_eq!(
        std::fs::read(&theirs_path).expect("kept").as_slice(),
        theirs.private.as_slice()
    );
    assert_eq!(std::fs::read(&theirs_public).expect("kept"), theirs.public);
    assert!(harness.state().customer.unsaved_key());

    script.next(&[&theirs_path]);
    click(&mut harness, "Save the key...");
    answer(&mut harness, "Replace");
    answer(&mut harness, "Save without a passphrase");
    no_problem(&harness);
    let saved = std::fs::read(&theirs_path).expect("saved");
    assert_eq!(keygen::open(&saved).expect("a key").fingerprint, mine);
    assert!(!harness.state().customer.unsaved_key());

    // Saved again over itself: nothing is lost, nothing to ask.
    script.next(&[&theirs_path]);
    click(&mut harness, "Save the key...");
    harness.get_by_label("Protect the key with a passphrase");
    assert!(harness.query_by_label("Replace what is there?").is_none());
    answer(&mut harness, "Save without a passphrase");
    no_problem(&harness);

    // The model likewise.
    tab(&mut harness, "Company");
    click(&mut harness, "Train");
    let notes = write(&dir.path().join("notes.hm"), b"not a model");
    script.next(&[&notes]);
    click(&mut harness, "Save the model...");
    harness.get_by_label_contains("notes.hm already holds something else, perhaps another model");
    answer(&mut harness, "Cancel");
    assert_eq!(std::fs::read(&notes).expect("kept"), b"not a model");
    assert!(harness.state().company.unsaved_model());
}

#[test]
fn an_unsaved_model_is_never_replaced_without_asking() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let script = Script::default();
    let mut harness = harness(&script);
    tab(&mut harness, "Company");
    click(&mut harness, "Train");
    let first = harness.state().company.model().expect("a model").id();
    harness.state_mut().company.target = "age".to_owned();
    click(&mut harness, "Train");
    harness.get_by_label("Save the model first?");
    answer(&mut harness, "Cancel");
    assert_eq!(
        harness.state().company.model().expect("a model").id(),
        first
    );

    // A model dropped on the window asks too.
    let options = train::Options {
        target: "age".into(),
        features: None,
        holdout: None,
        seed: 0,
        ranges: Vec::new(),
    };
    let other = train::train(SAMPLE, &options).expect("trains").model;
    let other = write(
        &dir.path().join("other.hm"),
        &encode(|out| other.to_bytes(out)).expect("encoded"),
    );
    drop_file(&mut harness, &other);
    harness.get_by_label_contains("Opening another model replaces it.");
    answer(&mut harness, "Cancel");
    assert_eq!(
        harness.state().company.model().expect("a model").id(),
        first
    );

    let path = dir.path().join("first.hm");
    script.next(&[&path]);
    click(&mut harness, "Train");
    answer(&mut harness, "Save the model first...");
    answer(&mut harness, "Save without a passphrase");
    no_problem(&harness);
    let saved = Model::from_bytes(&std::fs::read(&path).expect("saved")).expect("a model");
    assert_eq!(saved.id(), first);
    let second = harness.state().company.model().expect("a model").id();
    assert_ne!(second, first);
    assert_eq!(harness.state().company.target, "age");
}

#[test]
fn a_key_saved_under_a_passphrase_opens_with_it_only() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let script = Script::default();
    let mut harness = harness(&script);
    tab(&mut harness, "Customer");
    harness.state_mut().customer.bits = 2048;
    click(&mut harness, "Generate a key");
    let mine = fingerprint(&harness);

    let path = dir.path().join("alice.key");
    script.next(&[&path]);
    click(&mut harness, "Save the key...");
    harness.get_by_label("Protect the key with a passphrase");
    assert!(disabled(&harness, "Save"), "nothing typed");
    type_in(&mut harness, "Passphrase", "correct horse battery staple");
    harness.get_by_label_contains("strong");
    type_in(&mut harness, "Again", "correct horse battery stapl");
    harness.get_by_label("The two entries differ.");
    assert!(disabled(&harness, "Save"), "the entries differ");
    type_in(&mut harness, "Again", "e");
    assert!(!disabled(&harness, "Save"));
    answer(&mut harness, "Save");
    no_problem(&harness);
    assert!(!asking(&harness));
    let sealed = std::fs::read(&path).expect("saved");
    assert!(sealing::is_sealed(&sealed), "sealed");
    assert!(!harness.state().customer.unsaved_key());

    // Saved again: the sealed file holds this key, though not these bytes; nothing to replace.
    script.next(&[&path]);
    click(&mut harness, "Save the key...");
    assert!(harness.query_by_label("Replace what is there?").is_none());
    answer(&mut harness, "Cancel");
    assert_eq!(std::fs::read(&path).expect("kept"), sealed);

    // Opened in another window, dropped: a wrong passphrase is said, and another try works.
    let mut other = crate::harness(&Script::default());
    drop_file(&mut other, &path);
    other.get_by_label("The passphrase of alice.key (a private key):");
    type_in(&mut other, "Passphrase", "Correct horse battery staple");
    answer(&mut other, "Open");
    other
        .get_by_role(Role::Dialog)
        .get_by_label(WRONG_PASSPHRASE);
    assert!(other.state().customer.key.is_none());
    type_in(&mut other, "Passphrase", "correct horse battery staple");
    answer(&mut other, "Open");
    no_problem(&other);
    assert!(!asking(&other));
    assert_eq!(fingerprint(&other), mine);
    assert_eq!(other.state().customer.key_file.as_ref(), Some(&path));
}

#[test]
fn a_model_saves_plain_or_sealed_and_opens_from_the_file_dialog() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let script = Script::default();
    let mut harness = harness(&script);
    tab(&mut harness, "Company");
    click(&mut harness, "Train");
    let id = harness.state().company.model().expect("a model").id();

    let plain = dir.path().join("plain.hm");
    script.next(&[&plain]);
    click(&mut harness, "Save the model...");
    answer(&mut harness, "Save without a passphrase");
    no_problem(&harness);
    let bytes = std::fs::read(&plain).expect("saved");
    assert!(!sealing::is_sealed(&bytes));
    assert_eq!(Model::from_bytes(&bytes).expect("a model").id(), id);

    let sealed = dir.path().join("sealed.hm");
    script.next(&[&sealed]);
    click(&mut harness, "Save the model...");
    type_in(&mut harness, "Passphrase", "tonic");
    type_in(&mut harness, "Again", "tonic");
    harness.get_by_label_contains("weak");
    answer(&mut harness, "Save");
    no_problem(&harness);
    assert!(sealing::is_sealed(&std::fs::read(&sealed).expect("saved")));

    script.next(&[&sealed]);
    click(&mut harness, "Open a model...");
    harness.get_by_label("The passphrase of sealed.hm (a model):");
    type_in(&mut harness, "Passphrase", "tonic");
    answer(&mut harness, "Open");
    no_problem(&harness);
    assert_eq!(
        harness
            .state()
            .company
            .opened
            .as_ref()
            .map(|(model, _)| model.id()),
        Some(id)
    );

    // A sealed model is no key.
    tab(&mut harness, "Customer");
    script.next(&[&sealed]);
    click(&mut harness, "Open a key...");
    assert!(!asking(&harness));
    let problem = harness.state().problem.clone().unwrap_or_default();
    assert!(problem.contains("holds a model"), "{problem}");
}

/// Clicks the passphrase dialog's Save and lets it start sealing, without waiting for the seal.
fn start_sealing(harness: &mut Harness<'static, HecateApp>, passphrase: &str) {
    type_in(harness, "Passphrase", passphrase);
    type_in(harness, "Again", passphrase);
    harness
        .get_by_role(Role::Dialog)
        .get_by_label("Save")
        .click();
    harness.step();
    assert!(harness.state().busy(), "sealing");
}

#[test]
fn a_key_or_model_that_changed_while_it_was_sealed_is_not_saved() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let script = Script::default();
    let mut harness = harness(&script);
    tab(&mut harness, "Customer");
    harness.state_mut().customer.bits = 2048;
    click(&mut harness, "Generate a key");

    // The first key is being sealed when another one, generated meanwhile, takes its place.
    let path = dir.path().join("first.key");
    script.next(&[&path]);
    click(&mut harness, "Save the key...");
    start_sealing(&mut harness, "correct horse battery staple");
    let second = keygen::generate(2048, &AtomicBool::new(false)).expect("a key");
    let fingerprint = second.fingerprint;
    harness.state_mut().customer.key = Some(second);
    settle(&mut harness);
    let problem = harness.state().problem.clone().unwrap_or_default();
    assert!(
        problem.contains("changed while it was being sealed"),
        "{problem}"
    );
    assert!(!path.exists() && !path.with_extension("pub").exists());
    assert_eq!(crate::fingerprint(&harness), fingerprint);
    assert!(harness.state().customer.unsaved_key());

    // The model likewise, another trained meanwhile.
    tab(&mut harness, "Company");
    click(&mut harness, "Train");
    let path = dir.path().join("first.hm");
    script.next(&[&path]);
    click(&mut harness, "Save the model...");
    start_sealing(&mut harness, "correct horse battery staple");
    let options = train::Options {
        target: "age".into(),
        features: None,
        holdout: None,
        seed: 0,
        ranges: Vec::new(),
    };
    let other = train::train(SAMPLE, &options).expect("trains");
    let id = other.model.id();
    harness.state_mut().company.trained = Some((other, SAMPLE_NAME.to_owned()));
    settle(&mut harness);
    let problem = harness.state().problem.clone().unwrap_or_default();
    assert!(
        problem.contains("changed while it was being sealed"),
        "{problem}"
    );
    assert!(!path.exists());
    assert_eq!(harness.state().company.model().expect("a model").id(), id);
    assert!(harness.state().company.unsaved_model());
}

#[test]
fn a_key_or_model_that_came_while_a_sealed_one_was_opened_is_asked_about() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let script = Script::default();
    let mut harness = harness(&script);

    // A saved model, sealed; another trained while its passphrase is typed.
    tab(&mut harness, "Company");
    click(&mut harness, "Train");
    let first = harness.state().company.model().expect("a model").id();
    let sealed = dir.path().join("sealed.hm");
    script.next(&[&sealed]);
    click(&mut harness, "Save the model...");
    type_in(&mut harness, "Passphrase", "tonic");
    type_in(&mut harness, "Again", "tonic");
    answer(&mut harness, "Save");
    no_problem(&harness);
    drop_file(&mut harness, &sealed);
    harness.get_by_label("The passphrase of sealed.hm (a model):");
    let options = train::Options {
        target: "age".into(),
        features: None,
        holdout: None,
        seed: 0,
        ranges: Vec::new(),
    };
    let second = train::train(SAMPLE, &options).expect("trains");
    let id = second.model.id();
    harness.state_mut().company.trained = Some((second, SAMPLE_NAME.to_owned()));
    harness.state_mut().company.model_saved = false;
    type_in(&mut harness, "Passphrase", "tonic");
    answer(&mut harness, "Open");
    harness.get_by_label_contains("Opening another model replaces it.");
    assert_eq!(harness.state().company.model().expect("a model").id(), id);
    answer(&mut harness, "Discard the model");
    no_problem(&harness);
    assert_eq!(
        harness.state().company.model().expect("a model").id(),
        first
    );

    // A saved key, sealed, chosen in the file dialog while another key is being generated.
    tab(&mut harness, "Customer");
    harness.state_mut().customer.bits = 2048;
    click(&mut harness, "Generate a key");
    let path = dir.path().join("alice.key");
    script.next(&[&path]);
    click(&mut harness, "Save the key...");
    type_in(&mut harness, "Passphrase", "tonic");
    type_in(&mut harness, "Again", "tonic");
    answer(&mut harness, "Save");
    no_problem(&harness);
    script.next(&[&path]);
    harness.get_by_label("Open a key...").click();
    harness.step();
    harness.state_mut().customer.generate_key();
    settle(&mut harness);
    assert!(!asking(&harness), "no passphrase asked for");
    let problem = harness.state().problem.clone().unwrap_or_default();
    assert!(problem.contains("wait for the key being made"), "{problem}");
    assert!(harness.state().customer.unsaved_key(), "the new key kept");
}

#[test]
fn both_roles_hand_the_card_the_query_and_the_answer_over_in_one_window() {
    let script = Script::default();
    let mut harness = harness(&script);
    harness.state_mut().customer.bits = 2048;
    tab(&mut harness, "Company");
    assert!(disabled_here(
        &harness,
        "Use this card in the Customer view"
    ));
    click(&mut harness, "Train");
    let model = harness.state().company.model().expect("trained").clone();

    click(&mut harness, "Use this card in the Customer view");
    no_problem(&harness);
    assert_eq!(harness.state().tab, Tab::Customer);
    let card = harness.state().customer.card.as_ref().expect("the card");
    assert_eq!(card.card.id(), model.id());
    assert_eq!(card.url, None, "opened as a card file is");

    click(&mut harness, "Generate a key");
    type_values(&mut harness, ["36", "5", "5", "1"]);
    click(&mut harness, "Encrypt");
    click(&mut harness, "Give the query to the Company view");
    no_problem(&harness);
    assert_eq!(harness.state().tab, Tab::Company);
    let queries = &harness.state().company.queries;
    assert_eq!(queries.len(), 1);
    assert!(matches!(queries[0].status, Status::Ready(_)), "{queries:?}");

    click(&mut harness, "Answer 1 query");
    click(&mut harness, "Give the answer to the Customer view");
    no_problem(&harness);
    assert_eq!(harness.state().tab, Tab::Customer);
    let shown = shows_the_prediction(&harness, &model, &[36.0, 5.0, 5.0, 1.0]);
    assert_eq!(shown.model, model.id());
    assert!(
        script.asked().is_empty(),
        "a file dialog: {:?}",
        script.asked()
    );
}

/// Whether the view's button `label` is greyed out.
fn disabled_here(harness: &Harness<'static, HecateApp>, label: &str) -> bool {
    harness.get_by_label(label).accesskit_node().is_disabled()
}

#[test]
fn one_query_is_removed_from_the_companys_list() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let script = Script::default();
    let mut harness = harness(&script);
    tab(&mut harness, "Company");
    click(&mut harness, "Train");
    let model = harness.state().company.model().expect("trained").clone();
    let (pair, first) = query_for(2048, &model, &[25.0, 9.0, 8.0, 1.0]);
    let card = card_of(&model);
    let paths: Vec<PathBuf> = ["first", "second", "third"]
        .into_iter()
        .map(|name| {
            let query = if name == "first" {
                first.clone()
            } else {
                encrypt::encrypt(&pair.public, &[30.0, 5.0, 5.0, 0.0], Some(&card), None)
                    .expect("a query")
                    .to_vec()
            };
            write(&dir.path().join(format!("{name}.hq")), &query)
        })
        .collect();
    script.next(&paths.iter().map(PathBuf::as_path).collect::<Vec<_>>());
    click(&mut harness, "Open queries...");
    assert_eq!(harness.get_all_by_label("Remove").count(), 3);
    harness
        .get_all_by_label("Remove")
        .nth(1)
        .expect("the second row's button")
        .click();
    settle(&mut harness);
    no_problem(&harness);
    let names: Vec<&str> = harness
        .state()
        .company
        .queries
        .iter()
        .map(|query| query.name.as_str())
        .collect();
    assert_eq!(names, ["first.hq", "third.hq"]);
    let error = harness
        .state_mut()
        .company
        .remove_query(2)
        .expect_err("no third query now");
    assert_eq!(error.to_string(), "no query 3 in the list of 2");
    // The others are still answered; none is removed meanwhile (the workers report by index).
    harness.get_by_label("Answer 2 queries").click();
    harness.step();
    assert!(harness.state().company.busy(), "answering");
    let error = harness
        .state_mut()
        .company
        .remove_query(0)
        .expect_err("refused while answering");
    assert_eq!(
        error.to_string(),
        "wait for the queries being checked or answered"
    );
    settle(&mut harness);
    assert_eq!(harness.state().company.unsaved(), 2);
}

/// The numbers painted in the body's (proportional) font below `top`, with where each is drawn:
/// the plot's tick labels (the weights beside it are monospace).
fn painted_numbers(harness: &Harness<'static, HecateApp>, top: f32) -> Vec<(egui::Pos2, f64)> {
    let mut numbers = Vec::new();
    for clipped in &harness.output().shapes {
        let egui::Shape::Text(text) = &clipped.shape else {
            continue;
        };
        let proportional = text
            .galley
            .job
            .sections
            .iter()
            .all(|section| section.format.font_id.family == egui::FontFamily::Proportional);
        if let Ok(value) = text.galley.text().parse::<f64>()
            && proportional
            && text.pos.y > top
        {
            numbers.push((text.pos, value));
        }
    }
    numbers
}

/// A table like the original demo's: `rows` employees, salaries from about 550 to 5500.
fn salaries(rows: usize) -> String {
    let mut csv = String::from("age,healthy_eating,active_lifestyle,gender,salary\n");
    let mut state: u64 = 17;
    let mut next = |below: u64| {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 33) % below
    };
    for _ in 0..rows {
        let (age, eating, active, gender) = (18 + next(48), next(11), next(11), next(2));
        let salary = 300 + 45 * age + 120 * active + 40 * eating + 150 * gender + next(1500);
        csv.push_str(&format!("{age},{eating},{active},{gender},{salary}\n"));
    }
    csv
}

#[test]
fn the_model_shown_names_the_data_it_was_trained_on_after_other_data_is_opened() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let other = write(&dir.path().join("other.csv"), salaries(50).as_bytes());
    let script = Script::default();
    let mut harness = harness(&script);
    tab(&mut harness, "Company");
    click(&mut harness, "Train");
    let sample = format!("Trained on {SAMPLE_NAME}:");
    harness.get_by_label(&sample);

    script.next(&[&other]);
    click(&mut harness, "Open a CSV...");
    harness.get_by_label(&format!("Training data: {}", other.display()));
    // Not trained yet on the data just opened: the model shown is still the sample's.
    harness.get_by_label(&sample);

    click(&mut harness, "Train");
    // The sample's model is only in memory: training again asks first.
    answer(&mut harness, "Discard the model");
    harness.get_by_label(&format!("Trained on {}:", other.display()));
    assert!(
        harness.query_by_label(&sample).is_none(),
        "still the sample's"
    );
}

#[test]
fn the_plot_labels_both_axes_for_a_thousand_rows_of_salaries() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let csv = salaries(1000);
    let path = write(&dir.path().join("employees-1000.csv"), csv.as_bytes());
    let script = Script::default();
    let mut harness = harness(&script);
    tab(&mut harness, "Company");
    script.next(&[&path]);
    click(&mut harness, "Open a CSV...");
    click(&mut harness, "Train");
    no_problem(&harness);
    let (trained, _) = harness.state().company.trained.as_ref().expect("trained");
    assert_eq!(
        trained.training.rows + trained.holdout.as_ref().map_or(0, |fit| fit.rows),
        1000
    );
    harness.run_steps(2);

    let top = harness
        .get_by_label("Publish the model card...")
        .rect()
        .bottom();
    let numbers = painted_numbers(&harness, top);
    // The x axis's labels share a line; the y axis's each have their own.
    let mut rows: Vec<(f32, Vec<f64>)> = Vec::new();
    for (pos, value) in &numbers {
        match rows.iter_mut().find(|(y, _)| (y - pos.y).abs() < 0.5) {
            Some((_, values)) => values.push(*value),
            None => rows.push((pos.y, vec![*value])),
        }
    }
    rows.sort_by_key(|(_, values)| std::cmp::Reverse(values.len()));
    let (x_axis, y_axis) = rows.split_first().expect("tick labels");
    assert!(
        x_axis.1.len() >= 3,
        "x axis labelled only {:?} (all: {numbers:?})",
        x_axis.1
    );
    assert!(
        y_axis.len() >= 3,
        "y axis labelled only {y_axis:?} (all: {numbers:?})"
    );
}

/// Where each of the buttons `labels` is.
fn places(harness: &Harness<'static, HecateApp>, labels: &[&str]) -> Vec<egui::Rect> {
    labels
        .iter()
        .map(|label| harness.get_by_label(label).rect())
        .collect()
}

#[test]
fn buttons_stay_put_when_a_message_or_a_spinner_comes_and_goes() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let script = Script::default();
    let mut harness = harness(&script);
    tab(&mut harness, "Customer");
    // Slow enough to be seen working.
    harness.state_mut().customer.bits = 4096;
    harness.run_steps(2);
    let customer = [
        "Generate a key",
        "Open a key...",
        "Open a model card...",
        "Fetch its card",
        "Encrypt",
        "Open an answer...",
    ];
    let before = places(&harness, &customer);

    harness.get_by_label("Generate a key").click();
    harness.run_steps(3);
    assert!(harness.state().customer.key_work().is_some());
    harness.get_by_label_contains("Searching for two 2048-bit primes");
    assert_eq!(places(&harness, &customer), before, "while a key is made");
    harness.get_by_label("Cancel").click();
    settle(&mut harness);
    assert!(harness.state().customer.key.is_none());
    harness.get_by_label("Key generation cancelled.");
    assert_eq!(places(&harness, &customer), before, "after Cancel");

    type_url(&mut harness, "http://example.com");
    harness.get_by_label_contains("Plain http to another machine");
    assert_eq!(places(&harness, &customer), before, "with a warning");

    // A long problem takes one line too.
    let junk = write(
        &dir.path()
            .join(format!("{}.bin", "a-rather-long-file-name-".repeat(8))),
        b"junk",
    );
    drop_file(&mut harness, &junk);
    assert!(harness.state().problem.is_some());
    assert_eq!(places(&harness, &customer), before, "with a problem");

    tab(&mut harness, "Company");
    // Long enough to train to be seen training.
    let big = write(&dir.path().join("big.csv"), salaries(300_000).as_bytes());
    script.next(&[&big]);
    click(&mut harness, "Open a CSV...");
    let company = [
        "Open a CSV...",
        "Train",
        "Open a model...",
        "Publish the model card...",
        "Open queries...",
    ];
    let before = places(&harness, &company);
    harness.get_by_label("Train").click();
    harness.run_steps(2);
    assert!(harness.state().company.training());
    harness.get_by_label("Training...");
    assert_eq!(places(&harness, &company), before, "while training");
}
