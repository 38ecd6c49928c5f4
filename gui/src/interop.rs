//! Interoperability with other Paillier tools.

pub mod phe;
