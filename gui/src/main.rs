//! `hecate`: with a subcommand it works headless; with none it opens the desktop app (or prints help
//! in a build without the `gui` feature).

use std::process::ExitCode;

use clap::Parser;

mod cli;

fn main() -> ExitCode {
    // For comparisons and for running a test suite on the portable path on any CPU.
    if std::env::var_os("HECATE_ARITHMETIC").is_some_and(|value| value == "portable") {
        hecate::Arithmetic::force_portable();
    }
    let arguments = cli::Cli::parse();
    let Some(command) = arguments.command else {
        return open_app();
    };
    match cli::run(command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("hecate: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// With no subcommand: the desktop app, or help in a headless build.
#[cfg(feature = "gui")]
fn open_app() -> ExitCode {
    // Without a display the windowing library's own error is obscure (it names a registry path).
    let unset = |name| std::env::var_os(name).is_none_or(|value| value.is_empty());
    if cfg!(all(unix, not(target_os = "macos"))) && unset("DISPLAY") && unset("WAYLAND_DISPLAY") {
        eprintln!("hecate: no display: use a subcommand (hecate --help)");
        return ExitCode::FAILURE;
    }
    match hecate_app::app::run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("hecate: {error:#}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(not(feature = "gui"))]
fn open_app() -> ExitCode {
    use clap::CommandFactory;
    // A headless build (--no-default-features): say what there is.
    let _ = cli::Cli::command().print_help();
    ExitCode::SUCCESS
}
