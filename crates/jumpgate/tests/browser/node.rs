//! Running a Playwright script of `tests/browser/` against a test app: the prerequisites check,
//! the node process with a timeout, its output echoed as it arrives.
#![allow(clippy::print_stdout)] // the browser script's output is the test's report

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::process::Command;

const CHROMIUM: &str = "/usr/bin/chromium";

pub fn workspace() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    dir.canonicalize().unwrap_or(dir)
}

pub fn spec_dir() -> PathBuf {
    workspace().join("tests/browser")
}

/// Where `spec`'s screenshots go: a folder of its own (`target/browser-screenshots/<spec>/`,
/// `.spec.mjs` left off), so that the browser tests run at once and each one's run replaces only
/// its own pictures.
pub fn screenshots_dir(spec: &str) -> PathBuf {
    let name = spec.strip_suffix(".spec.mjs").unwrap_or(spec);
    workspace().join("target/browser-screenshots").join(name)
}

/// The major version of `node` on the PATH, if it runs.
fn node_major() -> Option<u32> {
    let out = std::process::Command::new("node")
        .arg("--version")
        .output()
        .ok()
        .filter(|o| o.status.success())?;
    let version = String::from_utf8_lossy(&out.stdout);
    version
        .trim()
        .trim_start_matches('v')
        .split('.')
        .next()?
        .parse()
        .ok()
}

/// Fails with how to install whatever the browser tests lack.
pub fn require_tools() {
    require(true);
}

/// Fails with how to install what a Node script without a browser lacks (Node.js and the
/// packages of `tests/browser`).
pub fn require_node() {
    require(false);
}

fn require(browser: bool) {
    let mut missing = Vec::new();
    match node_major() {
        None => missing.push(
            "`node` (Node.js 20 or newer, with npm): e.g. `apt-get install -y nodejs npm`"
                .to_owned(),
        ),
        Some(major) if major < 20 => missing.push(format!(
            "Node.js 20 or newer (playwright-core needs it); `node` is version {major}"
        )),
        Some(_) => {}
    }
    if browser && !Path::new(CHROMIUM).exists() {
        missing.push(format!(
            "{CHROMIUM}: `apt-get update && apt-get install -y chromium` (Debian's package; \
             Playwright's browser downloads are not used)"
        ));
    }
    if !spec_dir().join("node_modules/playwright-core").is_dir()
        || !spec_dir().join("node_modules/swagger-client").is_dir()
    {
        missing.push(format!(
            "the scripts' packages: `cd {} && npm ci`",
            spec_dir().display()
        ));
    }
    assert!(
        missing.is_empty(),
        "the browser test cannot run; install what is missing (`.ci/run` does all of it):\n  - {}",
        missing.join("\n  - ")
    );
}

/// Prints every line of a child's stream as it arrives and returns them all.
async fn echo_lines(stream: impl AsyncRead + Unpin, tag: &'static str) -> Vec<String> {
    let mut lines = BufReader::new(stream).lines();
    let mut all = Vec::new();
    while let Ok(Some(line)) = lines.next_line().await {
        println!("[{tag}] {line}");
        all.push(line);
    }
    all
}

/// Runs `node <spec>` in `tests/browser` with `JUMPGATE_URL`, `SCREENSHOT_DIR` and `env`, and
/// fails the test unless it succeeds within `timeout`. Returns the script's stdout lines.
pub async fn run_script(
    spec: &str,
    base: &url::Url,
    env: &[(&str, String)],
    timeout: Duration,
) -> Vec<String> {
    let screenshots = screenshots_dir(spec);
    // Fresh each run, so no screenshot (or failure picture) of an earlier run is left behind.
    let _ = std::fs::remove_dir_all(&screenshots);
    std::fs::create_dir_all(&screenshots).expect("the screenshot folder can be created");
    let started = Instant::now();
    let mut child = Command::new("node");
    child
        .arg(spec)
        .current_dir(spec_dir())
        .env("JUMPGATE_URL", base.as_str())
        .env("SCREENSHOT_DIR", &screenshots)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    for (key, value) in env {
        child.env(key, value);
    }
    let mut child = child.spawn().expect("node starts");
    let stdout = tokio::spawn(echo_lines(child.stdout.take().expect("piped"), "browser"));
    let stderr = tokio::spawn(echo_lines(
        child.stderr.take().expect("piped"),
        "browser stderr",
    ));
    let status = match tokio::time::timeout(timeout, child.wait()).await {
        Ok(status) => status.expect("node runs"),
        Err(_) => {
            let _ = child.kill().await;
            panic!(
                "{spec} did not finish within {timeout:?}; screenshots so far in {}",
                screenshots.display()
            );
        }
    };
    let stdout = stdout.await.expect("stdout reader");
    stderr.await.expect("stderr reader");
    println!(
        "{spec} took {:.1} s; screenshots in {}",
        started.elapsed().as_secs_f64(),
        screenshots.display()
    );
    assert!(
        status.success(),
        "{spec} failed ({status}); its output is above, screenshots in {}",
        screenshots.display()
    );
    stdout
}
