//! One module per job: keygen, encrypt, train, predict, decrypt, ask, inspect, bench. No printing, no
//! argument parsing: the command line and the desktop app both call these.

use anyhow::{Result, bail};
use hecate::rand_core::UnwrapErr;
use hecate::{Kind, MAX_MESSAGE_LEN};
use rand::rngs::SysRng;
use zeroize::Zeroizing;

use crate::interop::phe;

pub mod ask;
pub mod bench;
pub mod decrypt;
pub mod encrypt;
pub mod inspect;
pub mod keygen;
pub mod predict;
pub mod train;

/// The operating system's random number generator, as the core's `CryptoRng`. A failing OS
/// generator is fatal: there is nothing safe to fall back to.
pub fn os_rng() -> UnwrapErr<SysRng> {
    UnwrapErr(SysRng)
}

/// A message encoded into a buffer of the largest message size, trimmed; wiped when dropped, since
/// it may hold a private key or a model.
pub fn encode(
    write: impl FnOnce(&mut [u8]) -> hecate::Result<usize>,
) -> Result<Zeroizing<Vec<u8>>> {
    let mut buffer = Zeroizing::new(vec![0u8; MAX_MESSAGE_LEN]);
    let len = write(&mut buffer)?;
    buffer.truncate(len);
    Ok(buffer)
}

/// The kind of the Hecate message `bytes`; a python-paillier JSON file is named as such rather
/// than as "not a Hecate file".
pub fn kind_of(bytes: &[u8]) -> Result<Kind> {
    match Kind::of(bytes) {
        Err(hecate::Error::NotHecate) if phe::looks_like(bytes) => {
            bail!("looks like a python-paillier JSON file, not a Hecate one: add --format phe-json")
        }
        kind => Ok(kind?),
    }
}

/// [`kind_of`], refusing any kind but `expected`: "expected a query, found a model card", where a
/// later step would fail on something less clear (a card has no key size).
pub fn expect_kind(bytes: &[u8], expected: &[Kind]) -> Result<Kind> {
    let found = kind_of(bytes)?;
    if !expected.contains(&found) {
        let expected: Vec<String> = expected.iter().map(|kind| a(*kind)).collect();
        bail!("expected {}, found {}", expected.join(" or "), a(found));
    }
    Ok(found)
}

/// "a query", "an answer".
fn a(kind: Kind) -> String {
    let article = if kind == Kind::Answer { "an" } else { "a" };
    format!("{article} {kind}")
}
