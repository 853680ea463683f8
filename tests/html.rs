//! `--format html` in a real browser. Every fixture world, in every variant of its cases.json,
//! is rendered by the real binary, plus one synthetic fleet of 300 ALBs (one of them with six
//! zones and fifty targets, and strings made to break out of their markup). Each page must
//! reference nothing outside itself, and headless Chromium, driven over the DevTools protocol
//! (`--remote-debugging-pipe`), must load it with no exception, no console error and no
//! request for anything but the file; the screenshot must not be blank, and each ALB's
//! picture must hold red exactly when the ALB has an error finding. The fleet page's status
//! filter is clicked through and its print layout checked.
//!
//! Chromium is required: without it these tests fail and say how to install it (`.ci/run`
//! installs it). Pages and screenshots are kept in `target/tmp/html/` for a person to look at.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::Duration;

use alb_audit::finding::Severity;
use alb_audit::report::{self, Report, Status};
use base64::Engine;
use serde_json::{json, Value};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Where pages and screenshots are kept after the run.
fn out_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("html");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Every (world/variant, snapshot, variant args), as tests/fixtures.rs finds them.
fn cases() -> Vec<(String, PathBuf, Vec<String>)> {
    let mut out = Vec::new();
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root().join("fixtures"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("snapshot.json").exists())
        .collect();
    dirs.sort();
    for dir in dirs {
        let variants: BTreeMap<String, Vec<String>> =
            serde_json::from_str(&std::fs::read_to_string(dir.join("cases.json")).unwrap())
                .unwrap();
        for (variant, args) in variants {
            let name = format!("{}/{variant}", dir.file_name().unwrap().to_string_lossy());
            out.push((name, dir.join("snapshot.json"), args));
        }
    }
    out
}

/// The real binary's report of `snapshot` in `format`.
fn audit(snapshot: &Path, args: &[String], format: &str) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_alb-audit"))
        .args(["audit", "--snapshot"])
        .arg(snapshot)
        .args(args)
        .args(["--format", format])
        .output()
        .unwrap();
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

// ---------------------------------------------------------------------------------------------
// Static check: nothing outside the page.

/// Whether a URL stays inside the page: a fragment or inline data.
fn is_inside(url: &str) -> bool {
    let url = url.trim().trim_matches(['"', '\'']).trim();
    url.starts_with('#') || url.to_ascii_lowercase().starts_with("data:")
}

/// Problems in CSS text: `@import`, and `url(` to anything but a fragment or data.
fn css_problems(css: &str, out: &mut Vec<String>) {
    let lower = css.to_ascii_lowercase();
    if lower.contains("@import") {
        out.push("@import in CSS".to_string());
    }
    for (at, _) in lower.match_indices("url(") {
        let rest = &css[at + 4..];
        let arg = &rest[..rest.find(')').unwrap_or(rest.len())];
        if !is_inside(arg) {
            out.push(format!("url({arg})"));
        }
    }
}

/// Every reference in `html` that would make a browser fetch something: attributes holding
/// URLs (`src`, `href`, `srcset`, `action`, `data`, `poster`…) that are not a fragment or
/// `data:`, `url(` and `@import` in `<style>` and `style=`, and any `<script src>`. Markup is
/// tokenised the way a browser does, so escaped text (`&lt;img src=x&gt;`) is not a tag.
fn external_references(html: &str) -> Vec<String> {
    const URL_ATTRIBUTES: [&str; 10] = [
        "src",
        "href",
        "xlink:href",
        "srcset",
        "action",
        "formaction",
        "data",
        "poster",
        "background",
        "ping",
    ];
    let mut problems = Vec::new();
    let bytes = html.as_bytes();
    let mut i = 0;
    while let Some(lt) = html[i..].find('<') {
        i += lt + 1;
        if html[i..].starts_with("!--") {
            i += html[i..].find("-->").map_or(html.len() - i, |e| e + 3);
            continue;
        }
        let name_len = html[i..]
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == ':'))
            .unwrap_or(html.len() - i);
        if name_len == 0 || !bytes[i].is_ascii_alphabetic() {
            continue;
        }
        let tag = html[i..i + name_len].to_ascii_lowercase();
        i += name_len;
        // Attributes up to the closing '>'.
        loop {
            while i < bytes.len() && (bytes[i].is_ascii_whitespace() || bytes[i] == b'/') {
                i += 1;
            }
            if i >= bytes.len() || bytes[i] == b'>' {
                i += 1;
                break;
            }
            let start = i;
            while i < bytes.len() && !b" \t\n\r/>=".contains(&bytes[i]) {
                i += 1;
            }
            let attr = html[start..i].to_ascii_lowercase();
            let mut value = "";
            if i < bytes.len() && bytes[i] == b'=' {
                i += 1;
                if i < bytes.len() && (bytes[i] == b'"' || bytes[i] == b'\'') {
                    let quote = bytes[i] as char;
                    let end = html[i + 1..].find(quote).map_or(html.len(), |e| i + 1 + e);
                    value = &html[i + 1..end];
                    i = (end + 1).min(html.len());
                } else {
                    let start = i;
                    while i < bytes.len() && !bytes[i].is_ascii_whitespace() && bytes[i] != b'>' {
                        i += 1;
                    }
                    value = &html[start..i];
                }
            }
            if URL_ATTRIBUTES.contains(&attr.as_str()) && !is_inside(value) {
                problems.push(format!("<{tag} {attr}=\"{value}\">"));
            }
            if tag == "script" && attr == "src" {
                problems.push("<script src>".to_string());
            }
            if attr == "style" {
                css_problems(value, &mut problems);
            }
            if attr.starts_with("on") {
                problems.push(format!("<{tag} {attr}> event handler"));
            }
        }
        if tag == "style" {
            let end = html[i..].find("</style").map_or(html.len(), |e| i + e);
            css_problems(&html[i..end], &mut problems);
            i = end;
        }
    }
    problems
}

#[test]
fn the_reference_check_finds_what_would_be_fetched() {
    let bad = r##"<!DOCTYPE html><html><head>
        <link rel=stylesheet href="https://cdn.example/x.css">
        <style>@import "x.css"; body { background: url('//img.example/x.png') }</style>
        <script src=app.js></script></head>
        <body><img src='http://example.com/a.png' onerror="x()"><a href=other.html>x</a>
        <div style="background:url(http://e.example/b.png)"></div>
        <svg><use xlink:href="https://e.example/s.svg#i"/></svg></body></html>"##;
    let found = external_references(bad);
    assert_eq!(found.len(), 10, "{found:#?}");
    let good = r##"<!DOCTYPE html><html><head><style>.a { background: url("data:image/png;base64,AA") }
        .b { fill: url(#grad) }</style></head><body><a href="#alb-1">x</a>
        <p>&lt;img src=http://example.com/x.png onerror=alert(1)&gt; and url(http://x)</p>
        <!-- <img src="http://example.com"> --></body></html>"##;
    assert_eq!(external_references(good), Vec::<String>::new());
}

// ---------------------------------------------------------------------------------------------
// The browser, over the DevTools protocol on a pipe.

/// Chromium's binary: `CHROMIUM` if set, else `chromium` on the PATH; without it the test
/// fails and says how to install it.
fn chromium() -> PathBuf {
    let found = match std::env::var_os("CHROMIUM") {
        Some(path) => Some(PathBuf::from(path)).filter(|p| p.is_file()),
        None => std::env::var_os("PATH").and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|dir| dir.join("chromium"))
                .find(|p| p.is_file())
        }),
    };
    found.unwrap_or_else(|| {
        panic!(
            "chromium is not installed: the HTML report is tested in headless Chromium. \
             Install it with `apt-get install -y chromium` (Debian; scripts/test does this), \
             or point CHROMIUM at a Chromium binary."
        )
    })
}

/// What the browser reported while a page loaded.
#[derive(Debug, Default)]
struct Load {
    /// Uncaught exceptions, `console.error`/`console.assert` calls and error log entries
    /// (failed loads, blocked content).
    errors: Vec<String>,
    /// Every URL requested that is not the page itself or inline data.
    requests: Vec<String>,
}

/// A headless Chromium driven over `--remote-debugging-pipe`: commands go to its fd 3 and
/// answers come from its fd 4, each a JSON message ended by NUL.
struct Browser {
    child: Child,
    commands: ChildStdin,
    messages: Receiver<Value>,
    events: Vec<Value>,
    next_id: u64,
    session: String,
    _profile: tempfile::TempDir,
}

/// Upper bound on any one answer, so a stuck browser fails the test instead of hanging it.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(90);

impl Browser {
    fn launch() -> Browser {
        let binary = chromium();
        let profile = tempfile::tempdir().unwrap();
        let log = std::fs::File::create(profile.path().join("stderr.log")).unwrap();
        // The shell hands the child our stdin and stdout as fds 3 and 4, the pipe's ends.
        let mut child = Command::new("sh")
            .arg("-c")
            .arg(r#"exec "$0" "$@" 3<&0 4>&1 0</dev/null 1>/dev/null"#)
            .arg(&binary)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-extensions",
                "--disable-default-apps",
                "--mute-audio",
                // No name is ever looked up: anything not on the page fails to load.
                "--host-resolver-rules=MAP * ~NOTFOUND",
                "--hide-scrollbars",
                "--window-size=1280,2000",
                "--remote-debugging-pipe",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", binary.display()));
        let commands = child.stdin.take().unwrap();
        let answers = child.stdout.take().unwrap();
        let (tx, messages) = mpsc::channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(answers);
            let mut buf = Vec::new();
            while reader.read_until(0, &mut buf).is_ok_and(|n| n > 0) {
                buf.pop_if(|b| *b == 0);
                if let Ok(v) = serde_json::from_slice::<Value>(&buf) {
                    if tx.send(v).is_err() {
                        break;
                    }
                }
                buf.clear();
            }
        });
        let mut browser = Browser {
            child,
            commands,
            messages,
            events: Vec::new(),
            next_id: 0,
            session: String::new(),
            _profile: profile,
        };
        let target = browser.send(None, "Target.createTarget", json!({"url": "about:blank"}));
        let attached = browser.send(
            None,
            "Target.attachToTarget",
            json!({"targetId": target["targetId"], "flatten": true}),
        );
        browser.session = attached["sessionId"].as_str().unwrap().to_string();
        for domain in ["Page", "Runtime", "Log", "Network"] {
            browser.call(&format!("{domain}.enable"), json!({}));
        }
        browser.call(
            "Emulation.setDeviceMetricsOverride",
            json!({"width": 1280, "height": 2000, "deviceScaleFactor": 1, "mobile": false}),
        );
        browser
    }

    /// Sends a command (to the page's session, or to the browser with `None`) and returns its
    /// result, keeping the events that arrive meanwhile.
    fn send(&mut self, session: Option<&str>, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let mut message = json!({"id": id, "method": method, "params": params});
        if let Some(s) = session {
            message["sessionId"] = Value::from(s);
        }
        let mut bytes = serde_json::to_vec(&message).unwrap();
        bytes.push(0);
        self.commands.write_all(&bytes).unwrap();
        self.commands.flush().unwrap();
        loop {
            let m = self.next_message(method);
            if m["id"].as_u64() == Some(id) {
                if let Some(e) = m.get("error") {
                    panic!("{method} failed: {e}");
                }
                return m["result"].clone();
            }
            self.events.push(m);
        }
    }

    fn next_message(&mut self, waiting_for: &str) -> Value {
        match self.messages.recv_timeout(ANSWER_TIMEOUT) {
            Ok(m) => m,
            Err(e) => {
                let log = std::fs::read_to_string(self._profile.path().join("stderr.log"))
                    .unwrap_or_default();
                let tail: String = log.lines().rev().take(20).collect::<Vec<_>>().join("\n");
                panic!("no answer from chromium while waiting for {waiting_for}: {e}\n{tail}")
            }
        }
    }

    /// A command to the page.
    fn call(&mut self, method: &str, params: Value) -> Value {
        let session = self.session.clone();
        self.send(Some(&session), method, params)
    }

    /// Evaluates `expression` in the page and returns its value.
    fn eval(&mut self, expression: &str) -> Value {
        let r = self.call(
            "Runtime.evaluate",
            json!({"expression": expression, "returnByValue": true}),
        );
        if let Some(e) = r.get("exceptionDetails") {
            panic!("{expression}: {e}");
        }
        r["result"]["value"].clone()
    }

    /// Opens `page` and returns what the browser reported until it had loaded.
    fn open(&mut self, page: &Path) -> Load {
        self.events.clear();
        let url = format!("file://{}", page.display());
        let nav = self.call("Page.navigate", json!({"url": url}));
        assert!(nav.get("errorText").is_none(), "{url}: {nav}");
        while !self
            .events
            .iter()
            .any(|e| e["method"] == "Page.loadEventFired")
        {
            let m = self.next_message("Page.loadEventFired");
            self.events.push(m);
        }
        // A round trip after the load event: what the page logged while loading is in by then.
        self.eval("document.readyState");
        let mut load = Load::default();
        for e in &self.events {
            let p = &e["params"];
            match e["method"].as_str().unwrap_or_default() {
                "Runtime.exceptionThrown" => load.errors.push(format!(
                    "exception: {}",
                    p["exceptionDetails"]["exception"]["description"]
                        .as_str()
                        .or(p["exceptionDetails"]["text"].as_str())
                        .unwrap_or_default()
                )),
                "Runtime.consoleAPICalled" if p["type"] == "error" || p["type"] == "assert" => load
                    .errors
                    .push(format!("console.{}: {}", p["type"], p["args"])),
                "Log.entryAdded" if p["entry"]["level"] == "error" => load.errors.push(format!(
                    "log: {} {}",
                    p["entry"]["text"].as_str().unwrap_or_default(),
                    p["entry"]["url"].as_str().unwrap_or_default()
                )),
                "Network.requestWillBeSent" => {
                    let requested = p["request"]["url"].as_str().unwrap_or_default();
                    if requested != url && !requested.starts_with("data:") {
                        load.requests.push(requested.to_string());
                    }
                }
                _ => {}
            }
        }
        load
    }

    /// A PNG of the viewport (1280 x 2000), or of `clip` (x, y, width, height in CSS pixels).
    fn screenshot(&mut self, clip: Option<(f64, f64, f64, f64)>) -> Vec<u8> {
        let mut params = json!({
            "format": "png",
            "optimizeForSpeed": true,
            "captureBeyondViewport": clip.is_some()
        });
        if let Some((x, y, width, height)) = clip {
            params["clip"] = json!({"x": x, "y": y, "width": width, "height": height, "scale": 1});
        }
        let r = self.call("Page.captureScreenshot", params);
        base64::engine::general_purpose::STANDARD
            .decode(r["data"].as_str().unwrap())
            .unwrap()
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self
            .commands
            .write_all(b"{\"id\":0,\"method\":\"Browser.close\"}\0");
        let _ = self.commands.flush();
        for _ in 0..50 {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

// ---------------------------------------------------------------------------------------------
// Looking at screenshots.

/// What a screenshot shows, in counts of pixels.
#[derive(Debug)]
struct Picture {
    width: u32,
    height: u32,
    /// Distinct RGB colours.
    colours: usize,
    /// Pixels of the red that error edges and boxes are drawn in (not the darker red text).
    red: usize,
}

fn look(png_bytes: &[u8]) -> Picture {
    let mut decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
    decoder.set_transformations(png::Transformations::normalize_to_color8());
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    let channels = info.color_type.samples();
    assert!(channels >= 3, "colour screenshot: {:?}", info.color_type);
    // One bit per 24-bit colour.
    let mut seen = vec![0u64; 1 << 18];
    let mut red = 0;
    for px in buf[..info.buffer_size()].chunks_exact(channels) {
        let (r, g, b) = (px[0], px[1], px[2]);
        let rgb = (usize::from(r) << 16) | (usize::from(g) << 8) | usize::from(b);
        seen[rgb >> 6] |= 1 << (rgb & 63);
        if r >= 200 && g <= 80 && b <= 80 {
            red += 1;
        }
    }
    Picture {
        width: info.width,
        height: info.height,
        colours: seen.iter().map(|w| w.count_ones() as usize).sum(),
        red,
    }
}

/// Asserts the browser saw nothing wrong with `name`'s page.
fn assert_clean(name: &str, load: &Load) {
    assert!(load.errors.is_empty(), "{name}: {:#?}", load.errors);
    assert!(
        load.requests.is_empty(),
        "{name} requested: {:#?}",
        load.requests
    );
}

/// Opens every ALB section and returns the bounding box of each ALB's picture.
fn picture_boxes(browser: &mut Browser) -> Vec<(f64, f64, f64, f64)> {
    let boxes = browser.eval(
        "document.querySelectorAll('details.alb').forEach(d => d.open = true); \
         [...document.querySelectorAll('svg.paths')].map(s => { \
           const r = s.getBoundingClientRect(); \
           return [r.left + scrollX, r.top + scrollY, r.width, r.height]; })",
    );
    boxes
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            let n = |i: usize| b[i].as_f64().unwrap();
            (n(0), n(1), n(2), n(3))
        })
        .collect()
}

#[test]
fn every_fixture_page_renders_cleanly_in_chromium() {
    let mut browser = Browser::launch();
    let dir = out_dir();
    for (name, snapshot, args) in cases() {
        let page = audit(&snapshot, &args, "html");
        assert_eq!(
            external_references(&page),
            Vec::<String>::new(),
            "{name}: fetches from outside the page"
        );
        let report: Report = serde_json::from_str(&audit(&snapshot, &args, "json")).unwrap();
        let file = dir.join(format!("{}.html", name.replace('/', "-")));
        std::fs::write(&file, &page).unwrap();

        let load = browser.open(&file);
        assert_clean(&name, &load);
        let shot = browser.screenshot(None);
        std::fs::write(file.with_extension("png"), &shot).unwrap();
        let whole = look(&shot);
        assert_eq!((whole.width, whole.height), (1280, 2000), "{name}");
        assert!(
            whole.colours >= 64,
            "{name}: the screenshot looks blank ({} colours)",
            whole.colours
        );

        let boxes = picture_boxes(&mut browser);
        assert_eq!(
            boxes.len(),
            report.load_balancers.len(),
            "{name}: one picture per ALB"
        );
        for (lb, clip) in report.load_balancers.iter().zip(boxes) {
            assert!(clip.2 > 600.0 && clip.3 > 100.0, "{name}: picture {clip:?}");
            let picture = look(&browser.screenshot(Some(clip)));
            let has_error = lb.findings.iter().any(|f| f.severity == Severity::Error);
            assert_eq!(
                picture.red > 50,
                has_error,
                "{name}/{}: red pixels in the picture {} with {} error finding(s)",
                lb.name,
                picture.red,
                lb.findings
                    .iter()
                    .filter(|f| f.severity == Severity::Error)
                    .count()
            );
        }
        if report.status == Status::Fail {
            assert!(whole.red > 0, "{name}: a failing report shows red");
        }
    }
}

/// A hostile string: if any of it became markup, the browser would run it and log an error.
const HOSTILE: &str = r#"</style></svg><script>console.error("escaped")</script><img src=x onerror="console.error('img')"> & "quotes" 'too'"#;

/// 300 ALBs made from the fixtures' reports, one with six zones and fifty targets, and hostile
/// strings in names, messages and ids.
fn fleet() -> Report {
    let mut lbs = Vec::new();
    for (_, snapshot, args) in cases() {
        let r: Report = serde_json::from_str(&audit(&snapshot, &args, "json")).unwrap();
        lbs.extend(r.load_balancers);
    }
    let mut fleet: Report =
        serde_json::from_str(&audit(&cases()[0].1, &cases()[0].2, "json")).unwrap();
    let mut big = lbs
        .iter()
        .find(|lb| lb.name == "web" && lb.findings.iter().any(|f| f.rule == "ALB203"))
        .cloned()
        .unwrap_or_else(|| lbs[0].clone());
    let zones: Vec<String> = ["a", "b", "c", "d", "e", "f"]
        .iter()
        .map(|z| format!("us-east-1{z}"))
        .collect();
    let template_node = big.topology.nodes[0].clone();
    big.topology.nodes = zones
        .iter()
        .enumerate()
        .map(|(i, z)| {
            let mut n = template_node.clone();
            n.zone = z.clone();
            n.subnet_id = format!("subnet-0{i}{HOSTILE}");
            n
        })
        .collect();
    let template_target = big.topology.target_groups[0].targets[0].clone();
    big.topology.target_groups[0].targets = (0..50)
        .map(|i| {
            let mut t = template_target.clone();
            t.id = format!("i-{i:017x}");
            t.zone = Some(zones[i % zones.len()].clone());
            t
        })
        .collect();
    for f in &mut big.findings {
        f.message = format!("{} {HOSTILE}", f.message);
        f.target = Some(format!("i-{:017x}", 47));
    }
    big.name = format!("big{HOSTILE}");
    let mut out = vec![big];
    for i in 1..300 {
        let mut lb = lbs[i % lbs.len()].clone();
        lb.name = format!("{}-{i:03}", lb.name);
        lb.account_id = format!("{:012}", 100_000_000_000u64 + (i % 7) as u64);
        lb.region = ["us-east-1", "eu-west-1", "ap-southeast-2"][i % 3].to_string();
        out.push(lb);
    }
    fleet.load_balancers = out;
    fleet.not_evaluated = vec![alb_audit::finding::NotEvaluated {
        check: "ALB101".to_string(),
        reason: format!("account 999999999999 in eu-west-1: AccessDenied {HOSTILE}"),
    }];
    let count = |s: Severity| {
        fleet
            .load_balancers
            .iter()
            .flat_map(|l| &l.findings)
            .filter(|f| f.severity == s)
            .count()
    };
    fleet.summary.load_balancers = fleet.load_balancers.len();
    fleet.summary.error = count(Severity::Error);
    fleet.summary.warning = count(Severity::Warning);
    fleet.summary.note = count(Severity::Note);
    fleet.status = Status::Fail;
    fleet
}

#[test]
fn a_fleet_of_300_albs_stays_usable_in_chromium() {
    let fleet = fleet();
    let page = report::html::render(&fleet);
    assert_eq!(external_references(&page), Vec::<String>::new());
    assert!(
        page.len() < 300 * 40_000,
        "about 40 kB per ALB at most: {} bytes",
        page.len()
    );
    assert!(
        !page.contains(" open>"),
        "a fleet's sections start collapsed"
    );
    let file = out_dir().join("fleet-300.html");
    std::fs::write(&file, &page).unwrap();

    let mut browser = Browser::launch();
    let load = browser.open(&file);
    assert_clean("fleet", &load);
    let shot = browser.screenshot(None);
    std::fs::write(file.with_extension("png"), &shot).unwrap();
    assert!(look(&shot).colours >= 64, "the fleet page is not blank");

    // The status filter, clicked like a person would.
    let counts = |s: Status| {
        fleet
            .load_balancers
            .iter()
            .filter(|l| l.status == s)
            .count()
    };
    let expected = [
        ("all", fleet.load_balancers.len()),
        ("fail", counts(Status::Fail)),
        ("incomplete", counts(Status::Incomplete)),
        ("pass", counts(Status::Pass)),
    ];
    assert!(expected[1..].iter().all(|(_, n)| *n > 0), "{expected:?}");
    for (filter, n) in expected {
        let shown = browser.eval(&format!(
            "document.querySelector('label[for=filter-{filter}]').click(); \
             [...document.querySelectorAll('details.alb')] \
               .filter(d => getComputedStyle(d).display !== 'none') \
               .map(d => d.className)"
        ));
        let shown: Vec<&str> = shown
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_str().unwrap())
            .collect();
        assert_eq!(shown.len(), n, "filter {filter}");
        if filter != "all" {
            assert!(
                shown.iter().all(|c| c.contains(&format!("st-{filter}"))),
                "filter {filter}: {shown:?}"
            );
        }
    }

    // The big ALB's picture: six nodes, the broken target shown although it is 48th of 50,
    // and "+N more" for the rest.
    browser.eval("document.querySelector('label[for=filter-all]').click()");
    let big = browser.eval(
        "(() => { const d = document.getElementById('alb-0'); d.open = true; \
           const s = d.querySelector('svg.paths'); \
           return [s.querySelectorAll('rect.node').length, \
                   s.textContent.includes('i-0000000000000002f'), \
                   s.textContent.includes('more'), \
                   s.getBoundingClientRect().height]; })()",
    );
    assert_eq!(big[0], 6, "{big}");
    assert_eq!(big[1], true, "the target with findings is shown: {big}");
    assert_eq!(big[2], true, "the hidden targets are counted: {big}");
    assert!(big[3].as_f64().unwrap() < 1000.0, "{big}");
    let clip = picture_boxes(&mut browser)[0];
    let picture = browser.screenshot(Some(clip));
    std::fs::write(out_dir().join("fleet-300-big.png"), &picture).unwrap();
    assert!(look(&picture).red > 50, "the big ALB's error edges are red");

    // Printed, every section is open and the filter is gone.
    browser.eval("document.querySelectorAll('details.alb').forEach(d => d.open = false)");
    browser.call("Emulation.setEmulatedMedia", json!({"media": "print"}));
    let printed = browser.eval(
        "[getComputedStyle(document.querySelector('.filter')).display, \
          [...document.querySelectorAll('.alb-body')].filter(b => b.getBoundingClientRect().height > 0).length]",
    );
    assert_eq!(printed[0], "none", "{printed}");
    assert_eq!(
        printed[1].as_u64(),
        Some(fleet.load_balancers.len() as u64),
        "every section prints open"
    );
}

#[test]
fn the_browser_check_catches_script_errors_and_outside_requests() {
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("broken.html");
    std::fs::write(
        &page,
        r#"<!DOCTYPE html><html><head><meta charset="utf-8"><title>broken</title></head>
        <body><p>broken</p><img src="http://assets.example/logo.png">
        <script>console.error("deliberate"); notAFunction();</script></body></html>"#,
    )
    .unwrap();
    let mut browser = Browser::launch();
    let load = browser.open(&page);
    let errors = load.errors.join("\n");
    assert!(errors.contains("deliberate"), "{errors}");
    assert!(errors.contains("notAFunction is not defined"), "{errors}");
    assert_eq!(load.requests, vec!["http://assets.example/logo.png"]);
    assert!(
        std::panic::catch_unwind(|| assert_clean("broken", &load)).is_err(),
        "assert_clean fails on it"
    );
}

/// `--observe` replayed from a snapshot: the diagram labels each node's client edge with what the
/// ALB's own metrics counted there, as the browser shows it, and the page stays clean.
#[test]
fn observed_figures_label_the_node_edges_in_chromium() {
    let snapshot = root().join("fixtures/observed-silent-zone/snapshot.json");
    let page = audit(&snapshot, &["--observe".into(), "1h".into()], "html");
    let file = out_dir().join("observed-silent-zone-edges.html");
    std::fs::write(&file, &page).unwrap();
    let mut browser = Browser::launch();
    let load = browser.open(&file);
    assert_clean("observed-silent-zone", &load);
    // Each label's own text, and its tooltip (every figure).
    let labels = browser.eval(
        "Array.from(document.querySelectorAll('svg text'))\
         .filter(t => t.firstChild && t.firstChild.textContent.startsWith('observed:'))\
         .map(t => [t.firstChild.textContent.trim(), t.querySelector('title').textContent])",
    );
    // Zone a took the connections and answered twelve ELB 502s; zone b took none (its silence
    // is the observed timeout, counted 0).
    assert_eq!(
        labels,
        json!([
            [
                "observed: 4000 conn · 12 errors",
                "4000 new connections, 9000 requests, 12 ELB 502, targetgroup/web-tg/6d0ecf831eec9f09: healthy at least 2, unhealthy at most 0"
            ],
            [
                "observed: 0 conn · 0 errors",
                "no new connections, targetgroup/web-tg/6d0ecf831eec9f09: healthy at least 2, unhealthy at most 0"
            ]
        ]),
    );
}

/// A node a zonal shift keeps out of DNS is drawn dashed and says so, with the shift's expiry as
/// tooltip; a subnet that VPC Block Public Access closes to internet clients says so on its node.
#[test]
fn shifted_zones_and_blocked_subnets_are_marked_on_their_nodes_in_chromium() {
    let states = |world: &str, browser: &mut Browser| -> Value {
        let snapshot = root().join(format!("fixtures/{world}/snapshot.json"));
        let page = audit(&snapshot, &[], "html");
        let file = out_dir().join(format!("{world}-node-states.html"));
        std::fs::write(&file, &page).unwrap();
        let load = browser.open(&file);
        assert_clean(world, &load);
        // Per node box: its zone, its states with their tooltips, and whether it is dashed.
        browser.eval(
            "Array.from(document.querySelectorAll('svg rect.node')).map(r => {\
               const title = r.nextElementSibling;\
               const states = Array.from(r.parentNode.querySelectorAll('tspan.state'))\
                 .filter(s => s.parentNode.previousElementSibling === title)\
                 .map(s => [s.firstChild.textContent, s.querySelector('title').textContent]);\
               return [title.textContent, states, getComputedStyle(r).strokeDasharray !== 'none'];\
             })",
        )
    };
    let mut browser = Browser::launch();
    assert_eq!(
        states("zonal-shift-masks-broken-zone", &mut browser),
        json!([
            ["us-east-1a", [], false],
            [
                "us-east-1b",
                [[
                    "out of DNS",
                    "a zonal shift keeps this node out of DNS until 2026-11-24T15:00:00Z"
                ]],
                true
            ]
        ]),
    );
    // Zone a's subnet is excluded both ways; zone b's exclusion lifts only the way out.
    assert_eq!(
        states("bpa-exclusion-one-subnet", &mut browser),
        json!([
            ["us-east-1a", [], false],
            [
                "us-east-1b",
                [[
                    "BPA blocked",
                    "VPC Block Public Access (block-bidirectional) drops internet clients at subnet-0bb"
                ]],
                false
            ]
        ]),
    );
}
