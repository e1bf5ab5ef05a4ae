//! `cargo xtask load --allocs` and `--icount`: heap allocations (`valgrind --tool=dhat`) or instructions
//! (`valgrind --tool=callgrind`) per request of each gateway route, on the release binary (the workspace forbids
//! `unsafe`, so no counting allocator in the gateway itself). Both counts are independent of machine load.
//!
//! For each route the gateway is started twice under the tool and sent N₁ and then N₂ requests over one
//! keep-alive connection; it is stopped with SIGTERM (it drains and exits, so the tool prints its totals).
//! Start-up, the one readiness request and shutdown are the same in both runs, so (count₂ − count₁) / (N₂ − N₁)
//! is what one warm request costs. Callgrind's profiles are kept (`run/callgrind-ROUTE-N.out`) for
//! `callgrind_annotate`; the difference of the two runs' per-function counts is where one request goes.

use std::fs;
use std::time::Duration;

use anyhow::{Context, bail};

use super::http::Conn;
use super::procs::Proc;
use super::setup::{self, Env, loopback};
use super::targets::{Server, Shape, Target};

/// Requests in the two runs of a route.
const N1: u64 = 200;
const N2: u64 = 1200;

/// What is counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tool {
    /// Heap blocks and bytes (`--allocs`).
    Dhat,
    /// Instructions executed in user space, all threads (`--icount`).
    Callgrind,
}

pub(crate) fn run(env: &Env, targets: &[Target], tool: Tool) -> anyhow::Result<()> {
    let (backend_port, _, port) = setup::ports()?;
    let _backend = setup::backend(env, backend_port)?;
    let body = fs::read(&env.body_2k)?;
    let mut rows = Vec::new();
    for target in targets.iter().filter(|t| t.server == Server::Tollgate) {
        if target.needs_functions && !env.functions {
            rows.push(format!(
                "| {} | AWS_PROXY: not yet supported by this build | | | |",
                target.name
            ));
            continue;
        }
        let body = (target.shape == Shape::Post2k).then_some(body.as_slice());
        let (b1, y1) = count(env, port, backend_port, target, N1, body, tool)?;
        let (b2, y2) = count(env, port, backend_port, target, N2, body, tool)?;
        let per_request = |a: u64, b: u64| (b as f64 - a as f64) / (N2 - N1) as f64;
        let (blocks, bytes) = (per_request(b1, b2), per_request(y1, y2));
        match tool {
            Tool::Dhat => {
                eprintln!(
                    "  {:<12} {blocks:.1} allocations, {bytes:.0} bytes per request",
                    target.name
                );
                rows.push(format!(
                    "| {} | {blocks:.1} | {bytes:.0} | {b1} / {b2} | {} |",
                    target.name, target.what
                ));
            }
            Tool::Callgrind => {
                eprintln!("  {:<12} {blocks:.0} instructions per request", target.name);
                rows.push(format!(
                    "| {} | {blocks:.0} | {b1} / {b2} | {} |",
                    target.name, target.what
                ));
            }
        }
    }
    let (file, text) = match tool {
        Tool::Dhat => (
            "allocs",
            format!(
                "### Heap allocations per request (valgrind --tool=dhat, {} binary, requests {N1} and {N2})\n\n\
                 | route | allocations / request | bytes allocated / request | total blocks ({N1} / {N2} requests) | what |\n\
                 |---|---:|---:|---:|---|\n{}\n",
                env.profile,
                rows.join("\n")
            ),
        ),
        Tool::Callgrind => (
            "icount",
            format!(
                "### Instructions per request (valgrind --tool=callgrind, {} binary, requests {N1} and {N2})\n\n\
                 | route | instructions / request | total ({N1} / {N2} requests) | what |\n\
                 |---|---:|---:|---|\n{}\n",
                env.profile,
                rows.join("\n")
            ),
        ),
    };
    println!("{text}");
    let path = env.out_dir.join(format!(
        "{file}-{}.md",
        super::procs::first_line("date", &["+%Y%m%d-%H%M%S"])
    ));
    fs::write(&path, &text)?;
    eprintln!("wrote {}", path.display());
    Ok(())
}

/// Runs the gateway under the tool for `n` requests to `target`; returns dhat's (blocks, bytes) totals or
/// callgrind's (instructions, 0).
fn count(
    env: &Env,
    port: u16,
    backend_port: u16,
    target: &Target,
    n: u64,
    body: Option<&[u8]>,
    tool: Tool,
) -> anyhow::Result<(u64, u64)> {
    let (prefix, option, out) = match tool {
        Tool::Dhat => ("dhat", "--tool=dhat", "--dhat-out-file"),
        Tool::Callgrind => ("callgrind", "--tool=callgrind", "--callgrind-out-file"),
    };
    let name = format!("{prefix}-{}-{n}", target.name);
    let log = env.run_dir.join(format!("{name}.log"));
    let _ = fs::remove_file(&log);
    let extension = if tool == Tool::Dhat { "json" } else { "out" };
    let wrapper = vec![
        "valgrind".to_owned(),
        option.to_owned(),
        format!("{out}={}", env.run_dir.join(format!("{name}.{extension}")).display()),
    ];
    let mut proc: Proc = setup::tollgate(env, &name, port, backend_port, &wrapper)?;
    let ready = format!("/{}/mock", setup::STAGE);
    proc.wait_200(loopback(port), &ready, Duration::from_secs(120))?;
    {
        let mut conn = Conn::connect(loopback(port), Duration::from_secs(30))?;
        for i in 0..n {
            let (status, answer) = conn
                .request(target.method(), &target.full_path(), body, i + 1 == n)
                .with_context(|| format!("request {} of {n} to {}", i + 1, target.full_path()))?;
            if status != 200 {
                bail!(
                    "{} answered {status}: {}",
                    target.full_path(),
                    String::from_utf8_lossy(&answer)
                );
            }
        }
    }
    if !proc.stop_within(Duration::from_secs(60)) {
        bail!(
            "the gateway did not exit within 60 s of SIGTERM under valgrind; see {}",
            log.display()
        );
    }
    let text = fs::read_to_string(proc.log())?;
    match tool {
        Tool::Dhat => parse_totals(&text).with_context(|| format!("no dhat totals in {}", proc.log().display())),
        Tool::Callgrind => parse_collected(&text)
            .map(|instructions| (instructions, 0))
            .with_context(|| format!("no callgrind total in {}", proc.log().display())),
    }
}

/// Reads callgrind's `==PID== Collected : 123456789` line (instructions, every thread).
fn parse_collected(text: &str) -> Option<u64> {
    let line = text.lines().rev().find(|l| l.contains("Collected :"))?;
    line.split_once("Collected :")?.1.trim().replace(',', "").parse().ok()
}

/// Reads dhat's `==PID== Total:     1,234 bytes in 56 blocks` line: (blocks, bytes).
fn parse_totals(text: &str) -> Option<(u64, u64)> {
    let line = text.lines().rev().find(|l| l.contains(" Total: "))?;
    let words: Vec<String> = line
        .split_once("Total:")?
        .1
        .split_whitespace()
        .map(|w| w.replace(',', ""))
        .collect();
    // [bytes, "bytes", "in", blocks, "blocks"]
    let bytes = words.first()?.parse().ok()?;
    let blocks = words.get(3)?.parse().ok()?;
    Some((blocks, bytes))
}

#[cfg(test)]
mod tests {
    #[test]
    fn reads_dhat_totals() {
        let log = "==41== DHAT, a dynamic heap analysis tool\n==41== Total:     1,234,567 bytes in 8,910 blocks\n\
                   ==41== At t-gmax: 10 bytes in 1 blocks\n";
        assert_eq!(super::parse_totals(log), Some((8910, 1_234_567)));
        assert_eq!(super::parse_totals("nothing"), None);
    }

    #[test]
    fn reads_callgrind_total() {
        let log = "==7== Events    : Ir\n==7== Collected : 98765432\n==7==\n==7== I   refs:      98,765,432\n";
        assert_eq!(super::parse_collected(log), Some(98_765_432));
        assert_eq!(super::parse_collected("nothing"), None);
    }
}
