//! One wrk measurement: `taskset -c LOAD_CPU wrk -t1 -cN -dSs --timeout 5s -s wrk-report.lua URL` after a 1 s
//! unrecorded warm-up, with the CPU time of the server's processes and of both cores read around it.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

use super::procs;

/// Fixed wrk parameters (ANCHORS.md §3.3).
pub(crate) const WARMUP_SECS: u64 = 1;
const TIMEOUT: &str = "5s";

/// What to request.
#[derive(Debug, Clone)]
pub(crate) struct Request {
    pub(crate) url: String,
    pub(crate) method: &'static str,
    pub(crate) body_file: Option<PathBuf>,
}

/// Who to charge: the processes whose CPU time counts, split into the process under test and its upstream.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Charge {
    pub(crate) server: u32,
    pub(crate) upstream: Option<u32>,
}

/// The cores: wrk runs on `load`, every server on `sut`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Cores {
    pub(crate) load: u32,
    pub(crate) sut: u32,
    pub(crate) ticks_per_sec: u64,
}

/// One run's numbers.
#[derive(Debug, Clone, Default)]
pub(crate) struct Shot {
    pub(crate) rps: f64,
    pub(crate) p50_ms: f64,
    pub(crate) p99_ms: f64,
    pub(crate) requests: f64,
    pub(crate) errors: f64,
    /// CPU µs per request of the server process tree alone (from /proc/PID/stat).
    pub(crate) server_us: f64,
    /// The part of `server_us` spent in the kernel (system time: sockets, wake-ups, scheduling).
    pub(crate) server_sys_us: f64,
    /// CPU µs per request of the upstream process trees (backend or function) alone.
    pub(crate) upstream_us: f64,
    /// CPU µs per request of server + upstream process trees.
    pub(crate) total_us: f64,
    /// CPU µs per request of the whole SUT core (/proc/stat; includes anything else that ran there).
    pub(crate) core_us: f64,
    pub(crate) busy_sut_pct: f64,
    pub(crate) busy_load_pct: f64,
    /// Largest resident set of the server process tree seen during the run, KiB.
    pub(crate) max_rss_kib: u64,
}

fn wrk(script: &Path, req: &Request, cores: Cores, secs: u64, conns: u32) -> Command {
    let mut cmd = Command::new("taskset");
    cmd.args(["-c", &cores.load.to_string(), "wrk", "-t1"])
        .arg(format!("-c{conns}"))
        .arg(format!("-d{secs}s"))
        .args(["--timeout", TIMEOUT, "-s"])
        .arg(script)
        .arg(&req.url)
        .env("LOAD_METHOD", req.method)
        .env("LOAD_BODY_FILE", req.body_file.as_deref().unwrap_or(Path::new("")))
        .stdin(Stdio::null());
    cmd
}

/// Runs the warm-up, then the measured run; samples the server's RSS every 250 ms meanwhile.
pub(crate) fn measure(
    script: &Path,
    req: &Request,
    charge: Charge,
    cores: Cores,
    secs: u64,
    conns: u32,
) -> anyhow::Result<Shot> {
    let _ = wrk(script, req, cores, WARMUP_SECS, conns)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    let server = procs::tree(charge.server);
    let upstream = charge.upstream.map(procs::tree).unwrap_or_default();
    let (server0, upstream0) = (procs::cpu_ticks(&server), procs::cpu_ticks(&upstream));
    let (sut0, load0) = (procs::core_ticks(cores.sut), procs::core_ticks(cores.load));
    let mut child = wrk(script, req, cores, secs, conns)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .context("could not start wrk (apt-get install -y wrk)")?;
    // wrk stops itself after `secs`; the deadline only guards against a hung wrk.
    let deadline = Instant::now() + Duration::from_secs(secs + 30);
    let mut max_rss = 0;
    while child.try_wait()?.is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            bail!("wrk did not finish within {secs} s + 30 s");
        }
        max_rss = max_rss.max(
            server
                .iter()
                .filter_map(|&pid| procs::rss_kib(pid))
                .map(|(rss, _)| rss)
                .sum(),
        );
        sleep(Duration::from_millis(250));
    }
    let out = child.wait_with_output()?;
    let (sut1, load1) = (procs::core_ticks(cores.sut), procs::core_ticks(cores.load));
    let server_ticks = procs::cpu_ticks(&server).since(server0);
    let upstream_ticks = procs::cpu_ticks(&upstream).since(upstream0).total();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let Some(line) = stdout.lines().find_map(|l| l.strip_prefix("RESULT ")) else {
        bail!(
            "wrk printed no result for {}: {}{}",
            req.url,
            stdout.trim(),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    };
    let field = |name: &str| -> f64 {
        line.split_whitespace()
            .find_map(|kv| kv.strip_prefix(name).and_then(|v| v.strip_prefix('=')))
            .and_then(|v| v.parse().ok())
            .unwrap_or(f64::NAN)
    };
    let requests = field("requests");
    let us_per_tick = 1e6 / cores.ticks_per_sec as f64;
    let per_request = |ticks: u64| {
        if requests > 0.0 {
            ticks as f64 * us_per_tick / requests
        } else {
            f64::NAN
        }
    };
    let busy = |before: Option<(u64, u64)>, after: Option<(u64, u64)>| match (before, after) {
        (Some((b0, t0)), Some((b1, t1))) if t1 > t0 => (b1 - b0, 100.0 * (b1 - b0) as f64 / (t1 - t0) as f64),
        _ => (0, f64::NAN),
    };
    let (sut_busy_ticks, busy_sut_pct) = busy(sut0, sut1);
    let (_, busy_load_pct) = busy(load0, load1);
    Ok(Shot {
        rps: field("rps"),
        p50_ms: field("p50_ms"),
        p99_ms: field("p99_ms"),
        requests,
        errors: field("non2xx") + field("sockerr"),
        server_us: per_request(server_ticks.total()),
        server_sys_us: per_request(server_ticks.system),
        upstream_us: per_request(upstream_ticks),
        total_us: per_request(server_ticks.total() + upstream_ticks),
        core_us: per_request(sut_busy_ticks),
        busy_sut_pct,
        busy_load_pct,
        max_rss_kib: max_rss,
    })
}
