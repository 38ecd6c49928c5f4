//! Hecate's application: the workflows behind the `hecate` command line and the desktop app, one
//! implementation of each, with no printing: the front ends present their results.

#[cfg(feature = "gui")]
pub mod app;
pub mod files;
pub mod interop;
pub mod sealing;
pub mod service;
pub mod workflows;

/// Runs `$body` with the type `$size` bound to the key size of `$bits` bits, or fails with a clear
/// error for a size Hecate does not support.
#[macro_export]
macro_rules! with_key_size {
    ($bits:expr, |$size:ident| $body:expr) => {
        match $bits {
            2048 => {
                type $size = hecate::Paillier2048;
                $body
            }
            3072 => {
                type $size = hecate::Paillier3072;
                $body
            }
            4096 => {
                type $size = hecate::Paillier4096;
                $body
            }
            other => Err(anyhow::anyhow!(
                "a {other}-bit key is not supported: Hecate uses 2048, 3072 or 4096 bits"
            )),
        }
    };
}
