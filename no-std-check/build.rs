//! Link arguments for a binary without the C runtime's start files (we provide `_start`), against
//! libc for the memcpy/memset/memmove the compiler emits and for `write`/`exit`. Given here, not in
//! `.cargo/config.toml`, because `rustc-link-arg-bins` reaches only the binary, not build scripts.

fn main() {
    println!("cargo:rustc-link-arg-bins=-nostartfiles");
    println!("cargo:rustc-link-arg-bins=-lc");
}
