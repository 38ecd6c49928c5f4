//! File dialogs: the desktop's through the XDG portal, asked on a worker thread, or, where the
//! desktop has none (no D-Bus session, as under Xvfb), the app's own, drawn in the window.

use std::path::{Path, PathBuf};

use anyhow::Result;
use eframe::egui;
use egui_file::{FileDialog, State};

/// Files of one kind, for a dialog's filter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FileKind {
    /// What the dialog calls them.
    pub name: &'static str,
    /// Their extensions.
    pub extensions: &'static [&'static str],
}

impl FileKind {
    /// Whether `path` has one of the kind's extensions, whatever its case.
    fn holds(self, path: &Path) -> bool {
        path.extension().is_some_and(|extension| {
            self.extensions
                .iter()
                .any(|wanted| extension.eq_ignore_ascii_case(wanted))
        })
    }
}

/// A file dialog's question.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ask {
    /// One existing file, under this title.
    Open(&'static str, FileKind),
    /// Any number of existing files.
    OpenMany(&'static str, FileKind),
    /// A file to write, suggesting a name.
    Save(&'static str, FileKind, &'static str),
    /// A folder.
    Folder(&'static str),
}

/// Where paths come from: the desktop's dialogs in the app, a script in the tests. Asked on a
/// worker thread, so that the window goes on drawing (spinners, progress) while a dialog is open.
pub trait Dialogs: Send + Sync {
    /// The paths chosen; none when the user cancels.
    fn ask(&self, question: Ask) -> Result<Vec<PathBuf>>;
}

/// The desktop's own file dialogs (through the XDG portal on Linux).
#[derive(Debug)]
pub struct NativeDialogs(());

impl NativeDialogs {
    /// The desktop's dialogs, if it has them. rfd reaches the portal over the session bus;
    /// without one it shows nothing and says nothing, which would look like a button that does
    /// not work.
    pub fn here() -> Option<Self> {
        std::env::var_os("DBUS_SESSION_BUS_ADDRESS").map(|_| Self(()))
    }
}

impl Dialogs for NativeDialogs {
    fn ask(&self, question: Ask) -> Result<Vec<PathBuf>> {
        let dialog = |title: &str, kind: FileKind| {
            rfd::FileDialog::new()
                .set_title(title)
                .add_filter(kind.name, kind.extensions)
                .add_filter("All files", &["*"])
        };
        Ok(match question {
            Ask::Open(title, kind) => dialog(title, kind).pick_file().into_iter().collect(),
            Ask::OpenMany(title, kind) => dialog(title, kind).pick_files().unwrap_or_default(),
            Ask::Save(title, kind, name) => dialog(title, kind)
                .set_file_name(name)
                .save_file()
                .into_iter()
                .collect(),
            Ask::Folder(title) => rfd::FileDialog::new()
                .set_title(title)
                .pick_folder()
                .into_iter()
                .collect(),
        })
    }
}

/// The app's own file dialog, in a window inside the app's, drawn by the UI every frame.
pub struct InAppDialog {
    dialog: FileDialog,
    many: bool,
    /// A save chose this existing file: asked about before it is replaced.
    replacing: Option<PathBuf>,
}

impl std::fmt::Debug for InAppDialog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InAppDialog")
            .field("folder", &self.dialog.directory())
            .finish_non_exhaustive()
    }
}

impl InAppDialog {
    /// The dialog for `question`, showing `folder` first (the working directory without one).
    pub fn new(question: Ask, folder: Option<&Path>) -> Self {
        let only = |dialog: FileDialog, kind: FileKind| {
            // Folders stay listed whatever the filter, to go through them.
            dialog.show_files_filter(Box::new(move |path: &Path| kind.holds(path)))
        };
        let dialog = match question {
            Ask::Open(title, kind) | Ask::OpenMany(title, kind) => {
                only(FileDialog::open_file(), kind)
                    .title(title)
                    .multi_select(matches!(question, Ask::OpenMany(..)))
                    .show_new_folder(false)
            }
            Ask::Save(title, kind, name) => only(FileDialog::save_file(), kind)
                .title(title)
                .default_filename(name),
            Ask::Folder(title) => FileDialog::select_folder().title(title),
        };
        let dialog = dialog
            .id(egui::Id::unique("in-app file dialog"))
            .show_rename(false)
            .default_size([620.0, 420.0])
            .anchor(egui::Align2::CENTER_CENTER, egui::Vec2::ZERO);
        let mut dialog = match folder {
            Some(folder) => dialog.initial_path(folder),
            None => dialog,
        };
        dialog.open();
        Self {
            dialog,
            many: matches!(question, Ask::OpenMany(..)),
            replacing: None,
        }
    }

    /// Draws the dialog; once the user is done, the paths chosen (none: cancelled).
    pub fn show(&mut self, ctx: &egui::Context) -> Option<Vec<PathBuf>> {
        if let Some(path) = &self.replacing {
            return match replace(ctx, path) {
                Some(true) => Some(vec![path.clone()]),
                Some(false) => {
                    // Back to the dialog, to choose another name.
                    self.replacing = None;
                    self.dialog.open();
                    None
                }
                None => None,
            };
        }
        match self.dialog.show(ctx).state() {
            State::Open => None,
            State::Selected => {
                let mut chosen: Vec<PathBuf> = if self.many {
                    self.dialog
                        .selection()
                        .into_iter()
                        .map(Path::to_path_buf)
                        .collect()
                } else {
                    Vec::new()
                };
                // A name typed (rather than files picked in the list) comes as the one path.
                if chosen.is_empty() {
                    chosen.extend(self.dialog.path().map(Path::to_path_buf));
                }
                match chosen.as_slice() {
                    [path]
                        if self.dialog.dialog_type() == egui_file::DialogType::SaveFile
                            && path.is_file() =>
                    {
                        self.replacing = Some(path.clone());
                        None
                    }
                    _ => Some(chosen),
                }
            }
            State::Cancelled | State::Closed => Some(Vec::new()),
        }
    }
}

/// Asks whether to replace the file at `path`: `Some(true)` to replace it, `Some(false)` to
/// choose another, `None` until the user says.
fn replace(ctx: &egui::Context, path: &Path) -> Option<bool> {
    let mut replace = None;
    let modal = egui::Modal::new(egui::Id::unique("replace the file")).show(ctx, |ui| {
        ui.set_max_width(420.0);
        ui.heading("Replace the file?");
        ui.label(format!(
            "{} already exists: saving replaces what it holds.",
            path.display()
        ));
        ui.horizontal(|ui| {
            if ui.button("Replace").clicked() {
                replace = Some(true);
            }
            if ui.button("Choose another name").clicked() {
                replace = Some(false);
            }
        });
    });
    if replace.is_none() && modal.should_close() {
        replace = Some(false);
    }
    replace
}
