//! Command-line interface: flags are parsed and validated here once, then handed to the
//! library as plain values. Exit statuses follow CONTRACT.md: 0 pass, 1 findings at or above
//! `--fail-on`, 2 bad input, 3 incomplete.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use clap::{Args, Parser, Subcommand, ValueEnum};
use ipnet::IpNet;

use crate::analysis::tls::{TlsOptions, DEFAULT_CERT_EXPIRY_DAYS};
use crate::arn::AlbArn;
use crate::collect::{AwsOptions, Collector, Selection};
use crate::error::{Error, Result};
use crate::model::{Snapshot, SNAPSHOT_FORMAT};
use crate::report::baseline::Baseline;
use crate::report::{self, FailOn};
use crate::rules;
use crate::rules::{evaluate, Options};

/// Finds which AWS setting breaks which path through an Application Load Balancer.
#[derive(Debug, Parser)]
#[command(name = "alb-audit", version, about, max_term_width = 100)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Audit ALBs (live, read-only) or a saved snapshot, and report what breaks which path.
    Audit(AuditArgs),
    /// Save everything an audit reads to a JSON snapshot, for offline audits and bug reports.
    Snapshot(SnapshotArgs),
    /// Write a baseline that accepts every finding of a JSON report, each at its severity.
    Baseline {
        /// A JSON report written by `alb-audit audit --format json`.
        #[arg(long, value_name = "FILE")]
        report: PathBuf,
        /// The baseline file to write.
        #[arg(long, value_name = "FILE")]
        output: PathBuf,
    },
    /// List the rule catalogue.
    Rules {
        /// Print the catalogue as Markdown (the source of docs/rules.md).
        #[arg(long)]
        markdown: bool,
    },
    /// Print the JSON Schema of the JSON report (docs/report.schema.json).
    Schema,
    /// Show one rule's documentation.
    Explain {
        /// A rule code, e.g. ALB104.
        rule: String,
    },
}

#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("source").required(true).args(["alb_arn", "all", "snapshot"]))]
struct AuditArgs {
    #[command(flatten)]
    select: SelectArgs,
    /// Audit a snapshot file instead of calling AWS.
    #[arg(long, value_name = "FILE", conflicts_with_all = [
        "alb_arn", "all", "tag", "region", "profile", "endpoint_url", "concurrency", "call_timeout",
    ])]
    snapshot: Option<PathBuf>,
    /// Clients that must get through, as CIDR blocks (repeatable; IPv4 or IPv6).
    #[arg(long = "client-cidr", value_name = "CIDR")]
    client_cidr: Vec<String>,
    /// A host name clients use, which every HTTPS listener's certificates must cover
    /// (repeatable).
    #[arg(long, value_name = "NAME")]
    hostname: Vec<String>,
    /// The TLS version of the oldest clients that must connect: TLSv1.0, TLSv1.1, TLSv1.2 or
    /// TLSv1.3 (repeatable).
    #[arg(long = "client-tls", value_name = "VERSION")]
    client_tls: Vec<String>,
    /// Warn this many days before a listener certificate that ACM does not renew expires.
    #[arg(long, value_name = "DAYS", default_value_t = DEFAULT_CERT_EXPIRY_DAYS, value_parser = clap::value_parser!(u32).range(0..=3650))]
    cert_expiry_days: u32,
    /// Report format [default: text on a terminal, json otherwise].
    #[arg(long, value_enum)]
    format: Option<Format>,
    /// Write the report to FILE instead of standard output.
    #[arg(long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Lowest severity that makes the exit status 1.
    #[arg(long, value_enum, default_value = "error")]
    fail_on: FailOn,
    /// Accept the findings whose causes this baseline lists at their severity or a higher one:
    /// reported, never failing. Entries that match nothing are reported as stale.
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,
    #[command(flatten)]
    aws: AwsArgs,
}

/// Which ALBs to read.
#[derive(Debug, Args)]
struct SelectArgs {
    /// ARN of an Application Load Balancer (repeatable).
    #[arg(long = "alb-arn", value_name = "ARN", conflicts_with = "all")]
    alb_arn: Vec<String>,
    /// Every Application Load Balancer in the region (Network and Gateway ones are skipped).
    #[arg(long)]
    all: bool,
    /// With --all: only ALBs carrying this tag (repeatable; all must match).
    #[arg(long, value_name = "KEY=VALUE", requires = "all")]
    tag: Vec<String>,
}

#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("which").required(true).args(["alb_arn", "all"]))]
struct SnapshotArgs {
    #[command(flatten)]
    select: SelectArgs,
    /// The snapshot file to write.
    #[arg(long, value_name = "FILE")]
    output: PathBuf,
    #[command(flatten)]
    aws: AwsArgs,
}

#[derive(Debug, Args)]
struct AwsArgs {
    /// AWS region [default: the region in the ARN].
    #[arg(long)]
    region: Option<String>,
    /// Named profile from the shared AWS config.
    #[arg(long)]
    profile: Option<String>,
    /// Custom endpoint for every AWS call (the SDK's AWS_ENDPOINT_URL works too).
    #[arg(long, value_name = "URL")]
    endpoint_url: Option<String>,
    /// At most this many AWS API calls in flight at once.
    #[arg(long, value_name = "N", default_value_t = 12, value_parser = clap::value_parser!(u16).range(1..=256))]
    concurrency: u16,
    /// Give up on one AWS API call, retries included, after this many seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=3600))]
    call_timeout: u64,
}

impl From<&AwsArgs> for AwsOptions {
    fn from(a: &AwsArgs) -> Self {
        AwsOptions {
            region: a.region.clone(),
            profile: a.profile.clone(),
            endpoint_url: a.endpoint_url.clone(),
            concurrency: usize::from(a.concurrency),
            call_timeout: std::time::Duration::from_secs(a.call_timeout),
            progress: std::io::stderr().is_terminal() && std::env::var_os("CI").is_none(),
        }
    }
}

/// Report formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Format {
    /// The contract's JSON report.
    Json,
    /// A report for people.
    Text,
    /// SARIF 2.1.0, for code scanning (GitHub).
    Sarif,
    /// JUnit XML, for CI test reports.
    Junit,
    /// A Markdown summary, for pull requests and job summaries.
    Markdown,
    /// One self-contained HTML page with a picture of each ALB's paths.
    Html,
}

/// Runs a parsed command line and returns the exit status.
pub fn run(cli: Cli) -> Result<u8> {
    match cli.command {
        Command::Rules { markdown } => {
            let text = if markdown {
                rules::catalogue_markdown()
            } else {
                rules::catalogue_text()
            };
            print_stdout(&text)?;
            Ok(0)
        }
        Command::Schema => {
            print_stdout(&report::json_schema())?;
            Ok(0)
        }
        Command::Explain { rule } => {
            let r = rules::find(&rule).ok_or(Error::UnknownRule(rule))?;
            print_stdout(&rules::explain(r))?;
            Ok(0)
        }
        Command::Audit(args) => audit(args),
        Command::Baseline { report, output } => {
            let text = std::fs::read_to_string(&report).map_err(|e| Error::Input {
                what: "report",
                path: report.clone(),
                why: e.to_string(),
            })?;
            let parsed: report::Report = serde_json::from_str(&text).map_err(|e| Error::Input {
                what: "report",
                path: report.clone(),
                why: e.to_string(),
            })?;
            write_file(&output, &Baseline::from_report(&parsed).to_json())?;
            Ok(0)
        }
        Command::Snapshot(args) => {
            let selection = parse_selection(&args.select)?;
            let snapshot = runtime()?.block_on(collect(&selection, &args.aws))?;
            let mut json = serde_json::to_string_pretty(&snapshot)
                .map_err(|e| Error::Usage(format!("cannot serialise snapshot: {e}")))?;
            json.push('\n');
            write_file(&args.output, &json)?;
            if snapshot.gaps.is_empty() {
                Ok(0)
            } else {
                // Written with what could not be read; incomplete all the same.
                if std::io::stderr().is_terminal() {
                    eprintln!(
                        "alb-audit: snapshot written to {} with {} part(s) that could not be read",
                        args.output.display(),
                        snapshot.gaps.len()
                    );
                }
                Ok(3)
            }
        }
    }
}

fn audit(args: AuditArgs) -> Result<u8> {
    let client_cidrs = parse_cidrs(&args.client_cidr)?;
    let tls = TlsOptions {
        hostnames: parse_hostnames(&args.hostname)?,
        client_tls: args
            .client_tls
            .iter()
            .map(|v| v.parse())
            .collect::<Result<_, _>>()?,
        cert_expiry_days: args.cert_expiry_days,
    };
    let baseline = args.baseline.as_deref().map(Baseline::load).transpose()?;
    let snapshot = match &args.snapshot {
        Some(path) => {
            if let Some(out) = &args.output {
                refuse_overwrite(out, path)?;
            }
            load_snapshot(path)?
        }
        None => {
            let selection = parse_selection(&args.select)?;
            runtime()?.block_on(collect(&selection, &args.aws))?
        }
    };
    let outcomes = evaluate(&snapshot, &Options { client_cidrs, tls });
    let generated_at = humantime::format_rfc3339_seconds(SystemTime::now()).to_string();
    let report = report::build(
        &snapshot,
        outcomes,
        args.fail_on,
        baseline.as_ref(),
        generated_at,
    );
    let format = args.format.unwrap_or(
        if args.output.is_none() && std::io::stdout().is_terminal() {
            Format::Text
        } else {
            Format::Json
        },
    );
    let rendered = match format {
        Format::Json => report.to_json(),
        Format::Text => report::text::render(&report),
        Format::Sarif => report::sarif::render(&report, baseline.is_some()),
        Format::Junit => report::junit::render(&report, args.fail_on),
        Format::Markdown => report::markdown::render(&report),
        Format::Html => report::html::render(&report),
    };
    match &args.output {
        Some(path) => {
            write_file(path, &anstream::adapter::strip_str(&rendered).to_string())?;
            // Standard output stays empty; a person at a terminal still learns how it went.
            if std::io::stderr().is_terminal() {
                eprintln!(
                    "alb-audit: {}; report written to {}",
                    report.one_line(),
                    path.display()
                );
            }
        }
        None => print_styled(&rendered)?,
    }
    Ok(report.exit_code(args.fail_on))
}

/// Refuses to write the report over the snapshot it is read from.
fn refuse_overwrite(output: &Path, input: &Path) -> Result<()> {
    let same = match (output.canonicalize(), input.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    if same {
        return Err(Error::Usage(format!(
            "--output {} is the snapshot being audited: write the report elsewhere",
            output.display()
        )));
    }
    Ok(())
}

async fn collect(selection: &Selection, aws: &AwsArgs) -> Result<Snapshot> {
    let region = match selection {
        Selection::Arns(arns) => arns.first().map(|a| a.region.as_str()),
        Selection::All { .. } => None,
    };
    if let (Some(flag), Some(arn_region)) = (&aws.region, region) {
        if flag != arn_region {
            return Err(Error::Usage(format!(
                "--region {flag} contradicts the region of the --alb-arn ({arn_region}): drop --region or audit ALBs of {flag}"
            )));
        }
    }
    let collector = Collector::new(&aws.into(), region).await?;
    collector.collect(selection).await
}

fn parse_selection(select: &SelectArgs) -> Result<Selection> {
    if !select.all && !select.tag.is_empty() {
        return Err(Error::Usage(
            "--tag filters the ALBs of --all: add --all, or name ALBs with --alb-arn alone".into(),
        ));
    }
    if select.all {
        let tags = select
            .tag
            .iter()
            .map(|t| match t.split_once('=') {
                Some((k, v)) if !k.is_empty() => Ok((k.to_string(), v.to_string())),
                _ => Err(Error::Usage(format!("bad --tag '{t}': expected KEY=VALUE"))),
            })
            .collect::<Result<Vec<_>>>()?;
        return Ok(Selection::All { tags });
    }
    Ok(Selection::Arns(parse_arns(&select.alb_arn)?))
}

fn parse_arns(raw: &[String]) -> Result<Vec<AlbArn>> {
    let arns = raw
        .iter()
        .map(|a| AlbArn::parse(a.trim()))
        .collect::<Result<Vec<_>>>()?;
    if arns.is_empty() {
        return Err(Error::Usage("give at least one --alb-arn".into()));
    }
    if let Some(other) = arns.iter().find(|a| a.region != arns[0].region) {
        return Err(Error::Usage(format!(
            "all --alb-arn must be in one region: {} is in {}, {} in {}",
            arns[0].arn, arns[0].region, other.arn, other.region
        )));
    }
    Ok(arns)
}

fn parse_cidrs(raw: &[String]) -> Result<Vec<IpNet>> {
    raw.iter()
        .map(|c| {
            let value = c.trim();
            let net: IpNet = value
                .parse()
                .or_else(|_| value.parse::<std::net::IpAddr>().map(IpNet::from))
                .map_err(|e| Error::BadCidr {
                    value: c.clone(),
                    why: e.to_string(),
                })?;
            if net != net.trunc() {
                return Err(Error::BadCidr {
                    value: c.clone(),
                    why: format!("host bits are set; did you mean {}?", net.trunc()),
                });
            }
            Ok(net)
        })
        .collect()
}

/// Checks `--hostname` values: DNS host names (RFC 1123 §2.1: labels of 1 to 63 letters,
/// digits and hyphens, at most 253 characters, one trailing dot allowed). Wildcards are refused:
/// clients connect to one name, and patterns belong in host-header conditions.
fn parse_hostnames(raw: &[String]) -> Result<Vec<String>> {
    raw.iter()
        .map(|value| {
            let bad = |why| Error::BadHostname {
                value: value.clone(),
                why,
            };
            if value.contains(['*', '?']) {
                return Err(bad("give the host name clients use, without wildcards"));
            }
            let name = value.strip_suffix('.').unwrap_or(value);
            if name.is_empty() || name.len() > 253 {
                return Err(bad("a host name has 1 to 253 characters"));
            }
            let label_ok = |l: &str| {
                (1..=63).contains(&l.len())
                    && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            };
            if !name.split('.').all(label_ok) {
                return Err(bad(
                    "expected dot-separated labels of 1 to 63 letters, digits and hyphens",
                ));
            }
            Ok(value.clone())
        })
        .collect()
}

/// Reads and checks a snapshot file.
pub fn load_snapshot(path: &Path) -> Result<Snapshot> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::SnapshotRead {
        path: path.to_path_buf(),
        source,
    })?;
    let snapshot: Snapshot = serde_json::from_str(&text).map_err(|e| Error::SnapshotFormat {
        path: path.to_path_buf(),
        why: e.to_string(),
    })?;
    // The rules only hold for Application Load Balancers, and a node is found by its ARN.
    for lb in &snapshot.load_balancers {
        AlbArn::parse(&lb.arn).map_err(|e| Error::SnapshotFormat {
            path: path.to_path_buf(),
            why: e.to_string(),
        })?;
    }
    if snapshot.format == 0 || snapshot.format > SNAPSHOT_FORMAT {
        return Err(Error::SnapshotFormat {
            path: path.to_path_buf(),
            why: format!(
                "format {} is not supported by this alb-audit (it reads format {SNAPSHOT_FORMAT})",
                snapshot.format
            ),
        });
    }
    Ok(snapshot)
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Config(format!("cannot start the async runtime: {e}")))
}

fn write_file(path: &Path, text: &str) -> Result<()> {
    std::fs::write(path, text).map_err(|source| Error::Write {
        path: path.to_path_buf(),
        source,
    })
}

/// Writes to standard output, keeping colour only on a terminal and never with `NO_COLOR`.
fn print_styled(text: &str) -> Result<()> {
    let mut out = anstream::stdout();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other.map_err(|source| Error::Write {
            path: PathBuf::from("<stdout>"),
            source,
        }),
    }
}

fn print_stdout(text: &str) -> Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        // A closed pipe (`| head`) is the reader's choice, not an error.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other.map_err(|source| Error::Write {
            path: PathBuf::from("<stdout>"),
            source,
        }),
    }
}
