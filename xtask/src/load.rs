//! `cargo xtask load`: the gateway next to a bare hyper backend and nginx, in one run on one machine, as ratios
//! (docs/performance.md, "## Method" and "## Load runs").
//!
//! It builds the gateway (profile `dist`) and the reference processes (`xtask/load/backend`), starts the backend,
//! nginx as a reverse proxy, and `tollgate serve xtask/load/bench-api.yaml`, each pinned to the SUT core and timed
//! from process start to first 200; then drives wrk (one thread, pinned to the load core) at every target,
//! round-robin, and reports medians. `--soak` and `--allocs` are the memory checks of the same setup.
//! Never run in CI. Everything binds 127.0.0.1; every process is stopped by its PID.

mod allocs;
mod http;
pub(crate) mod json;
mod procs;
mod report;
mod setup;
mod soak;
mod targets;
mod wrk;

use std::fs;
use std::thread::sleep;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

use report::{Meta, Outcome, ProcResult, Run, TargetResult};
use setup::{Env, loopback};
use targets::{Server, Shape, Target};
use wrk::{Charge, Cores, Request};

const USAGE: &str = "\
usage: cargo xtask load [--rounds 3] [--secs 10] [--lat-secs 5] [--conns 50] [--only NAME,...] [--bin PATH]
       cargo xtask load --soak MINUTES [--conns 50]
       cargo xtask load --allocs [--only NAME,...]
       cargo xtask load --icount [--only NAME,...]

Measures the gateway next to a bare hyper backend (\"direct\") and nginx as a reverse proxy, in one run:
req/s and p50/p99 at CONNS connections and at 1 connection, CPU µs per request, start-up time, RSS idle and
under load, each as a ratio to direct and to nginx. wrk runs on CPU 0, every server on CPU 1 (LOAD_CPU /
SUT_CPU override). Writes target/load/load-<time>.md and .json. Needs wrk and nginx
(apt-get install -y wrk nginx-light).

targets: direct, nginx, direct-2k, nginx-2k (references), mock, http-proxy, http-vtl, http-vtl-2k, aws-proxy
  --only picks targets; the references of the same request shape are always measured with them.

  --soak MINUTES   50-connection MOCK load for MINUTES (at most 120), RSS sampled every 10 s
  --allocs         heap allocations per request of each route, under valgrind --tool=dhat (builds the
                   gateway with --no-default-features: the system allocator, which dhat can see; a --bin
                   given here must be built so too)
  --icount         instructions per request of each route, under valgrind --tool=callgrind (the profiles
                   stay in target/load/run/callgrind-ROUTE-N.out for callgrind_annotate)
  --bin PATH       measure this tollgate binary instead of building one (e.g. main's, or a branch's)
  --report FILE    re-print the tables of a saved run (target/load/load-<time>.json)
";

/// Longest soak accepted: every loop here is bounded.
const MAX_SOAK_MINUTES: u64 = 120;

#[derive(Debug)]
struct Options {
    rounds: usize,
    secs: u64,
    lat_secs: u64,
    conns: u32,
    only: Vec<String>,
    soak_minutes: Option<u64>,
    allocs: bool,
    icount: bool,
    /// A gateway binary to measure instead of building one.
    bin: Option<std::path::PathBuf>,
    /// A saved run to re-print.
    report: Option<std::path::PathBuf>,
}

fn parse(args: &[String]) -> anyhow::Result<Options> {
    let mut opts = Options {
        rounds: 3,
        secs: 10,
        lat_secs: 5,
        conns: 50,
        only: Vec::new(),
        soak_minutes: None,
        allocs: false,
        icount: false,
        bin: None,
        report: None,
    };
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let (name, inline) = match arg.split_once('=') {
            Some((name, value)) if name.starts_with("--") => (name, Some(value.to_owned())),
            _ => (arg.as_str(), None),
        };
        let mut value = || -> anyhow::Result<String> {
            inline
                .clone()
                .or_else(|| args.next().cloned())
                .with_context(|| format!("`{name}` needs a value"))
        };
        let number = |text: String| -> anyhow::Result<u64> {
            text.parse()
                .with_context(|| format!("`{name}` expects a number, got `{text}`"))
        };
        match name {
            "--rounds" => opts.rounds = number(value()?)? as usize,
            "--secs" => opts.secs = number(value()?)?,
            "--lat-secs" => opts.lat_secs = number(value()?)?,
            "--conns" => opts.conns = number(value()?)? as u32,
            "--only" => opts
                .only
                .extend(value()?.split(',').filter(|s| !s.is_empty()).map(str::to_owned)),
            "--soak" => opts.soak_minutes = Some(number(value()?)?),
            "--allocs" => opts.allocs = true,
            "--icount" => opts.icount = true,
            "--bin" => opts.bin = Some(value()?.into()),
            "--report" => opts.report = Some(value()?.into()),
            "-h" | "--help" | "help" => {
                print!("{USAGE}");
                std::process::exit(0);
            }
            other => bail!("unknown argument `{other}`\n{USAGE}"),
        }
    }
    if opts.rounds == 0 || opts.secs == 0 || opts.lat_secs == 0 || opts.conns == 0 {
        bail!("--rounds, --secs, --lat-secs and --conns must be at least 1");
    }
    if opts.secs > 600 || opts.lat_secs > 600 || opts.rounds > 20 {
        bail!("at most 20 rounds of 600 s each: a load run is bounded");
    }
    if opts.soak_minutes.is_some_and(|m| m == 0 || m > MAX_SOAK_MINUTES) {
        bail!("--soak takes 1 to {MAX_SOAK_MINUTES} minutes");
    }
    if [opts.allocs, opts.icount, opts.soak_minutes.is_some()]
        .iter()
        .filter(|&&on| on)
        .count()
        > 1
    {
        bail!("--allocs, --icount and --soak are separate runs");
    }
    Ok(opts)
}

fn cpu_from_env(name: &str, default: u32) -> anyhow::Result<u32> {
    match std::env::var(name) {
        Ok(text) => text
            .parse()
            .with_context(|| format!("{name} must be one CPU number, got `{text}`")),
        Err(_) => Ok(default),
    }
}

pub(crate) fn run(args: &[String]) -> anyhow::Result<()> {
    let opts = parse(args)?;
    if let Some(path) = &opts.report {
        let text = fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let saved = json::Json::parse(&text).with_context(|| format!("parsing {}", path.display()))?;
        println!("{}", Run::from_json(&saved)?.markdown());
        return Ok(());
    }
    let cores = Cores {
        load: cpu_from_env("LOAD_CPU", 0)?,
        sut: cpu_from_env("SUT_CPU", 1)?,
        ticks_per_sec: procs::clock_ticks_per_sec(),
    };
    let mut tools = vec![("taskset", "util-linux"), ("wrk", "wrk"), ("nginx", "nginx-light")];
    if opts.allocs || opts.icount {
        tools.push(("valgrind", "valgrind"));
    }
    procs::require_tools(&tools)?;
    setup::pin_self(cores.load)?;
    let selected = targets::select(&opts.only)?;
    if let Some(minutes) = opts.soak_minutes {
        eprintln!(
            "load: soak of {minutes} min on MOCK at {} connections (plus the build)",
            opts.conns
        );
        let env = setup::prepare(cores.sut, opts.bin.as_deref(), false)?;
        return soak::run(&env, cores, minutes, opts.conns);
    }
    if opts.allocs || opts.icount {
        let env = setup::prepare(cores.sut, opts.bin.as_deref(), opts.allocs)?;
        let tool = if opts.icount {
            allocs::Tool::Callgrind
        } else {
            allocs::Tool::Dhat
        };
        return allocs::run(&env, &selected, tool);
    }
    let per_target = 2 * wrk::WARMUP_SECS + opts.secs + opts.lat_secs + 1;
    let expected = opts.rounds as u64 * selected.len() as u64 * per_target + 15;
    eprintln!(
        "load: {} targets × {} rounds × ({} s + {} s + warm-ups) ≈ {} min {} s of measurement, plus the build",
        selected.len(),
        opts.rounds,
        opts.secs,
        opts.lat_secs,
        expected / 60,
        expected % 60
    );
    let env = setup::prepare(cores.sut, opts.bin.as_deref(), false)?;
    let run = measure(&env, &opts, cores, &selected, args)?;
    let text = run.markdown();
    println!("{text}");
    let stamp = date("+%Y%m%d-%H%M%S");
    let md = env.out_dir.join(format!("load-{stamp}.md"));
    let json = env.out_dir.join(format!("load-{stamp}.json"));
    fs::write(&md, &text).with_context(|| format!("writing {}", md.display()))?;
    fs::write(&json, run.json().to_string() + "\n").with_context(|| format!("writing {}", json.display()))?;
    eprintln!("wrote {} and {}", md.display(), json.display());
    Ok(())
}

/// The running servers of a measurement.
struct Servers {
    backend: procs::Proc,
    nginx: procs::Proc,
    tollgate: procs::Proc,
    ports: (u16, u16, u16),
}

impl Servers {
    fn port(&self, server: Server) -> u16 {
        match server {
            Server::Direct => self.ports.0,
            Server::Nginx => self.ports.1,
            Server::Tollgate => self.ports.2,
        }
    }

    fn charge(&self, server: Server) -> Charge {
        match server {
            Server::Direct => Charge {
                server: self.backend.pid(),
                upstream: None,
            },
            Server::Nginx => Charge {
                server: self.nginx.pid(),
                upstream: Some(self.backend.pid()),
            },
            Server::Tollgate => Charge {
                server: self.tollgate.pid(),
                upstream: Some(self.backend.pid()),
            },
        }
    }

    fn proc(&self, server: Server) -> &procs::Proc {
        match server {
            Server::Direct => &self.backend,
            Server::Nginx => &self.nginx,
            Server::Tollgate => &self.tollgate,
        }
    }
}

fn measure(env: &Env, opts: &Options, cores: Cores, selected: &[Target], args: &[String]) -> anyhow::Result<Run> {
    let load_at_start = fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let started = date("+%Y-%m-%d %H:%M:%S %Z");
    let ports = setup::ports()?;
    let (backend_port, nginx_port, tollgate_port) = ports;
    eprintln!(
        "load: start-up times (3 starts each; backend :{backend_port}, nginx :{nginx_port}, tollgate :{tollgate_port})"
    );
    let (backend, backend_starts) =
        setup::timed_starts(3, loopback(backend_port), "/", || setup::backend(env, backend_port))?;
    let (nginx, nginx_starts) = setup::timed_starts(3, loopback(nginx_port), "/proxy", || {
        setup::nginx(env, nginx_port, backend_port)
    })?;
    let ready = format!("/{}/mock", setup::STAGE);
    let (tollgate, tollgate_starts) = setup::timed_starts(3, loopback(tollgate_port), &ready, || {
        setup::tollgate(env, "tollgate", tollgate_port, backend_port, &[])
    })?;
    let servers = Servers {
        backend,
        nginx,
        tollgate,
        ports,
    };
    sleep(Duration::from_secs(1));
    let idle: Vec<u64> = [Server::Direct, Server::Nginx, Server::Tollgate]
        .iter()
        .map(|&s| procs::tree_rss_kib(servers.proc(s).pid()).0)
        .collect();

    let mut results: Vec<TargetResult> = selected
        .iter()
        .map(|&target| preflight(env, &servers, target))
        .collect();
    for r in &results {
        match &r.outcome {
            Outcome::Skipped(why) => eprintln!("  {:<12} not measured: {why}", r.target.name),
            Outcome::Measured { .. } => eprintln!("  {:<12} {} -> {}", r.target.name, r.target.full_path(), r.sample),
        }
    }
    let began = Instant::now();
    for round in 1..=opts.rounds {
        for r in &mut results {
            let Outcome::Measured { thr, lat } = &mut r.outcome else {
                continue;
            };
            let req = request(env, &servers, r.target);
            let charge = servers.charge(r.target.server);
            let t = wrk::measure(&env.wrk_script, &req, charge, cores, opts.secs, opts.conns)?;
            let l = wrk::measure(&env.wrk_script, &req, charge, cores, opts.lat_secs, 1)?;
            eprintln!(
                "  round {round}/{} {:<12} {:>8.0} req/s p50 {:.3} p99 {:.3} ms | 1c p50 {:.3} ms | {:.1} µs/req \
                 (core {:.1}) | busy sut/load {:.0}/{:.0} % | errors {:.0} [{:.0} s]",
                opts.rounds,
                r.target.name,
                t.rps,
                t.p50_ms,
                t.p99_ms,
                l.p50_ms,
                t.server_us,
                t.core_us,
                t.busy_sut_pct,
                t.busy_load_pct,
                t.errors + l.errors,
                began.elapsed().as_secs_f64()
            );
            thr.push(t);
            lat.push(l);
        }
    }
    let mut procs_out = Vec::new();
    for (i, (name, server, startups)) in [
        ("direct (hyper backend)", Server::Direct, backend_starts),
        ("nginx (proxy)", Server::Nginx, nginx_starts),
        ("tollgate", Server::Tollgate, tollgate_starts),
    ]
    .into_iter()
    .enumerate()
    {
        let load_rss = results
            .iter()
            .filter(|r| r.target.server == server)
            .filter_map(|r| match &r.outcome {
                Outcome::Measured { thr, .. } => thr.iter().map(|s| s.max_rss_kib).max(),
                Outcome::Skipped(_) => None,
            })
            .max()
            .unwrap_or(0);
        procs_out.push(ProcResult {
            name,
            server,
            startups,
            idle_rss_kib: idle.get(i).copied().unwrap_or(0),
            load_rss_kib: load_rss,
            hwm_kib: procs::tree_rss_kib(servers.proc(server).pid()).1,
        });
    }
    drop(servers);
    let load_at_end = fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let mut command = String::from("cargo xtask load");
    for arg in args {
        command.push(' ');
        command.push_str(arg);
    }
    let machine = vec![
        ("kernel".to_owned(), procs::first_line("uname", &["-sr"])),
        ("CPUs".to_owned(), procs::first_line("nproc", &["--all"])),
        (
            "load average (1/5/15 min) at start / end".to_owned(),
            format!("{} / {}", loadavg(&load_at_start), loadavg(&load_at_end)),
        ),
        (
            "tools".to_owned(),
            format!(
                "{}; {}",
                procs::first_line("wrk", &["-v"]),
                procs::first_line("nginx", &["-v"])
            ),
        ),
        (
            "gateway".to_owned(),
            format!(
                "{} (profile {}), local functions: {}",
                env.tollgate.display(),
                env.profile,
                if env.functions { "yes" } else { "not in this build" }
            ),
        ),
    ];
    Ok(Run {
        meta: Meta {
            started,
            command,
            rounds: opts.rounds,
            secs: opts.secs,
            lat_secs: opts.lat_secs,
            conns: opts.conns,
            load_cpu: cores.load,
            sut_cpu: cores.sut,
            machine,
        },
        targets: results,
        procs: procs_out,
    })
}

fn loadavg(text: &str) -> String {
    text.split_whitespace().take(3).collect::<Vec<_>>().join(" ")
}

fn request(env: &Env, servers: &Servers, target: Target) -> Request {
    Request {
        url: format!("http://{}{}", loopback(servers.port(target.server)), target.full_path()),
        method: target.method(),
        body_file: (target.shape == Shape::Post2k).then(|| env.body_2k.clone()),
    }
}

/// One request to the target before measuring it: a route that does not answer 200 is reported, not measured.
fn preflight(env: &Env, servers: &Servers, target: Target) -> TargetResult {
    let skipped = |why: String| TargetResult {
        target,
        outcome: Outcome::Skipped(why),
        sample: String::new(),
    };
    if target.needs_functions && !env.functions {
        return skipped("AWS_PROXY: not yet supported by this build (`tollgate serve` has no `--function`)".to_owned());
    }
    let body = (target.shape == Shape::Post2k).then(|| fs::read(&env.body_2k).unwrap_or_default());
    let answer = http::Conn::connect(loopback(servers.port(target.server)), Duration::from_secs(5))
        .and_then(|mut conn| conn.request(target.method(), &target.full_path(), body.as_deref(), true));
    match answer {
        Ok((200, body)) => TargetResult {
            target,
            outcome: Outcome::Measured {
                thr: Vec::new(),
                lat: Vec::new(),
            },
            sample: snippet(&body),
        },
        Ok((status, body)) => skipped(format!("answered {status}: {}", snippet(&body))),
        Err(err) => skipped(format!("no answer: {err:#}")),
    }
}

fn snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut cut: String = flat.chars().take(160).collect();
    if flat.chars().count() > 160 {
        cut.push('…');
    }
    cut
}

fn date(format: &str) -> String {
    procs::first_line("date", &[format])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn options() {
        let o = parse(&args(&[
            "--rounds",
            "1",
            "--secs=2",
            "--only",
            "mock,http-proxy",
            "--conns",
            "8",
        ]))
        .unwrap();
        assert_eq!((o.rounds, o.secs, o.lat_secs, o.conns), (1, 2, 5, 8));
        assert_eq!(o.only, ["mock", "http-proxy"]);
        assert!(parse(&args(&["--soak", "0"])).is_err());
        assert!(parse(&args(&["--soak", "121"])).is_err());
        assert_eq!(parse(&args(&["--soak", "10"])).unwrap().soak_minutes, Some(10));
        assert!(parse(&args(&["--secs"])).is_err());
        assert!(parse(&args(&["--bogus"])).is_err());
        assert!(parse(&args(&["--allocs", "--soak", "1"])).is_err());
        assert!(parse(&args(&["--allocs", "--icount"])).is_err());
        assert!(parse(&args(&["--icount"])).is_ok_and(|o| o.icount && !o.allocs));
    }

    #[test]
    fn snippets_are_short_and_flat() {
        assert_eq!(snippet(b"{\n  \"a\": 1\n}"), "{ \"a\": 1 }");
        assert_eq!(snippet("x".repeat(200).as_bytes()).chars().count(), 161);
    }
}
