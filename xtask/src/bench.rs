//! `cargo xtask bench`: the criterion suites of the library crates, with named baselines so a change can be
//! compared with main, Apache Velocity's timings next to ours for the VTL suite, and instruction counts under
//! Callgrind for regression gates (docs/performance.md, "## Method").

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::SystemTime;

use anyhow::{Context, bail};

use crate::load::json::Json;
use crate::util::{cargo, describe, run_command, workspace_root};

const USAGE: &str = "\
usage: cargo xtask bench [SUITE...] [--save NAME | --baseline NAME] [--icount [--op OP]... [--iterations N]]

suites: vtl, mapping, router, gateway, event, aws, all (default: all)
  vtl      tollgate-vtl, then Apache Velocity 1.7 on crates/tollgate-vtl/tests/golden/bench (needs Java) and a
           ratio table: Velocity's ns/render ÷ ours
  mapping  tollgate-mapping          router, gateway  tollgate-runtime (benchmarks named router*/gateway*)
  event    tollgate-lambda-event     aws              tollgate-aws

  --save NAME       keep this run as criterion baseline NAME (e.g. `--save main` on the main branch)
  --baseline NAME   compare this run with baseline NAME (criterion prints the change of every benchmark)
  --icount          instead of timings: instructions per operation under valgrind --tool=callgrind,
                    (count(N) - count(0)) / N, from bench binaries with a counting mode: a bench target named
                    `instructions` run as `instructions OP N`, or a criterion binary that honours
                    TOLLGATE_BENCH_ITERATIONS=N (and TOLLGATE_BENCH_OP=OP) by running OP N times and exiting.
                    With --save/--baseline, counts are kept in / compared with target/icount/NAME.txt.
  --op OP           operation to count (repeatable; default: the suite's known operations)
  --iterations N    iterations for --icount (default: as many as make ~1e9 instructions, 10 to 2000)
";

/// A suite: a crate's criterion benches, optionally only the benchmarks whose id contains `filter`.
#[derive(Debug, Clone, Copy)]
struct Suite {
    name: &'static str,
    krate: &'static str,
    filter: Option<&'static str>,
    /// Operations its bench binaries count, by bench target (for `--icount` without `--op`).
    ops: &'static [(&'static str, &'static [&'static str])],
}

const SUITES: &[Suite] = &[
    Suite {
        name: "vtl",
        krate: "tollgate-vtl",
        filter: None,
        ops: &[],
    },
    Suite {
        name: "mapping",
        krate: "tollgate-mapping",
        filter: None,
        ops: &[(
            "instructions",
            &[
                "reshape",
                "compile",
                "json-root-1mb",
                "parse-1mb",
                "escape-74kb",
                "parse-order",
                "values-order",
                "values-echo",
                "orders",
            ],
        )],
    },
    Suite {
        name: "router",
        krate: "tollgate-runtime",
        filter: Some("router"),
        ops: &[],
    },
    Suite {
        name: "gateway",
        krate: "tollgate-runtime",
        filter: Some("gateway"),
        ops: &[],
    },
    Suite {
        name: "event",
        krate: "tollgate-lambda-event",
        filter: None,
        ops: &[("event", &["event", "response"])],
    },
    Suite {
        name: "aws",
        krate: "tollgate-aws",
        filter: None,
        ops: &[],
    },
];

/// The Velocity comparison set, rendered by `cargo xtask velocity bench`.
const VELOCITY_BENCH_DIR: &str = "crates/tollgate-vtl/tests/golden/bench";
/// `--icount` sizes its runs to about this many instructions (seconds under Callgrind), within the bounds.
const INSTRUCTION_BUDGET: u64 = 1_000_000_000;
const MIN_ITERATIONS: u64 = 10;
const MAX_ITERATIONS: u64 = 2000;

#[derive(Debug, Default)]
struct Options {
    suites: Vec<Suite>,
    save: Option<String>,
    baseline: Option<String>,
    icount: bool,
    ops: Vec<String>,
    iterations: Option<u64>,
}

fn parse(args: &[String]) -> anyhow::Result<Options> {
    let mut opts = Options::default();
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let mut value = |flag: &str| args.next().cloned().with_context(|| format!("`{flag}` needs a value"));
        match arg.as_str() {
            "--save" => opts.save = Some(value("--save")?),
            "--baseline" => opts.baseline = Some(value("--baseline")?),
            "--icount" => opts.icount = true,
            "--op" => opts.ops.push(value("--op")?),
            "--iterations" => {
                let text = value("--iterations")?;
                opts.iterations = Some(text.parse().with_context(|| format!("`--iterations {text}`"))?);
            }
            "-h" | "--help" | "help" => {
                print!("{USAGE}");
                std::process::exit(0);
            }
            "all" => opts.suites.extend(SUITES.iter().copied()),
            name => match SUITES.iter().find(|s| s.name == name) {
                Some(suite) => opts.suites.push(*suite),
                None => bail!("unknown suite or option `{name}`\n{USAGE}"),
            },
        }
    }
    if opts.suites.is_empty() {
        opts.suites = SUITES.to_vec();
    }
    let mut seen = Vec::new();
    opts.suites.retain(|s| {
        let first = !seen.contains(&s.name);
        seen.push(s.name);
        first
    });
    if opts.save.is_some() && opts.baseline.is_some() {
        bail!("--save and --baseline exclude each other: save on main, compare on your branch");
    }
    if !opts.icount && (!opts.ops.is_empty() || opts.iterations.is_some()) {
        bail!("--op and --iterations go with --icount");
    }
    Ok(opts)
}

pub(crate) fn run(args: &[String]) -> anyhow::Result<()> {
    let opts = parse(args)?;
    for suite in &opts.suites {
        check_suite_exists(suite)?;
    }
    if opts.icount {
        return icount(&opts);
    }
    let started = SystemTime::now();
    let criterion_dir = target_dir().join("criterion");
    for suite in &opts.suites {
        let mut ran = false;
        for (bench, exe) in bench_binaries(suite.krate)? {
            let Some(listed) = criterion_list(suite, &exe)? else {
                eprintln!(
                    "bench: {}/{bench} is not a criterion binary; skipped (see --icount)",
                    suite.krate
                );
                continue;
            };
            if listed.is_empty() {
                continue;
            }
            let mut cmd = cargo();
            cmd.args(["bench", "-p", suite.krate, "--bench", &bench, "--"]);
            if let Some(filter) = suite.filter {
                cmd.arg(filter);
            }
            if let Some(name) = &opts.save {
                cmd.args(["--save-baseline", name]);
            }
            if let Some(name) = &opts.baseline {
                cmd.args(["--baseline", name]);
            }
            cmd.env("CRITERION_HOME", &criterion_dir);
            run_command(&mut cmd)?;
            ran = true;
        }
        if !ran {
            bail!(
                "suite `{}`: {} has no criterion benchmark{} yet (crates/{}/benches/)",
                suite.name,
                suite.krate,
                suite.filter.map(|f| format!(" matching `{f}`")).unwrap_or_default(),
                suite.krate
            );
        }
    }
    let results = collect(&criterion_dir, started);
    print_summary(&results, opts.baseline.as_deref());
    if opts.suites.iter().any(|s| s.name == "vtl") {
        velocity_ratios(&results)?;
    }
    Ok(())
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| workspace_root().join("target"), PathBuf::from)
}

fn check_suite_exists(suite: &Suite) -> anyhow::Result<()> {
    let dir = workspace_root().join("crates").join(suite.krate).join("benches");
    let has_bench = fs::read_dir(&dir)
        .map(|entries| {
            entries
                .flatten()
                .any(|e| e.path().extension().is_some_and(|x| x == "rs"))
        })
        .unwrap_or(false);
    if !has_bench {
        bail!(
            "suite `{}`: {} has no benches/ yet ({})",
            suite.name,
            suite.krate,
            dir.display()
        );
    }
    Ok(())
}

/// The benchmark ids a bench binary lists (criterion's `--list`: `id: benchmark`), or `None` when it is not a
/// criterion binary (it fails on `--list`, like the `instructions` binaries that take `OP COUNT`).
fn criterion_list(suite: &Suite, exe: &Path) -> anyhow::Result<Option<Vec<String>>> {
    let mut cmd = Command::new(exe);
    cmd.arg("--list")
        .current_dir(workspace_root().join("crates").join(suite.krate));
    if let Some(filter) = suite.filter {
        cmd.arg(filter);
    }
    let out = cmd.stderr(Stdio::null()).output().with_context(|| describe(&cmd))?;
    if !out.status.success() {
        return Ok(None);
    }
    Ok(Some(
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| l.strip_suffix(": benchmark"))
            .map(str::to_owned)
            .collect(),
    ))
}

/// One criterion result of this run.
#[derive(Debug, Clone)]
struct Estimate {
    id: String,
    mean_ns: f64,
    /// The median of criterion's samples, the estimator the Velocity harness reports (median of its batches).
    median_ns: f64,
    /// Relative change of the mean against the compared baseline (0.05 = 5 % slower).
    change: Option<f64>,
}

/// Every benchmark criterion wrote since `since`, from `<dir>/**/new/benchmark.json` + `estimates.json`.
fn collect(dir: &Path, since: SystemTime) -> Vec<Estimate> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(path) = stack.pop() {
        let Ok(entries) = fs::read_dir(&path) else { continue };
        for entry in entries.flatten() {
            let p = entry.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.file_name().is_some_and(|n| n == "benchmark.json")
                && p.parent().and_then(Path::file_name).is_some_and(|n| n == "new")
                && modified(&p).is_some_and(|m| m >= since)
                && let Some(estimate) = read_estimate(&p, since)
            {
                found.push(estimate);
            }
        }
    }
    found.sort_by(|a, b| a.id.cmp(&b.id));
    found
}

fn read_estimate(benchmark_json: &Path, since: SystemTime) -> Option<Estimate> {
    let new_dir = benchmark_json.parent()?;
    let read = |p: &Path| fs::read_to_string(p).ok().and_then(|t| Json::parse(&t).ok());
    let id = read(benchmark_json)?.get("full_id")?.as_str()?.to_owned();
    let estimates = read(&new_dir.join("estimates.json"))?;
    let mean_ns = estimates.at(&["mean", "point_estimate"])?.as_f64()?;
    let median_ns = estimates.at(&["median", "point_estimate"])?.as_f64()?;
    let change_file = new_dir.parent()?.join("change/estimates.json");
    let change = modified(&change_file)
        .filter(|m| *m >= since)
        .and_then(|_| read(&change_file))
        .and_then(|j| j.at(&["mean", "point_estimate"]).and_then(Json::as_f64));
    Some(Estimate {
        id,
        mean_ns,
        median_ns,
        change,
    })
}

fn modified(path: &Path) -> Option<SystemTime> {
    fs::metadata(path).and_then(|m| m.modified()).ok()
}

fn print_summary(results: &[Estimate], baseline: Option<&str>) {
    if results.is_empty() {
        return;
    }
    // Without a named baseline criterion compares with the previous run of the same benchmark.
    let change_header = baseline.map_or_else(|| " vs the previous run".to_owned(), |b| format!(" vs `{b}`"));
    println!("\n| benchmark | mean time | change{change_header} |\n|---|---:|---:|");
    for r in results {
        let change = r.change.map_or("—".to_owned(), |c| format!("{:+.1} %", 100.0 * c));
        println!("| {} | {} | {change} |", r.id, human_ns(r.mean_ns));
    }
}

fn human_ns(ns: f64) -> String {
    match ns {
        ns if ns >= 1e6 => format!("{:.2} ms", ns / 1e6),
        ns if ns >= 1e3 => format!("{:.2} µs", ns / 1e3),
        ns => format!("{ns:.1} ns"),
    }
}

/// Runs Velocity on the comparison templates (through this xtask, so the harness is built the usual way) and
/// prints Velocity's ns/render next to the criterion benchmark of the same template: the benchmark whose id
/// ends with `/<template name>` (e.g. `vtl/render/reshape-list-100`).
fn velocity_ratios(results: &[Estimate]) -> anyhow::Result<()> {
    let dir = workspace_root().join(VELOCITY_BENCH_DIR);
    let exe = std::env::current_exe().context("locating xtask")?;
    let mut cmd = Command::new(exe);
    cmd.arg("velocity").arg("bench").arg(&dir).stderr(Stdio::inherit());
    eprintln!("$ cargo xtask velocity bench {VELOCITY_BENCH_DIR}");
    let out = cmd.output().context("running `cargo xtask velocity bench`")?;
    if !out.status.success() {
        bail!(
            "`cargo xtask velocity bench` failed ({}); the tollgate-vtl timings above stand alone",
            out.status
        );
    }
    let velocity: BTreeMap<String, f64> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|line| {
            let (name, value) = line.split_once(" ns_per_render=")?;
            Some((name.trim().to_owned(), value.trim().parse().ok()?))
        })
        .collect();
    // Like for like: Velocity's figure is the median of its batches, so ours is criterion's median.
    println!(
        "\n| template ({VELOCITY_BENCH_DIR}) | tollgate-vtl median ns/render | Velocity 1.7 median ns/render | Velocity ÷ tollgate |\n\
         |---|---:|---:|---:|"
    );
    for (name, velocity_ns) in &velocity {
        let ours = results
            .iter()
            .filter(|r| r.id.rsplit('/').next() == Some(name.as_str()))
            .max_by_key(|r| r.id.contains("render"));
        match ours {
            Some(r) => println!(
                "| {name} | {:.0} | {velocity_ns:.0} | {:.2}× |",
                r.median_ns,
                velocity_ns / r.median_ns
            ),
            None => println!("| {name} | no criterion benchmark named `…/{name}` | {velocity_ns:.0} | — |"),
        }
    }
    Ok(())
}

/// `--icount`: instructions per operation under Callgrind.
fn icount(opts: &Options) -> anyhow::Result<()> {
    if Command::new("valgrind").arg("--version").output().is_err() {
        bail!("--icount needs valgrind (apt-get install -y valgrind)");
    }
    let out_dir = target_dir().join("icount");
    let mut rows: Vec<(String, f64, u64)> = Vec::new();
    let mut krates: Vec<&str> = opts.suites.iter().map(|s| s.krate).collect();
    krates.dedup();
    for krate in krates {
        for (bench, exe) in bench_binaries(krate)? {
            let Some(style) = counting_style(&bench, &exe)? else {
                eprintln!("icount: {krate} bench `{bench}` has no counting mode (runs criterion only); skipped");
                continue;
            };
            let ops: Vec<String> = if opts.ops.is_empty() {
                let known = opts
                    .suites
                    .iter()
                    .filter(|s| s.krate == krate)
                    .flat_map(|s| s.ops)
                    .filter(|(b, _)| *b == bench)
                    .flat_map(|(_, ops)| ops.iter().map(|op| (*op).to_owned()));
                let known: Vec<String> = known.collect();
                if known.is_empty() && style == Style::Args {
                    eprintln!("icount: {krate} bench `{bench}` needs --op OP; skipped");
                    continue;
                }
                if known.is_empty() { vec![String::new()] } else { known }
            } else {
                opts.ops.clone()
            };
            for op in &ops {
                let base = callgrind(&exe, style, 0, op)?;
                let iterations = match opts.iterations {
                    Some(n) => n.max(1),
                    // One pilot iteration sizes the run: about 1e9 instructions, bounded both ways.
                    None => {
                        let one = callgrind(&exe, style, 1, op)?.saturating_sub(base).max(1);
                        (INSTRUCTION_BUDGET / one).clamp(MIN_ITERATIONS, MAX_ITERATIONS)
                    }
                };
                let total = callgrind(&exe, style, iterations, op)?;
                let per_op = total.saturating_sub(base) as f64 / iterations as f64;
                let label = if op.is_empty() {
                    format!("{krate}/{bench}")
                } else {
                    format!("{krate}/{bench}/{op}")
                };
                eprintln!("  {label}: {per_op:.0} instructions per operation ({iterations} iterations)");
                rows.push((label, per_op, iterations));
            }
        }
    }
    if rows.is_empty() {
        bail!("no bench binary of the chosen suites has a counting mode (see `cargo xtask bench --help`)");
    }
    let saved: BTreeMap<String, f64> = opts
        .baseline
        .as_ref()
        .map(|name| {
            let path = out_dir.join(format!("{name}.txt"));
            fs::read_to_string(&path).with_context(|| format!("baseline {} not found", path.display()))
        })
        .transpose()?
        .map(|text| {
            text.lines()
                .filter_map(|l| {
                    l.rsplit_once(' ')
                        .and_then(|(k, v)| Some((k.to_owned(), v.parse().ok()?)))
                })
                .collect()
        })
        .unwrap_or_default();
    println!("\n| operation | instructions / op | iterations | change |\n|---|---:|---:|---:|");
    for (label, value, iterations) in &rows {
        let change = saved.get(label).map_or("—".to_owned(), |base| {
            format!("{:+.2} %", 100.0 * (value / base - 1.0))
        });
        println!("| {label} | {value:.0} | {iterations} | {change} |");
    }
    if let Some(name) = &opts.save {
        let path = out_dir.join(format!("{name}.txt"));
        let text: String = rows
            .iter()
            .map(|(label, value, _)| format!("{label} {value:.1}\n"))
            .collect();
        fs::create_dir_all(&out_dir)?;
        fs::write(&path, text)?;
        eprintln!("saved {}", path.display());
    }
    Ok(())
}

/// Builds a crate's benches (bench profile) and returns (bench name, executable) from cargo's JSON messages.
fn bench_binaries(krate: &str) -> anyhow::Result<Vec<(String, PathBuf)>> {
    let mut cmd = cargo();
    cmd.args([
        "bench",
        "-p",
        krate,
        "--benches",
        "--no-run",
        "--message-format=json-render-diagnostics",
    ]);
    eprintln!("$ {}", describe(&cmd));
    let out = cmd.stderr(Stdio::inherit()).output()?;
    if !out.status.success() {
        bail!("`{}` failed with {}", describe(&cmd), out.status);
    }
    let mut found = Vec::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let Ok(msg) = Json::parse(line) else { continue };
        let is_bench = msg
            .at(&["target", "kind"])
            .is_some_and(|k| k.as_array().iter().any(|x| x.as_str() == Some("bench")));
        if let (true, Some(name), Some(exe)) = (
            is_bench,
            msg.at(&["target", "name"]).and_then(Json::as_str),
            msg.get("executable").and_then(Json::as_str),
        ) {
            found.push((name.to_owned(), PathBuf::from(exe)));
        }
    }
    Ok(found)
}

/// How a bench binary runs an operation a fixed number of times.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Style {
    /// `TOLLGATE_BENCH_ITERATIONS=N TOLLGATE_BENCH_OP=OP exe` (a criterion binary with a counting mode).
    Env,
    /// `exe OP N`: a bench target named `instructions` that does nothing else.
    Args,
}

/// The counting style of a bench binary, or `None` if it has none: `instructions` binaries take `OP N`; others
/// count if, with `TOLLGATE_BENCH_ITERATIONS=0`, they exit without listing criterion benchmarks.
fn counting_style(bench: &str, exe: &Path) -> anyhow::Result<Option<Style>> {
    if bench == "instructions" {
        return Ok(Some(Style::Args));
    }
    let out = Command::new(exe)
        .arg("--list")
        .env("TOLLGATE_BENCH_ITERATIONS", "0")
        .stderr(Stdio::null())
        .output()
        .with_context(|| format!("running {}", exe.display()))?;
    let listed = String::from_utf8_lossy(&out.stdout)
        .lines()
        .any(|l| l.ends_with(": benchmark"));
    Ok((out.status.success() && !listed).then_some(Style::Env))
}

/// Instructions executed by `exe` running `op` `n` times (Callgrind's `Collected :` total).
fn callgrind(exe: &Path, style: Style, n: u64, op: &str) -> anyhow::Result<u64> {
    let mut cmd = Command::new("valgrind");
    cmd.args(["--tool=callgrind", "--callgrind-out-file=/dev/null"])
        .arg(exe)
        .stdout(Stdio::null());
    match style {
        Style::Env => {
            cmd.env("TOLLGATE_BENCH_ITERATIONS", n.to_string());
            if !op.is_empty() {
                cmd.env("TOLLGATE_BENCH_OP", op);
            }
        }
        Style::Args => {
            cmd.arg(op).arg(n.to_string());
        }
    }
    let out = cmd.output().with_context(|| describe(&cmd))?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() {
        bail!("`{}` failed with {}: {}", describe(&cmd), out.status, stderr.trim());
    }
    stderr
        .lines()
        .find_map(|l| l.split_once("Collected :").and_then(|(_, n)| n.trim().parse().ok()))
        .with_context(|| format!("no `Collected :` line from callgrind: {}", stderr.trim()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn options() {
        let o = parse(&args(&["vtl", "router", "--save", "main"])).unwrap();
        let names: Vec<&str> = o.suites.iter().map(|s| s.name).collect();
        assert_eq!(names, ["vtl", "router"]);
        assert_eq!(o.save.as_deref(), Some("main"));
        assert_eq!(parse(&args(&[])).unwrap().suites.len(), SUITES.len());
        assert!(parse(&args(&["--save", "a", "--baseline", "b"])).is_err());
        assert!(parse(&args(&["--op", "x"])).is_err());
        assert!(parse(&args(&["nope"])).is_err());
        let o = parse(&args(&["event", "--icount", "--op", "event", "--iterations", "10"])).unwrap();
        assert_eq!((o.icount, o.ops.len(), o.iterations), (true, 1, Some(10)));
    }

    #[test]
    fn durations_read_well() {
        assert_eq!(human_ns(12.34), "12.3 ns");
        assert_eq!(human_ns(1_500.0), "1.50 µs");
        assert_eq!(human_ns(2_500_000.0), "2.50 ms");
    }
}
