//! The `alb-audit` binary: parse flags, run, map the outcome to the contract's exit status.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = match alb_audit::cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if !e.use_stderr() => {
            // --help and --version.
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            // A flag error is bad input: one line, like every other.
            let text = e.render().to_string();
            let line: Vec<&str> = text
                .lines()
                .take_while(|l| !l.starts_with("Usage:"))
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .collect();
            let line = line.join(" ");
            eprintln!(
                "alb-audit: error: {} (see alb-audit --help)",
                safe_line(line.trim_start_matches("error: "))
            );
            return ExitCode::from(2);
        }
    };
    match alb_audit::cli::run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("alb-audit: error: {}", safe_line(&e.to_string()));
            ExitCode::from(2)
        }
    }
}

/// An error line echoes arguments and file contents: shown escaped, never a terminal escape
/// sequence nor a CI command (`report::escape::text`).
fn safe_line(s: &str) -> String {
    alb_audit::report::escape::text::line(s)
}
