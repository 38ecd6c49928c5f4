//! What a first-time user meets (egui_kittest, no display): the walkthrough's "How it works"
//! window, its columns' text wrapping as text does, its salary saying which model gave it and its
//! buttons staying put; a theme that follows the system until one is chosen; the window's icon.

#![cfg(feature = "gui")]
#![allow(clippy::expect_used, clippy::panic, reason = "tests panic to fail")]

use std::collections::HashMap;

use eframe::egui::{self, ThemePreference, accesskit::Role, epaint::Shape};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use hecate_app::app::company::SAMPLE;
use hecate_app::app::customer::KEY_SIZES;
use hecate_app::app::story::{DEFAULT_VALUES, Step};
use hecate_app::app::{HecateApp, Settings, native_options};
use hecate_app::workflows::train;

mod kittest;

use kittest::settle;

/// The app, with its own file dialogs (none is asked here).
fn harness() -> Harness<'static, HecateApp> {
    kittest::harness(&Settings::default(), None, (1100.0, 900.0))
}

/// Runs the whole story at the smallest key size.
fn run_story(harness: &mut Harness<'static, HecateApp>) {
    harness.state_mut().story.bits = KEY_SIZES[0];
    harness.get_by_label("Run the whole story").click();
    settle(harness);
    assert!(
        harness.state().story.prediction.is_some(),
        "the story ran: {:?}",
        harness.state().story.error
    );
}

#[test]
fn how_it_works_opens_over_the_walkthrough_and_names_what_travels() {
    let mut harness = harness();
    settle(&mut harness);
    let title = "How it works: the walkthrough";
    assert!(harness.query_by_label(title).is_none(), "closed at first");
    let run = harness.get_by_label("Run the whole story").rect();
    harness.get_by_label("How it works").click();
    settle(&mut harness);
    harness.get_by_label(title);
    for heading in [
        "Secret",
        "Travels to the company",
        "Travels back",
        "What each side learns",
    ] {
        harness.get_by_label(heading);
    }
    harness.get_by_label_contains("a proof that the key is well formed");
    harness.get_by_label_contains("re-randomizes");
    harness.get_by_label_contains("nothing of the values");
    // A window over the view: nothing in the view moved for it.
    assert_eq!(harness.get_by_label("Run the whole story").rect(), run);
    harness
        .get_by_role_and_label(Role::Button, "How it works")
        .click();
    settle(&mut harness);
    assert!(harness.query_by_label(title).is_none(), "closed again");
}

#[test]
fn the_walkthroughs_columns_wrap_without_justifying() {
    let mut harness = harness();
    run_story(&mut harness);
    let mut wrapped = Vec::new();
    for clipped in &harness.output().shapes {
        if let Shape::Text(text) = &clipped.shape
            && text.galley.rows.len() > 1
        {
            wrapped.push((text.galley.text().to_owned(), text.galley.job.justify));
        }
    }
    assert!(
        wrapped
            .iter()
            .any(|(text, _)| text.contains("only the customer's key opens it")),
        "the company's answer line wraps at this width: {wrapped:?}"
    );
    let justified: Vec<_> = wrapped
        .iter()
        .filter(|(_, justify)| *justify)
        .map(|(text, _)| text)
        .collect();
    assert!(
        justified.is_empty(),
        "stretched to the column's width: {justified:?}"
    );
}

#[test]
fn the_walkthroughs_salary_says_which_model_it_comes_from() {
    let mut harness = harness();
    run_story(&mut harness);
    // The model the walkthrough says it uses, trained again here: every row of the sample.
    let rows = std::str::from_utf8(SAMPLE)
        .expect("UTF-8")
        .lines()
        .skip(1)
        .filter(|line| !line.trim().is_empty())
        .count();
    let options = train::Options {
        target: "salary".into(),
        features: None,
        holdout: None,
        seed: 0,
        ranges: Vec::new(),
    };
    let salary = train::train(SAMPLE, &options)
        .expect("trains")
        .model
        .evaluate(&DEFAULT_VALUES)
        .expect("evaluates");
    let origin = format!("trained on all {rows} rows of the bundled sample");
    harness.get_by_label(&format!("Predicted salary: {salary:.2}"));
    harness.get_by_label(&format!("by the company's model, {origin}"));
    harness.get_by_label_contains(&format!("({origin}, R²"));
}

#[test]
fn the_walkthroughs_buttons_stay_put_from_the_first_step_to_the_last() {
    let mut harness = harness();
    harness.state_mut().story.bits = KEY_SIZES[0];
    settle(&mut harness);
    let fixed = ["Run the whole story", "Start over", "How it works"];
    let places = |harness: &Harness<'static, HecateApp>| -> Vec<egui::Rect> {
        fixed
            .iter()
            .map(|label| harness.get_by_role_and_label(Role::Button, label).rect())
            .collect()
    };
    let before = places(&harness);
    // Every step's button has a label of its own length, and none is left at the end.
    for _ in Step::ALL {
        let Some(step) = harness.state().story.next_step() else {
            break;
        };
        harness
            .get_by_role_and_label(Role::Button, step.label())
            .click();
        settle(&mut harness);
        assert_eq!(harness.state().story.error, None, "{}", step.label());
        assert_eq!(places(&harness), before, "after {}", step.label());
    }
    assert!(harness.state().story.prediction.is_some(), "the story ran");
}

/// eframe's storage in memory.
#[derive(Default)]
struct Memory(HashMap<String, String>);

impl eframe::Storage for Memory {
    fn get_string(&self, key: &str) -> Option<String> {
        self.0.get(key).cloned()
    }

    fn set_string(&mut self, key: &str, value: String) {
        self.0.insert(key.to_owned(), value);
    }

    fn remove_string(&mut self, key: &str) {
        self.0.remove(key);
    }

    fn flush(&mut self) {}
}

#[test]
fn the_theme_follows_the_system_until_one_is_chosen_and_the_choice_is_kept() {
    let mut harness = harness();
    // As the desktop says: light, then dark.
    for system in [egui::Theme::Light, egui::Theme::Dark] {
        harness.input_mut().system_theme = Some(system);
        harness.run_steps(2);
        assert_eq!(harness.ctx.theme(), system, "following the system");
    }
    harness.get_by_role_and_label(Role::Button, "Light").click();
    harness.run_steps(2);
    assert_eq!(harness.ctx.theme(), egui::Theme::Light, "chosen while dark");
    let settings = harness.state().settings();
    assert_eq!(settings.theme, ThemePreference::Light);

    // The next run starts from the settings kept, through eframe's own storage functions, and
    // draws its first frame in the theme chosen, whatever the system says.
    let mut storage = Memory::default();
    eframe::set_value(&mut storage, eframe::APP_KEY, &settings);
    let kept: Settings = eframe::get_value(&storage, eframe::APP_KEY).expect("kept");
    let mut next = kittest::harness(&kept, None, (1100.0, 900.0));
    next.input_mut().system_theme = Some(egui::Theme::Dark);
    next.step();
    assert_eq!(next.ctx.theme(), egui::Theme::Light);
    let heading = next
        .output()
        .shapes
        .iter()
        .find_map(|clipped| match &clipped.shape {
            Shape::Text(text) if text.galley.text() == "Hecate" => Some(text.fallback_color),
            _ => None,
        })
        .expect("the heading painted");
    let light = egui::Visuals::light().widgets.noninteractive.text_color();
    assert_eq!(heading, light, "the first frame painted in the theme kept");
    next.get_by_role_and_label(Role::Button, "System").click();
    next.run_steps(2);
    assert_eq!(next.ctx.theme(), egui::Theme::Dark, "the system's again");
    assert_eq!(next.state().settings().theme, ThemePreference::System);
}

#[test]
fn the_window_has_the_bundled_icon() {
    let icon = native_options().viewport.icon.expect("the icon decodes");
    assert_eq!((icon.width, icon.height), (256, 256));
    let alpha = |x: u32, y: u32| icon.rgba[(4 * (y * icon.width + x) + 3) as usize];
    // A shape with its corners cut, not a blank or square picture.
    assert_eq!(alpha(0, 0), 0, "transparent corner");
    assert_eq!(alpha(128, 128), 255, "opaque middle");
    let middle = 4 * (128 * icon.width + 128) as usize;
    let edge = 4 * (128 * icon.width + 24) as usize;
    assert_ne!(
        icon.rgba[middle..middle + 3],
        icon.rgba[edge..edge + 3],
        "a keyhole on its background"
    );
}
