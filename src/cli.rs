//! Command-line interface: flags are parsed and validated here once, then handed to the
//! library as plain values. Exit statuses (docs/report.md): 0 pass, 1 findings at or above
//! `--fail-on` or a failed probe, 2 bad input, 3 incomplete.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use clap::{Args, Parser, Subcommand, ValueEnum};
use ipnet::IpNet;

use crate::analysis::tls::{TlsOptions, DEFAULT_CERT_EXPIRY_DAYS};
use crate::arn::AlbArn;
use crate::collect::fleet::{AccountList, Accounts, FleetOptions, Regions, Role};
use crate::collect::progress::Progress;
use crate::collect::{config, AwsOptions, Collector, Selection};
use crate::error::{Error, Result};
use crate::model::fleet::Fleet;
use crate::model::{Snapshot, SNAPSHOT_FORMAT};
use crate::probe::live::{self, Settings, Target};
use crate::probe::parse_resolve;
use crate::probe::plan::{plan, AlbPlan, NotProbed};
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
    /// Audit ALBs, then from here connect to every node and listener once (as `telnet` and
    /// `curl -v` would) and join what happened with the findings.
    Probe(ProbeArgs),
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
    /// Show one finding's fix (by fingerprint), its commands, and the verdicts before and after
    /// the change, audited on a copy of the snapshot.
    ExplainFix {
        /// The finding's fingerprint, from a report.
        fingerprint: String,
        /// The snapshot the report was made from.
        #[arg(long, value_name = "FILE")]
        snapshot: PathBuf,
        /// The clients and TLS flags the report was made with: a finding's fingerprint
        /// exists only under the same ones.
        #[command(flatten)]
        clients: ClientArgs,
    },
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
    #[command(flatten)]
    fleet: FleetArgs,
    /// Audit a snapshot file instead of calling AWS.
    #[arg(long, value_name = "FILE", conflicts_with_all = [
        "alb_arn", "all", "tag", "region", "profile", "endpoint_url", "concurrency", "call_timeout",
    ])]
    snapshot: Option<PathBuf>,
    /// With --snapshot: refuse a file larger than this many bytes.
    #[arg(long, value_name = "BYTES", default_value_t = DEFAULT_MAX_SNAPSHOT_BYTES, value_parser = clap::value_parser!(u64).range(1..))]
    max_snapshot_bytes: u64,
    #[command(flatten)]
    clients: ClientArgs,
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
    /// Hide findings that the entries of this TOML file describe (by rule, account, region,
    /// ALB, resource, tag), each with its reason: reported, never failing. Entries that match
    /// nothing, or have expired, are reported.
    #[arg(long, value_name = "FILE")]
    suppressions: Option<PathBuf>,
    #[command(flatten)]
    aws: AwsArgs,
}

/// Who the clients are and what they ask of the HTTPS listeners: what an audit judges
/// against, so `audit`, `probe` and `explain-fix` take the same flags.
#[derive(Debug, Args)]
struct ClientArgs {
    /// Clients that must get through, as CIDR blocks (repeatable; IPv4 or IPv6).
    #[arg(long = "client-cidr", value_name = "CIDR")]
    client_cidr: Vec<String>,
    /// A host name clients use, which every HTTPS listener's certificates must cover
    /// (repeatable); `probe` sends the first as `Host` and TLS SNI.
    #[arg(long, value_name = "NAME")]
    hostname: Vec<String>,
    /// The TLS version of the oldest clients that must connect: TLSv1.0, TLSv1.1, TLSv1.2 or
    /// TLSv1.3 (repeatable).
    #[arg(long = "client-tls", value_name = "VERSION")]
    client_tls: Vec<String>,
    /// Warn this many days before a listener certificate that ACM does not renew expires.
    #[arg(long, value_name = "DAYS", default_value_t = DEFAULT_CERT_EXPIRY_DAYS, value_parser = clap::value_parser!(u32).range(0..=3650))]
    cert_expiry_days: u32,
    /// A client's certificate chain (PEM, leaf first) that mutual-TLS verify listeners must
    /// accept: verified against the trust store's CA bundle and revocation lists (ALB306).
    #[arg(long = "client-cert", value_name = "FILE")]
    client_cert: Option<PathBuf>,
}

impl ClientArgs {
    /// The evaluation options these flags ask for, each flag checked once.
    fn options(&self) -> Result<Options> {
        Ok(Options {
            client_cidrs: parse_cidrs(&self.client_cidr)?,
            tls: TlsOptions {
                hostnames: parse_hostnames(&self.hostname)?,
                client_tls: self
                    .client_tls
                    .iter()
                    .map(|v| v.parse())
                    .collect::<Result<_, _>>()?,
                cert_expiry_days: self.cert_expiry_days,
                client_cert: self
                    .client_cert
                    .as_deref()
                    .map(load_client_cert)
                    .transpose()?,
            },
        })
    }
}

/// `probe`: the audit's options, and how to probe.
#[derive(Debug, Args)]
struct ProbeArgs {
    #[command(flatten)]
    audit: AuditArgs,
    /// The path of the one `GET` sent to each node and HTTP(S) listener.
    #[arg(long, value_name = "PATH", default_value = "/")]
    path: String,
    /// Bound on each phase of each probe (connect, TLS handshake, response) and on resolving
    /// the ALB's name, in seconds.
    #[arg(long, value_name = "SECONDS", default_value = "3", value_parser = parse_timeout)]
    connect_timeout: Duration,
    /// Use ADDR[,ADDR...] as the answer for HOST instead of DNS, like curl's --resolve
    /// (HOST:PORT:ADDR is read too); repeatable.
    #[arg(long, value_name = "HOST:ADDR")]
    resolve: Vec<String>,
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

/// Which accounts and regions to read with `--all`: a fleet in one run and one report.
#[derive(Debug, Args)]
struct FleetArgs {
    /// With --all: these regions (comma-separated, repeatable), or `all` for every region
    /// enabled for each account.
    #[arg(long, value_name = "LIST|all", value_delimiter = ',')]
    regions: Vec<String>,
    /// With --all: assume arn:aws:iam::ACCOUNT:role/ROLE in each --account or in every account
    /// of the --organization.
    #[arg(long, value_name = "ROLE")]
    role_name: Option<String>,
    /// With --role-name: an account to audit (12 digits; repeatable).
    #[arg(long, value_name = "ID")]
    account: Vec<String>,
    /// With --role-name: every active account of the AWS Organization, listed from the calling
    /// account (its management account or a delegated administrator).
    #[arg(long)]
    organization: bool,
    /// With --role-name: the external id the role's trust policy requires.
    #[arg(long, value_name = "ID")]
    external_id: Option<String>,
    /// At most this many AWS API calls in flight over all accounts and regions
    /// [default: 8 x --concurrency].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=1024))]
    max_concurrency: Option<u16>,
}

#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("which").required(true).args(["alb_arn", "all"]))]
struct SnapshotArgs {
    #[command(flatten)]
    select: SelectArgs,
    #[command(flatten)]
    fleet: FleetArgs,
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
    /// At most this many AWS API calls in flight at once per account and region (the --observe
    /// metric reads, under CloudWatch's own quota, have a bound of this size of their own).
    #[arg(long, value_name = "N", default_value_t = 12, value_parser = clap::value_parser!(u16).range(1..=256))]
    concurrency: u16,
    /// Give up on one AWS API call, retries included, after this many seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=3600))]
    call_timeout: u64,
    /// Also read each ALB's own CloudWatch metrics over this window ending now (15m, 1h, 3d; at
    /// most 15 days) and join them with the findings; with --snapshot, show the metrics the
    /// snapshot recorded.
    #[arg(long, value_name = "DURATION", value_parser = parse_observe)]
    observe: Option<Duration>,
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
            observe: a.observe,
            tags: false,
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
    /// AWS Security Finding Format, for `aws securityhub batch-import-findings`.
    Asff,
    /// One CSV row per finding, for spreadsheets.
    Csv,
    /// OCSF 1.1 Detection Findings, for Amazon Security Lake and SIEMs.
    Ocsf,
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
        Command::ExplainFix {
            fingerprint,
            snapshot,
            clients,
        } => {
            let options = clients.options()?;
            let parsed = load_snapshot(&snapshot)?;
            let text =
                crate::fix::explain::explain(&parsed, &options, &fingerprint).ok_or_else(|| {
                    Error::Usage(format!(
                        "no finding of {} has fingerprint {fingerprint}",
                        snapshot.display()
                    ))
                })?;
            print_stdout(&text)?;
            Ok(0)
        }
        Command::Audit(args) => audit(args),
        Command::Probe(args) => probe(args),
        Command::Baseline { report, output } => {
            let text =
                crate::input::read_text(&report, crate::input::MAX_INPUT_BYTES).map_err(|e| {
                    Error::Input {
                        what: "report",
                        path: report.clone(),
                        why: e.to_string(),
                    }
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
            let fleet = parse_fleet(&args.select, &args.fleet, args.aws.concurrency, false)?;
            let (json, incomplete) =
                match runtime()?.block_on(collect(&selection, &args.aws, &fleet, true))? {
                    Collected::Single(snapshot) => (
                        serde_json::to_string_pretty(&snapshot),
                        !snapshot.gaps.is_empty(),
                    ),
                    Collected::Fleet(fleet) => {
                        (serde_json::to_string_pretty(&fleet), fleet.is_incomplete())
                    }
                };
            let mut json =
                json.map_err(|e| Error::Usage(format!("cannot serialise snapshot: {e}")))?;
            json.push('\n');
            write_file(&args.output, &json)?;
            // The contract: a snapshot that could not read everything is written, exit 3.
            Ok(if incomplete { 3 } else { 0 })
        }
    }
}

/// An audit's report and the model it was made from, so that `probe` plans from the very
/// snapshot the findings come from.
struct Audited {
    fleet: Fleet,
    report: report::Report,
    baselined: bool,
}

fn audit(args: AuditArgs) -> Result<u8> {
    let audited = run_audit(&args)?;
    write_report(&audited.report, &args, audited.baselined)?;
    Ok(audited.report.exit_code(args.fail_on))
}

fn run_audit(args: &AuditArgs) -> Result<Audited> {
    let options = args.clients.options()?;
    let baseline = args.baseline.as_deref().map(Baseline::load).transpose()?;
    let suppressions = args
        .suppressions
        .as_deref()
        .map(report::suppress::Suppressions::load)
        .transpose()?;
    let fleet = match &args.snapshot {
        Some(path) => {
            if let Some(out) = &args.output {
                refuse_overwrite(out, path)?;
            }
            parse_fleet(&args.select, &args.fleet, args.aws.concurrency, true)?;
            load_snapshots_bounded(path, args.max_snapshot_bytes)?
        }
        None => {
            let selection = parse_selection(&args.select)?;
            let fleet = parse_fleet(&args.select, &args.fleet, args.aws.concurrency, false)?;
            let tags = suppressions.as_ref().is_some_and(|s| s.by_tag());
            match runtime()?.block_on(collect(&selection, &args.aws, &fleet, tags))? {
                Collected::Single(snapshot) => Fleet::single(*snapshot),
                Collected::Fleet(fleet) => fleet,
            }
        }
    };
    let parts = fleet
        .parts
        .iter()
        .map(|part| (part, evaluate(part, &options)))
        .collect();
    let generated_at = humantime::format_rfc3339_seconds(SystemTime::now()).to_string();
    let accepting = report::Accepting {
        baseline: baseline.as_ref(),
        suppressions: suppressions.as_ref(),
    };
    let mut report = report::build_accepting(
        parts,
        fleet.missing(),
        args.fail_on,
        accepting,
        generated_at,
    );
    if args.aws.observe.is_some() {
        observe(&mut report, &fleet);
    }
    Ok(Audited {
        fleet,
        report,
        baselined: baseline.is_some(),
    })
}

/// Joins each ALB's metrics, as its part of the fleet recorded them, with its findings.
fn observe(report: &mut report::Report, fleet: &Fleet) {
    for alb in &mut report.load_balancers {
        let found = fleet.parts.iter().find_map(|part| {
            let lb = part.load_balancers.iter().find(|lb| lb.arn == alb.arn)?;
            Some((part.observed.as_ref(), lb))
        });
        alb.observed = Some(match found {
            Some((Some(observation), lb)) => {
                let zones: Vec<String> = alb
                    .availability_zones
                    .iter()
                    .map(|z| z.zone.clone())
                    .collect();
                let ports: Vec<u16> = lb.listeners.iter().map(|l| l.port).collect();
                crate::probe::observe::join(observation, &alb.arn, &zones, &ports, &alb.findings)
            }
            _ => crate::probe::observe::not_recorded(),
        });
    }
}

fn write_report(report: &report::Report, args: &AuditArgs, baselined: bool) -> Result<()> {
    let format = args.format.unwrap_or(
        if args.output.is_none() && std::io::stdout().is_terminal() {
            Format::Text
        } else {
            Format::Json
        },
    );
    let rendered = match format {
        Format::Json => report.to_json(),
        Format::Text => report::text::render(report),
        Format::Sarif => report::sarif::render(report, baselined),
        Format::Junit => report::junit::render(report, args.fail_on),
        Format::Markdown => report::markdown::render(report),
        Format::Html => report::html::render(report),
        Format::Asff => report::asff::render(report),
        Format::Csv => report::csv::render(report),
        Format::Ocsf => report::ocsf::render(report),
    };
    // Only the text report carries styles; every other format is written byte for byte (an
    // ANSI stripper would also take DEL and more out of JSON strings).
    let styled = format == Format::Text;
    match &args.output {
        Some(path) => {
            if styled {
                write_file(path, &anstream::adapter::strip_str(&rendered).to_string())?;
            } else {
                write_file(path, &rendered)?;
            }
            // Standard output stays empty; a person at a terminal still learns how it went.
            if std::io::stderr().is_terminal() {
                eprintln!(
                    "alb-audit: {}; report written to {}",
                    report.one_line(),
                    report::escape::text::line(&path.display().to_string())
                );
            }
        }
        None if styled => print_styled(&rendered)?,
        None => print_stdout(&rendered)?,
    }
    Ok(())
}

/// `probe`: the audit, then from here one connection (and one `GET`) per ALB node address and
/// listener, joined with the findings into the audit's report.
fn probe(args: ProbeArgs) -> Result<u8> {
    let settings = Settings {
        host: parse_hostnames(&args.audit.clients.hostname)?
            .into_iter()
            .next(),
        path: args.path.clone(),
        timeout: args.connect_timeout,
        resolve: args
            .resolve
            .iter()
            .map(|r| parse_resolve(r.trim()))
            .collect::<std::result::Result<_, _>>()
            .map_err(|e| Error::Usage(format!("--resolve: {e}")))?,
    };
    let mut audited = run_audit(&args.audit)?;
    // Only addresses `--resolve` names may be probed in special-purpose ranges (loopback, ...).
    let named: Vec<std::net::IpAddr> = settings
        .resolve
        .iter()
        .flat_map(|r| r.addrs.iter().copied())
        .collect();
    let lbs: Vec<(&Snapshot, &crate::model::LoadBalancer)> = audited
        .fleet
        .parts
        .iter()
        .flat_map(|part| part.load_balancers.iter().map(move |lb| (part, lb)))
        .collect();
    let targets: Vec<Target<'_>> = audited
        .report
        .load_balancers
        .iter()
        .map(|alb| {
            let found = lbs.iter().find(|(_, lb)| lb.arn == alb.arn);
            Target {
                dns_name: &alb.dns_name,
                plan: match found {
                    Some((snapshot, lb)) => plan(snapshot, lb, &named),
                    None => AlbPlan {
                        shifted: Vec::new(),
                        nodes: Vec::new(),
                        not_probed: alb
                            .availability_zones
                            .iter()
                            .map(|z| NotProbed {
                                availability_zone: z.zone.clone(),
                                reason: "the ALB is not in the audited model".into(),
                            })
                            .collect(),
                        listeners: Vec::new(),
                    },
                },
                findings: &alb.findings,
            }
        })
        .collect();
    let now = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
    let probes = runtime()?.block_on(live::run(&targets, &settings, now));
    drop(targets);
    audited.report.attach_probes(probes);
    write_report(&audited.report, &args.audit, audited.baselined)?;
    Ok(audited.report.exit_code(args.audit.fail_on))
}

/// `--observe`: a whole number of minutes (`m`), hours (`h`) or days (`d`), from one minute to
/// 15 days (the retention of CloudWatch's one-minute data points).
fn parse_observe(s: &str) -> std::result::Result<Duration, String> {
    let s = s.trim();
    let unit = match s.chars().last() {
        Some('m') => 60,
        Some('h') => 3600,
        Some('d') => 86_400,
        _ => return Err(format!("'{s}' is not a duration such as 15m, 1h or 3d")),
    };
    let n: u64 = s[..s.len() - 1]
        .parse()
        .map_err(|_| format!("'{s}' is not a duration such as 15m, 1h or 3d"))?;
    let secs = n.saturating_mul(unit);
    if secs == 0 || secs > 15 * 86_400 {
        return Err(format!("{s} is outside 1m to 15d"));
    }
    Ok(Duration::from_secs(secs))
}

/// `--connect-timeout`: seconds, at least [`MIN_CONNECT_TIMEOUT`] (so no value rounds to zero:
/// `1e-300` would) and at most 60, fractions allowed.
fn parse_timeout(s: &str) -> std::result::Result<Duration, String> {
    let secs: f64 = s
        .trim()
        .parse()
        .map_err(|_| "not a number of seconds".to_string())?;
    if !(MIN_CONNECT_TIMEOUT..=60.0).contains(&secs) {
        return Err(format!(
            "{secs} is outside {MIN_CONNECT_TIMEOUT} <= seconds <= 60"
        ));
    }
    Ok(Duration::from_secs_f64(secs))
}

/// The shortest `--connect-timeout`, in seconds: a millisecond, the probe's timing resolution.
const MIN_CONNECT_TIMEOUT: f64 = 0.001;

/// `--max-snapshot-bytes` by default: 1 GiB, far above a real region (docs/performance.md) and
/// far below what exhausts a machine.
pub const DEFAULT_MAX_SNAPSHOT_BYTES: u64 = 1 << 30;

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

/// What a live run read: one region's snapshot (the file format from before fleets), or a
/// fleet of (account, region) snapshots.
enum Collected {
    Single(Box<Snapshot>),
    Fleet(Fleet),
}

/// How a live run reads: the fleet options when a fleet flag was given, and the overall bound
/// on calls in flight.
struct Plan {
    fleet: Option<FleetOptions>,
    max_concurrency: usize,
}

/// `tags`: read the selected ALBs' tags too ([`AwsOptions::tags`]).
async fn collect(
    selection: &Selection,
    aws: &AwsArgs,
    plan: &Plan,
    tags: bool,
) -> Result<Collected> {
    let options = AwsOptions { tags, ..aws.into() };
    let progress = Arc::new(Progress::stderr(options.progress));
    let collected = match &plan.fleet {
        Some(fleet) => crate::collect::fleet::collect(&options, fleet, selection, progress.clone())
            .await
            .map(Collected::Fleet),
        None => {
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
            match config::load(&options, region).await {
                Ok(sdk) => {
                    let global = Arc::new(tokio::sync::Semaphore::new(plan.max_concurrency));
                    let collector = Collector::from_config(&sdk, &options, global);
                    let place = collector.region().to_string();
                    collector
                        .with_progress(progress.clone(), format!("region {place}"))
                        .collect(selection)
                        .await
                        .map(|s| Collected::Single(Box::new(s)))
                }
                Err(e) => Err(e),
            }
        }
    };
    progress.finish();
    collected
}

/// Checks the fleet flags against each other and the selection, once: every contradiction is
/// bad input with one line that says what goes with what.
fn parse_fleet(
    select: &SelectArgs,
    fleet: &FleetArgs,
    concurrency: u16,
    offline: bool,
) -> Result<Plan> {
    let usage = |m: &str| Err(Error::Usage(m.to_string()));
    let max_concurrency = fleet
        .max_concurrency
        .map_or(usize::from(concurrency) * 8, usize::from);
    let any = !fleet.regions.is_empty()
        || fleet.role_name.is_some()
        || !fleet.account.is_empty()
        || fleet.organization
        || fleet.external_id.is_some();
    if offline && (any || fleet.max_concurrency.is_some()) {
        return usage("--regions, --role-name, --account, --organization, --external-id and --max-concurrency are for live runs; --snapshot replays a file that already holds its accounts and regions");
    }
    if !any {
        return Ok(Plan {
            fleet: None,
            max_concurrency,
        });
    }
    if !select.alb_arn.is_empty() {
        return usage("--regions, --role-name, --account and --organization read whole regions: use them with --all, not --alb-arn (an ARN names its own account and region)");
    }
    if fleet.organization && !fleet.account.is_empty() {
        return usage("--organization and --account exclude each other: --organization already audits every active account of the organization");
    }
    if fleet.external_id.is_some() && fleet.role_name.is_none() {
        return usage("--external-id needs --role-name (the role whose trust policy asks for it)");
    }
    let accounts = match (
        &fleet.role_name,
        fleet.organization,
        fleet.account.is_empty(),
    ) {
        (None, true, _) => {
            return usage(
                "--organization needs --role-name ROLE, the role to assume in each account",
            )
        }
        (None, false, false) => {
            return usage("--account needs --role-name ROLE, the role to assume in each account")
        }
        (None, false, true) => Accounts::Caller,
        (Some(_), false, true) => {
            return usage("--role-name needs --account ID (repeatable) or --organization")
        }
        (Some(name), organization, _) => {
            check_role_name(name)?;
            let which = if organization {
                AccountList::Organization
            } else {
                AccountList::Listed(parse_accounts(&fleet.account)?)
            };
            Accounts::Assumed {
                which,
                role: Role {
                    name: name.clone(),
                    external_id: fleet.external_id.clone(),
                },
            }
        }
    };
    Ok(Plan {
        fleet: Some(FleetOptions {
            accounts,
            regions: parse_regions(&fleet.regions)?,
            max_concurrency,
        }),
        max_concurrency,
    })
}

/// `--regions`: nothing (the home region), `all`, or region names, each once in given order.
fn parse_regions(raw: &[String]) -> Result<Regions> {
    if raw.is_empty() {
        return Ok(Regions::Home);
    }
    let names: Vec<&str> = raw.iter().map(|r| r.trim()).collect();
    if names.contains(&"all") {
        if names.len() > 1 {
            return Err(Error::Usage(
                "--regions all means every enabled region: give it alone, not with region names"
                    .into(),
            ));
        }
        return Ok(Regions::Enabled);
    }
    let mut regions: Vec<String> = Vec::new();
    for name in names {
        if name.is_empty() {
            return Err(Error::Usage(
                "--regions has an empty name: expected a list like us-east-1,eu-west-1 or all"
                    .into(),
            ));
        }
        config::check_region(name)?;
        if !regions.iter().any(|r| r == name) {
            regions.push(name.to_string());
        }
    }
    Ok(Regions::Listed(regions))
}

/// `--account`: 12-digit account ids, each once.
fn parse_accounts(raw: &[String]) -> Result<Vec<String>> {
    let mut ids: Vec<String> = Vec::new();
    for id in raw.iter().map(|a| a.trim()) {
        if id.len() != 12 || !id.chars().all(|c| c.is_ascii_digit()) {
            return Err(Error::Usage(format!(
                "bad --account '{id}': an AWS account id is 12 digits"
            )));
        }
        if !ids.iter().any(|known| known == id) {
            ids.push(id.to_string());
        }
    }
    Ok(ids)
}

/// `--role-name`: an IAM role name, optionally after a path (`audit/AlbAudit`), in the
/// characters IAM allows (<https://docs.aws.amazon.com/IAM/latest/APIReference/API_Role.html>).
fn check_role_name(name: &str) -> Result<()> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || "+=,.@_-/".contains(c);
    let role = name.rsplit('/').next().unwrap_or_default();
    if role.is_empty() || role.len() > 64 || name.starts_with('/') || !name.chars().all(allowed) {
        return Err(Error::Usage(format!(
            "bad --role-name '{name}': expected a role name like AlbAudit (letters, digits and +=,.@_-, at most 64), not an ARN"
        )));
    }
    Ok(())
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
/// The largest `--client-cert` file read: a chain is a few kilobytes.
const MAX_CLIENT_CERT_BYTES: u64 = 1 << 20;

/// Reads `--client-cert`: a PEM chain, leaf first.
fn load_client_cert(path: &Path) -> Result<crate::analysis::mtls::ClientChain> {
    use std::io::Read;
    let bad = |why: String| Error::ClientCert {
        path: path.to_path_buf(),
        why,
    };
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_CLIENT_CERT_BYTES + 1).read_to_end(&mut bytes))
        .map_err(|e| bad(e.to_string()))?;
    if bytes.len() as u64 > MAX_CLIENT_CERT_BYTES {
        return Err(bad(format!("larger than {MAX_CLIENT_CERT_BYTES} bytes")));
    }
    crate::analysis::mtls::ClientChain::from_pem(&path.display().to_string(), &bytes).map_err(bad)
}

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

/// Reads and checks a snapshot file of one region, of at most [`DEFAULT_MAX_SNAPSHOT_BYTES`].
pub fn load_snapshot(path: &Path) -> Result<Snapshot> {
    let text = read_snapshot(path, DEFAULT_MAX_SNAPSHOT_BYTES)?;
    let snapshot: Snapshot = parse_json(path, &text)?;
    check_format(path, snapshot.format)?;
    check_albs(path, &snapshot)?;
    Ok(snapshot)
}

/// Reads and checks a snapshot file of at most `max_bytes`: a fleet (written by `snapshot` with
/// fleet flags) or one region's snapshot, which becomes a fleet of one part.
pub fn load_snapshots_bounded(path: &Path, max_bytes: u64) -> Result<Fleet> {
    /// Only whether the file has `parts`, which only a fleet has.
    #[derive(serde::Deserialize)]
    struct Shape {
        parts: Option<serde::de::IgnoredAny>,
    }
    let text = read_snapshot(path, max_bytes)?;
    let shape: Shape = parse_json(path, &text)?;
    if shape.parts.is_none() {
        let snapshot: Snapshot = parse_json(path, &text)?;
        check_format(path, snapshot.format)?;
        check_albs(path, &snapshot)?;
        return Ok(Fleet::single(snapshot));
    }
    let fleet: Fleet = parse_json(path, &text)?;
    check_format(path, fleet.format)?;
    for part in &fleet.parts {
        check_format(path, part.format)?;
        check_albs(path, part)?;
    }
    Ok(fleet)
}

/// The file's text, read through a bound: more than `max_bytes` is refused as soon as it is
/// passed, and so is a byte JSON can never hold raw (a control character other than tab, LF
/// and CR), so `/dev/zero` or a binary file stops at its first block.
fn read_snapshot(path: &Path, max_bytes: u64) -> Result<String> {
    use crate::input::{read_text, ReadError};
    read_text(path, max_bytes).map_err(|e| match e {
        ReadError::Io(source) => Error::SnapshotRead {
            path: path.to_path_buf(),
            source,
        },
        ReadError::TooLarge(max) => Error::SnapshotFormat {
            path: path.to_path_buf(),
            why: format!("larger than {max} bytes (--max-snapshot-bytes)"),
        },
        ReadError::NotText(why) => Error::SnapshotFormat {
            path: path.to_path_buf(),
            why: format!("{why}: not a JSON snapshot"),
        },
    })
}

fn parse_json<T: serde::de::DeserializeOwned>(path: &Path, text: &str) -> Result<T> {
    serde_json::from_str(text).map_err(|e| Error::SnapshotFormat {
        path: path.to_path_buf(),
        why: e.to_string(),
    })
}

/// The rules only hold for Application Load Balancers, and a node is found by its ARN: a
/// snapshot naming anything else is refused.
fn check_albs(path: &Path, snapshot: &Snapshot) -> Result<()> {
    for lb in &snapshot.load_balancers {
        AlbArn::parse(&lb.arn).map_err(|e| Error::SnapshotFormat {
            path: path.to_path_buf(),
            why: e.to_string(),
        })?;
    }
    Ok(())
}

fn check_format(path: &Path, format: u32) -> Result<()> {
    if format == 0 || format > SNAPSHOT_FORMAT {
        return Err(Error::SnapshotFormat {
            path: path.to_path_buf(),
            why: format!(
                "format {format} is not supported by this alb-audit (it reads format {SNAPSHOT_FORMAT})"
            ),
        });
    }
    Ok(())
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const ARN: &str =
        "arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/app/web/50dc6c495c0c9188";

    fn select(alb_arn: bool) -> SelectArgs {
        SelectArgs {
            alb_arn: if alb_arn { vec![ARN.into()] } else { vec![] },
            all: !alb_arn,
            tag: vec![],
        }
    }

    proptest! {
        /// Which fleet flag combinations are accepted, against the rules as the contract and
        /// the help state them, one by one.
        #[test]
        fn fleet_flags_are_accepted_exactly_when_they_make_sense(
            alb_arn in any::<bool>(),
            regions in proptest::sample::subsequence(vec!["us-east-1", "eu-west-1", "all"], 0..=3),
            role in any::<bool>(),
            accounts in 0usize..3,
            organization in any::<bool>(),
            external_id in any::<bool>(),
        ) {
            let fleet = FleetArgs {
                regions: regions.iter().map(|r| r.to_string()).collect(),
                role_name: role.then(|| "AlbAudit".to_string()),
                account: (0..accounts).map(|i| format!("{i}").repeat(12)).collect(),
                organization,
                external_id: external_id.then(|| "x".to_string()),
                max_concurrency: None,
            };
            let any_fleet_flag = !regions.is_empty() || role || accounts > 0 || organization || external_id;
            // Each rule that refuses a combination, as the help and the contract say it.
            let refusals = [
                alb_arn,                                         // fleet flags go with --all
                organization && accounts > 0,                    // one source of accounts
                external_id && !role,                            // an external id is a role's
                role != (organization || accounts > 0),          // a role and its accounts
                regions.contains(&"all") && regions.len() > 1,   // `all` stands alone
            ];
            let accepted = !any_fleet_flag || !refusals.contains(&true);
            let plan = parse_fleet(&select(alb_arn), &fleet, 12, false);
            prop_assert_eq!(plan.is_ok(), accepted, "{:?}", plan.as_ref().err());
            if let Ok(plan) = plan {
                prop_assert_eq!(plan.max_concurrency, 96);
                prop_assert_eq!(plan.fleet.is_some(), any_fleet_flag);
                if let Some(f) = plan.fleet {
                    prop_assert_eq!(matches!(f.accounts, Accounts::Caller), !role);
                    let want = match regions.as_slice() {
                        [] => Regions::Home,
                        ["all"] => Regions::Enabled,
                        listed => Regions::Listed(listed.iter().map(|r| r.to_string()).collect()),
                    };
                    prop_assert_eq!(f.regions, want);
                }
            }
            // Replaying a snapshot takes no fleet flag at all.
            prop_assert_eq!(
                parse_fleet(&select(false), &fleet, 12, true).is_ok(),
                !any_fleet_flag
            );
        }
    }

    #[test]
    fn account_ids_and_role_names_are_checked_and_repeats_dropped() {
        assert_eq!(
            parse_accounts(&["111111111111".into(), " 111111111111".into()]).unwrap(),
            vec!["111111111111"]
        );
        for bad in ["11111111111", "1111111111112", "11111111111a", ""] {
            assert!(parse_accounts(&[bad.into()]).is_err(), "{bad}");
        }
        for ok in ["AlbAudit", "audit/AlbAudit", "a+=,.@_-b"] {
            assert!(check_role_name(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "/AlbAudit",
            "audit/",
            "arn:aws:iam::111111111111:role/AlbAudit",
            &"r".repeat(65),
        ] {
            assert!(check_role_name(bad).is_err(), "{bad}");
        }
        assert_eq!(
            parse_regions(&["eu-west-1".into(), "us-east-1".into(), "eu-west-1".into()]).unwrap(),
            Regions::Listed(vec!["eu-west-1".into(), "us-east-1".into()])
        );
    }
}
