//! `cargo xtask load --soak MINUTES`: the gateway under a steady 50-connection MOCK load for MINUTES, its RSS
//! sampled every 10 s, to show memory stays flat (issue 7: RSS under load ≤ 60 MB and flat over 10 minutes).

use std::fs;
use std::process::{Command, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

use super::procs;
use super::report::mb;
use super::setup::{self, Env, loopback};
use super::wrk::Cores;

const SAMPLE_EVERY: Duration = Duration::from_secs(10);

pub(crate) fn run(env: &Env, cores: Cores, minutes: u64, conns: u32) -> anyhow::Result<()> {
    let (backend_port, _, port) = setup::ports()?;
    let backend = setup::backend(env, backend_port)?;
    let (tollgate, _) = setup::timed_starts(1, loopback(port), &format!("/{}/mock", setup::STAGE), || {
        setup::tollgate(env, "tollgate-soak", port, backend_port, &[])
    })?;
    sleep(Duration::from_secs(1));
    let idle = procs::tree_rss_kib(tollgate.pid()).0;
    let secs = minutes * 60;
    let url = format!("http://{}/{}/mock", loopback(port), setup::STAGE);
    eprintln!(
        "soak: {minutes} min, {conns} connections on {url}; idle RSS {:.1} MB",
        mb(idle)
    );
    let mut wrk = Command::new("taskset")
        .args(["-c", &cores.load.to_string(), "wrk", "-t1"])
        .arg(format!("-c{conns}"))
        .arg(format!("-d{secs}s"))
        .args(["--timeout", "5s", "-s"])
        .arg(&env.wrk_script)
        .arg(&url)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .context("could not start wrk")?;
    let started = Instant::now();
    let deadline = started + Duration::from_secs(secs + 30);
    let mut samples: Vec<(u64, u64)> = Vec::new();
    let mut next = started + SAMPLE_EVERY;
    while wrk.try_wait()?.is_none() {
        if Instant::now() > deadline {
            let _ = wrk.kill();
            let _ = wrk.wait();
            bail!("wrk did not stop after {secs} s");
        }
        if Instant::now() >= next {
            let rss = procs::tree_rss_kib(tollgate.pid()).0;
            let at = started.elapsed().as_secs();
            eprintln!("  {:>5} s  RSS {:.1} MB", at, mb(rss));
            samples.push((at, rss));
            next += SAMPLE_EVERY;
        }
        sleep(Duration::from_millis(200));
    }
    let out = wrk.wait_with_output()?;
    let (_, hwm) = procs::tree_rss_kib(tollgate.pid());
    drop(tollgate);
    drop(backend);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let result = stdout
        .lines()
        .find_map(|l| l.strip_prefix("RESULT "))
        .unwrap_or("(wrk printed no result)");
    let after_first_minute: Vec<u64> = samples
        .iter()
        .filter(|(at, _)| *at >= 60)
        .map(|&(_, rss)| rss)
        .collect();
    let spread = match (after_first_minute.iter().min(), after_first_minute.iter().max()) {
        (Some(lo), Some(hi)) => format!("{:.1}–{:.1} MB after the first minute", mb(*lo), mb(*hi)),
        _ => "too short to judge flatness (under a minute of samples)".to_owned(),
    };
    let mut text = format!(
        "### Soak: MOCK, {conns} connections × {minutes} min\n\nwrk: {result}\n\n\
         RSS idle {:.1} MB; under load {spread}; peak (VmHWM) {:.1} MB.\n\n| t (s) | RSS MB |\n|---:|---:|\n",
        mb(idle),
        mb(hwm)
    );
    for (at, rss) in &samples {
        text.push_str(&format!("| {at} | {:.1} |\n", mb(*rss)));
    }
    println!("{text}");
    let path = env
        .out_dir
        .join(format!("soak-{}.md", procs::first_line("date", &["+%Y%m%d-%H%M%S"])));
    fs::write(&path, &text)?;
    eprintln!("wrote {}", path.display());
    Ok(())
}
