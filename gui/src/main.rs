//! `hecate`: with a subcommand it works headless; with none it prints help (the desktop app comes
//! with the next issue).

use std::process::ExitCode;

use clap::{CommandFactory, Parser};

mod cli;

fn main() -> ExitCode {
    let arguments = cli::Cli::parse();
    let Some(command) = arguments.command else {
        // The desktop app will open here; until then, say what there is.
        let _ = cli::Cli::command().print_help();
        return ExitCode::SUCCESS;
    };
    match cli::run(command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("hecate: {error:#}");
            ExitCode::FAILURE
        }
    }
}
