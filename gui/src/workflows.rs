//! One module per job: keygen, encrypt, train, predict, decrypt, inspect, bench. No printing, no
//! argument parsing: the command line and the desktop app both call these.

use anyhow::Result;
use hecate::MAX_MESSAGE_LEN;
use hecate::rand_core::UnwrapErr;
use rand::rngs::SysRng;
use zeroize::Zeroizing;

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
