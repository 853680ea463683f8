//! The `alb-audit` binary: parse flags, run, map the outcome to the contract's exit status.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = alb_audit::cli::Cli::parse();
    match alb_audit::cli::run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("alb-audit: error: {e}");
            ExitCode::from(2)
        }
    }
}
