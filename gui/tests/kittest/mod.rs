//! What the app's egui_kittest suites share: the whole app in a harness, run as eframe runs it,
//! and a wait for its workers.

use std::sync::Arc;
use std::time::{Duration, Instant};

use eframe::egui;
use egui_kittest::Harness;
use hecate_app::app::dialogs::Dialogs;
use hecate_app::app::{HecateApp, Settings};

/// The app started with `settings`, `width` × `height` points, taking paths from `dialogs`
/// (none: its own file dialogs).
pub fn harness(
    settings: &Settings,
    dialogs: Option<Arc<dyn Dialogs>>,
    (width, height): (f32, f32),
) -> Harness<'static, HecateApp> {
    let app = HecateApp::new(settings, dialogs).expect("app starts");
    Harness::builder()
        .with_size(egui::vec2(width, height))
        .build_ui_state(
            // As eframe runs it: the logic of the frame, then its contents.
            |ui, app: &mut HecateApp| {
                app.logic(ui.ctx());
                app.ui(ui);
            },
            app,
        )
}

/// Steps the UI until no view has work on a worker thread.
pub fn settle(harness: &mut Harness<'static, HecateApp>) {
    let start = Instant::now();
    loop {
        harness.step();
        if !harness.state().busy() {
            // Two frames: a modal window is drawn unseen the first time (sized), seen the next.
            harness.run_steps(2);
            return;
        }
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "the work did not finish"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}
