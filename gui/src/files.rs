//! Reading and writing Hecate's files: bounded reads, atomic writes, private files mode 0600.

use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use zeroize::Zeroizing;

use crate::sealing;

/// No Hecate file (and no CSV the company trains on) is larger than this.
pub const MAX_FILE_LEN: u64 = 64 * 1024 * 1024;

/// Reads a whole file, refusing a missing, empty or oversized one, or one that is not a regular
/// file (opening a named pipe would wait forever).
pub fn read(path: &Path) -> Result<Vec<u8>> {
    let metadata =
        fs::metadata(path).with_context(|| format!("{}: cannot open", path.display()))?;
    if !metadata.is_file() {
        bail!("{}: not a regular file", path.display());
    }
    let file = fs::File::open(path).with_context(|| format!("{}: cannot open", path.display()))?;
    // Sized up front: growing the buffer would leave copies of a key's bytes in freed memory.
    let capacity = usize::try_from(metadata.len().min(MAX_FILE_LEN) + 1).unwrap_or(0);
    let mut bytes = Vec::with_capacity(capacity);
    file.take(MAX_FILE_LEN + 1)
        .read_to_end(&mut bytes)
        .with_context(|| format!("{}: cannot read", path.display()))?;
    if bytes.is_empty() {
        bail!("{}: the file is empty", path.display());
    }
    if bytes.len() as u64 > MAX_FILE_LEN {
        bail!(
            "{}: the file is larger than {MAX_FILE_LEN} bytes",
            path.display()
        );
    }
    Ok(bytes)
}

/// [`read`] for a file that may hold a secret (a private key, a model's weights): the bytes are
/// wiped when dropped.
pub fn read_secret(path: &Path) -> Result<Zeroizing<Vec<u8>>> {
    read(path).map(Zeroizing::new)
}

/// Who may read a file Hecate writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Anyone the directory allows (public keys, cards, queries, answers).
    Public,
    /// The owner only, mode 0600 (private keys, models).
    Private,
}

/// Writes `bytes` to `path` atomically: a temporary file in the same directory, then a rename,
/// so that a failure never leaves a partial file behind.
pub fn write(path: &Path, bytes: &[u8], access: Access) -> Result<()> {
    temporary(path, bytes, access)?
        .persist(path)
        .with_context(|| format!("{}: cannot write", path.display()))?;
    Ok(())
}

/// [`write()`], but never replacing a file: `false`, and nothing written, when `path` exists. The
/// check and the write are one step (an exclusive rename, or a hard link where the filesystem has
/// none), so a file appearing meanwhile is never lost.
pub fn write_new(path: &Path, bytes: &[u8], access: Access) -> Result<bool> {
    match temporary(path, bytes, access)?.persist_noclobber(path) {
        Ok(_) => Ok(true),
        Err(error) if error.error.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
        Err(error) => Err(error).with_context(|| format!("{}: cannot write", path.display())),
    }
}

/// `bytes` in a new temporary file beside `path`, synced, with `path`'s future permissions.
fn temporary(path: &Path, bytes: &[u8], access: Access) -> Result<tempfile::NamedTempFile> {
    let directory = folder(path);
    let mut builder = tempfile::Builder::new();
    builder.prefix(".hecate-");
    if access == Access::Public {
        // Created as 0666 less the umask, like any file the user's tools write (tempfile's 0600
        // is for secrets).
        public_mode(&mut builder);
    }
    let mut file = builder.tempfile_in(&directory).map_err(|error| {
        // Named by the user's path, never by the temporary file's.
        if directory.is_dir() {
            anyhow::anyhow!(
                "{}: cannot create a file in {}: {}",
                path.display(),
                directory.display(),
                error.kind()
            )
        } else {
            no_folder(&directory)
        }
    })?;
    if access == Access::Private {
        // Exactly 0600, whatever the umask.
        set_mode(file.as_file(), 0o600)?;
    }
    file.write_all(bytes)
        .and_then(|()| file.as_file().sync_all())
        .with_context(|| format!("{}: cannot write", path.display()))?;
    Ok(file)
}

/// The folder a file at `path` goes in.
fn folder(path: &Path) -> PathBuf {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Refuses, before any work, a `path` to write to whose folder does not exist.
pub fn check_folder(path: &Path) -> Result<()> {
    let directory = folder(path);
    if directory.is_dir() {
        Ok(())
    } else {
        Err(no_folder(&directory))
    }
}

fn no_folder(directory: &Path) -> anyhow::Error {
    if directory.exists() {
        anyhow::anyhow!("{}: not a folder", directory.display())
    } else {
        anyhow::anyhow!("{}: no such folder", directory.display())
    }
}

#[cfg(unix)]
fn public_mode(builder: &mut tempfile::Builder<'_, '_>) {
    use std::os::unix::fs::PermissionsExt;
    builder.permissions(fs::Permissions::from_mode(0o666));
}

#[cfg(not(unix))]
fn public_mode(_builder: &mut tempfile::Builder<'_, '_>) {}

#[cfg(unix)]
fn set_mode(file: &fs::File, mode: u32) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    file.set_permissions(fs::Permissions::from_mode(mode))
        .context("cannot set the file's permissions")
}

#[cfg(not(unix))]
fn set_mode(_file: &fs::File, _mode: u32) -> Result<()> {
    Ok(())
}

/// The paths among `targets` (each with the message it would get) where something else is: a
/// file holding another message (see [`sealing::holds`]), or anything that cannot be read as a
/// file. Writing there would lose it.
pub fn in_the_way(targets: &[(&Path, &[u8])]) -> Vec<PathBuf> {
    targets
        .iter()
        .filter(|(path, bytes)| match fs::symlink_metadata(path) {
            Err(error) => error.kind() != std::io::ErrorKind::NotFound,
            // Read as a secret: the file there may be another key.
            Ok(_) => read_secret(path).map_or(true, |there| !sealing::holds(&there, bytes)),
        })
        .map(|(path, _)| path.to_path_buf())
        .collect()
}

/// Whether anything is at `path` (a dangling link too).
pub fn exists(path: &Path) -> bool {
    fs::symlink_metadata(path).is_ok()
}

/// Writes a secret file (a private key, a model: mode 0600), replacing an existing one only when
/// `replace`: a key or model is never lost by accident. Refused atomically (see [`write_new`]).
pub fn write_secret(path: &Path, bytes: &[u8], replace: bool) -> Result<()> {
    if replace {
        write(path, bytes, Access::Private)
    } else if write_new(path, bytes, Access::Private)? {
        Ok(())
    } else {
        bail!(
            "{}: exists; a key or model is never replaced unless told (--force)",
            path.display()
        )
    }
}

/// Writes a secret file and its public companion (a key and its .pub, a model and its .card): both
/// or neither, over existing files only when `replace`. Refuses one path for both, so that one
/// never overwrites the other.
pub fn write_pair(
    secret: &Path,
    secret_bytes: &[u8],
    public: &Path,
    public_bytes: &[u8],
    replace: bool,
) -> Result<()> {
    if secret == public {
        bail!(
            "{}: the secret file and its public companion would be the same file",
            secret.display()
        );
    }
    if replace {
        write(public, public_bytes, Access::Public)?;
    } else if !write_new(public, public_bytes, Access::Public)? {
        bail!(
            "{}: exists; it is never replaced unless told (--force)",
            public.display()
        );
    }
    if let Err(error) = write_secret(secret, secret_bytes, replace) {
        // Neither, then: the public file alone would be a partial result.
        let _ = fs::remove_file(public);
        return Err(error);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{Access, read, write_new};

    #[test]
    fn write_new_never_replaces_a_file() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let path = dir.path().join("answer.ha");
        assert!(write_new(&path, b"first", Access::Public).expect("written"));
        assert!(!write_new(&path, b"second", Access::Public).expect("refused"));
        assert_eq!(std::fs::read(&path).expect("read"), b"first");
        let left: Vec<_> = std::fs::read_dir(dir.path()).expect("listed").collect();
        assert_eq!(left.len(), 1, "no temporary file left behind");
    }

    #[test]
    fn only_regular_files_are_read() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let error = read(dir.path()).expect_err("a directory").to_string();
        assert!(error.ends_with("not a regular file"), "{error}");
        let empty = dir.path().join("empty");
        std::fs::write(&empty, b"").expect("written");
        let error = read(&empty).expect_err("empty").to_string();
        assert!(error.ends_with("the file is empty"), "{error}");
    }
}
