//! The passphrase dialog's state, without egui: what it asks for, what was typed (wiped when
//! dropped, and as soon as it is used), and the Argon2id work, on a worker (most of a second) so
//! that the window goes on drawing.

use std::path::PathBuf;

use hecate::{Kind, Subject};
use zeroize::{Zeroize, Zeroizing};

use super::Command;
use super::task::Job;
use crate::sealing::{self, Passphrase, Strength};

/// Characters a passphrase entry takes: its buffer is allocated once at this size (four bytes a
/// character), so that typing never moves it and leaves a copy unwiped in freed memory. That
/// buffer is the app's, wiped; egui's text entry (its previous text, each frame) and zxcvbn (the
/// pieces it rates) make copies of their own, which are not under our control.
pub const PASSPHRASE_LEN: usize = 256;

/// What the passphrase is for.
pub enum Purpose {
    /// To seal the key or model `command` saves at `path` (over files in the way only when
    /// `replace`).
    Save {
        /// [`Command::SaveKey`] or [`Command::SaveModel`].
        command: Command,
        /// Where it goes.
        path: PathBuf,
        /// Whether the user agreed to replace what is there.
        replace: bool,
    },
    /// To open the sealed file `bytes` from `path`, which holds a `kind`.
    Open {
        /// The sealed file.
        bytes: Zeroizing<Vec<u8>>,
        /// Where it came from.
        path: PathBuf,
        /// What it holds: a private key or a model.
        kind: Kind,
        /// The key or model it may replace (what the checks let go before the dialog).
        passed: Option<Subject>,
    },
}

impl std::fmt::Debug for Purpose {
    /// Without the file's bytes.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Save { command, path, .. } => write!(f, "Save({command:?}, {})", path.display()),
            Self::Open { path, kind, .. } => write!(f, "Open({kind}, {})", path.display()),
        }
    }
}

/// The passphrase dialog.
pub struct PassphraseDialog {
    /// What it is for.
    pub purpose: Purpose,
    /// The passphrase typed.
    pub typed: Zeroizing<String>,
    /// The passphrase typed again (when saving).
    pub again: Zeroizing<String>,
    /// Why the last try failed (a wrong passphrase).
    pub problem: Option<String>,
    /// How strong the passphrase typed is, once something is typed.
    strength: Option<Strength>,
    work: Option<Job<Zeroizing<Vec<u8>>>>,
}

impl std::fmt::Debug for PassphraseDialog {
    /// Without what was typed.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PassphraseDialog")
            .field("purpose", &self.purpose)
            .field("problem", &self.problem)
            .field("busy", &self.busy())
            .finish_non_exhaustive()
    }
}

/// An empty entry with room for the longest passphrase.
fn entry() -> Zeroizing<String> {
    Zeroizing::new(String::with_capacity(PASSPHRASE_LEN * 4))
}

impl PassphraseDialog {
    /// A dialog asking for `purpose`, nothing typed yet.
    pub fn new(purpose: Purpose) -> Self {
        Self {
            purpose,
            typed: entry(),
            again: entry(),
            problem: None,
            strength: None,
            work: None,
        }
    }

    /// How strong the passphrase typed is, once something is typed.
    pub fn strength(&self) -> Option<&Strength> {
        self.strength.as_ref()
    }

    /// Rates the passphrase typed again, once it changed: zxcvbn takes time, and copies it.
    pub fn typed_changed(&mut self) {
        self.strength = (!self.typed.is_empty()).then(|| sealing::strength(&self.typed));
    }

    /// Whether the two entries agree on a passphrase (what saving under one needs).
    pub fn agreed(&self) -> bool {
        !self.typed.is_empty() && self.typed == self.again
    }

    /// Whether the passphrase is being used.
    pub fn busy(&self) -> bool {
        self.work.is_some()
    }

    /// The passphrase typed, out of the entries (both wiped).
    fn take(&mut self) -> Passphrase {
        let passphrase = Passphrase::new(std::mem::take(&mut *self.typed));
        self.typed = entry();
        self.again.zeroize();
        self.strength = None;
        passphrase
    }

    /// Starts sealing `message` under the passphrase typed.
    pub fn seal(&mut self, message: Zeroizing<Vec<u8>>) {
        let passphrase = self.take();
        self.problem = None;
        self.work = Some(Job::spawn(move || sealing::seal(&message, &passphrase)));
    }

    /// Starts opening the sealed file with the passphrase typed.
    pub fn open(&mut self) {
        let Purpose::Open { bytes, .. } = &self.purpose else {
            return;
        };
        let bytes = bytes.clone();
        let passphrase = self.take();
        self.problem = None;
        self.work = Some(Job::spawn(move || sealing::open(&bytes, &passphrase)));
    }

    /// The sealed file, or the opened message, once the work is done.
    pub fn poll(&mut self) -> Option<anyhow::Result<Zeroizing<Vec<u8>>>> {
        let result = self.work.as_ref()?.poll()?;
        self.work = None;
        Some(result)
    }
}
