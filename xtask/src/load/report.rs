//! Medians, ratios and goals of a load run: one markdown report (printed, and saved with the raw numbers as
//! JSON under `target/load/`).

use std::fmt::Write as _;
use std::time::Duration;

use super::json::Json;
use super::targets::{self, Server, Shape, Target};
use super::wrk::Shot;

/// What happened to one target.
#[derive(Debug)]
pub(crate) enum Outcome {
    Measured { thr: Vec<Shot>, lat: Vec<Shot> },
    Skipped(String),
}

#[derive(Debug)]
pub(crate) struct TargetResult {
    pub(crate) target: Target,
    pub(crate) outcome: Outcome,
    /// The first bytes of the pre-flight response, to show the route does its work.
    pub(crate) sample: String,
}

#[derive(Debug)]
pub(crate) struct ProcResult {
    pub(crate) name: &'static str,
    pub(crate) server: Server,
    pub(crate) startups: Vec<Duration>,
    pub(crate) idle_rss_kib: u64,
    pub(crate) load_rss_kib: u64,
    pub(crate) hwm_kib: u64,
}

#[derive(Debug)]
pub(crate) struct Meta {
    pub(crate) started: String,
    pub(crate) command: String,
    pub(crate) rounds: usize,
    pub(crate) secs: u64,
    pub(crate) lat_secs: u64,
    pub(crate) conns: u32,
    pub(crate) load_cpu: u32,
    pub(crate) sut_cpu: u32,
    pub(crate) machine: Vec<(String, String)>,
}

/// One goal of issue 7: the wrk measurement, and the projection from CPU per request where one applies.
#[derive(Debug)]
pub(crate) struct Goal {
    pub(crate) goal: String,
    pub(crate) measured: String,
    pub(crate) met: bool,
    pub(crate) cpu: Option<(String, bool)>,
}

#[derive(Debug)]
pub(crate) struct Run {
    pub(crate) meta: Meta,
    pub(crate) targets: Vec<TargetResult>,
    pub(crate) procs: Vec<ProcResult>,
}

pub(crate) fn median(mut xs: Vec<f64>) -> f64 {
    xs.retain(|x| x.is_finite());
    if xs.is_empty() {
        return f64::NAN;
    }
    xs.sort_by(f64::total_cmp);
    let mid = xs.len() / 2;
    if xs.len() % 2 == 1 {
        xs[mid]
    } else {
        (xs[mid - 1] + xs[mid]) / 2.0
    }
}

/// Medians of one target.
#[derive(Debug, Clone, Copy)]
struct Med {
    rps: f64,
    rps_min: f64,
    rps_max: f64,
    p50: f64,
    p99: f64,
    errors: f64,
    server_us: f64,
    server_sys_us: f64,
    upstream_us: f64,
    total_us: f64,
    core_us: f64,
    busy_sut: f64,
    busy_load: f64,
    lat_rps: f64,
    lat_p50: f64,
    lat_p99: f64,
}

fn med(thr: &[Shot], lat: &[Shot]) -> Med {
    let m = |shots: &[Shot], f: fn(&Shot) -> f64| median(shots.iter().map(f).collect());
    let rps: Vec<f64> = thr.iter().map(|s| s.rps).collect();
    Med {
        rps: m(thr, |s| s.rps),
        rps_min: rps.iter().copied().fold(f64::INFINITY, f64::min),
        rps_max: rps.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        p50: m(thr, |s| s.p50_ms),
        p99: m(thr, |s| s.p99_ms),
        errors: thr.iter().chain(lat).map(|s| s.errors).sum(),
        server_us: m(thr, |s| s.server_us),
        server_sys_us: m(thr, |s| s.server_sys_us),
        upstream_us: m(thr, |s| s.upstream_us),
        total_us: m(thr, |s| s.total_us),
        core_us: m(thr, |s| s.core_us),
        busy_sut: m(thr, |s| s.busy_sut_pct),
        busy_load: m(thr, |s| s.busy_load_pct),
        lat_rps: m(lat, |s| s.rps),
        lat_p50: m(lat, |s| s.p50_ms),
        lat_p99: m(lat, |s| s.p99_ms),
    }
}

impl Run {
    fn medians(&self, name: &str) -> Option<Med> {
        self.targets
            .iter()
            .find(|t| t.target.name == name)
            .and_then(|t| match &t.outcome {
                Outcome::Measured { thr, lat } => Some(med(thr, lat)),
                Outcome::Skipped(_) => None,
            })
    }

    fn reference(&self, server: Server, shape: Shape) -> Option<Med> {
        targets::reference(server, shape).and_then(|t| self.medians(t.name))
    }

    fn proc(&self, server: Server) -> Option<&ProcResult> {
        self.procs.iter().find(|p| p.server == server)
    }

    /// The markdown report.
    pub(crate) fn markdown(&self) -> String {
        let m = &self.meta;
        let mut out = String::new();
        let _ = writeln!(
            out,
            "### Load run {} ({} rounds, medians; {} connections × {} s and 1 connection × {} s; wrk on CPU {}, \
             servers on CPU {})\n",
            m.started, m.rounds, m.conns, m.secs, m.lat_secs, m.load_cpu, m.sut_cpu
        );
        let _ = writeln!(out, "Command: `{}`\n", m.command);
        for (key, value) in &m.machine {
            let _ = writeln!(out, "* {key}: {value}");
        }
        out.push('\n');
        self.throughput(&mut out);
        self.latency(&mut out);
        self.cpu(&mut out);
        self.processes(&mut out);
        self.goals(&mut out);
        self.ceilings(&mut out);
        let skipped: Vec<String> = self
            .targets
            .iter()
            .filter_map(|t| match &t.outcome {
                Outcome::Skipped(why) => Some(format!("* `{}` ({}): {why}", t.target.name, t.target.what)),
                Outcome::Measured { .. } => None,
            })
            .collect();
        if !skipped.is_empty() {
            let _ = writeln!(out, "Not measured:\n\n{}\n", skipped.join("\n"));
        }
        out
    }

    fn rows(&self) -> impl Iterator<Item = (&Target, Med)> {
        self.targets.iter().filter_map(|t| match &t.outcome {
            Outcome::Measured { thr, lat } => Some((&t.target, med(thr, lat))),
            Outcome::Skipped(_) => None,
        })
    }

    fn throughput(&self, out: &mut String) {
        let _ = writeln!(
            out,
            "#### Throughput, {} connections\n\n\
             | target | what | req/s | min–max | % of direct | × nginx | p50 ms | p99 ms | p99 × direct | errors |\n\
             |---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
            self.meta.conns
        );
        for (t, x) in self.rows() {
            let direct = self.reference(Server::Direct, t.shape);
            let nginx = self.reference(Server::Nginx, t.shape);
            let _ = writeln!(
                out,
                "| {} | {} | {} | {}–{} | {} | {} | {:.3} | {:.3} | {} | {:.0} |",
                t.name,
                t.what,
                thousands(x.rps),
                thousands(x.rps_min),
                thousands(x.rps_max),
                pct(direct.map(|d| x.rps / d.rps)),
                times(nginx.map(|n| x.rps / n.rps)),
                x.p50,
                x.p99,
                times(direct.map(|d| x.p99 / d.p99)),
                x.errors
            );
        }
        out.push('\n');
    }

    fn latency(&self, out: &mut String) {
        out.push_str(
            "#### One connection (per-hop latency, no queueing)\n\n\
             | target | req/s | p50 ms | p99 ms | added p50 vs direct, ms | × nginx's added p50 |\n\
             |---|---:|---:|---:|---:|---:|\n",
        );
        for (t, x) in self.rows() {
            let direct = self.reference(Server::Direct, t.shape);
            let nginx = self.reference(Server::Nginx, t.shape);
            let added = direct.map(|d| x.lat_p50 - d.lat_p50);
            let nginx_added = nginx.zip(direct).map(|(n, d)| n.lat_p50 - d.lat_p50);
            let _ = writeln!(
                out,
                "| {} | {} | {:.3} | {:.3} | {} | {} |",
                t.name,
                thousands(x.lat_rps),
                x.lat_p50,
                x.lat_p99,
                added.map_or("—".to_owned(), |a| format!("{a:+.3}")),
                if t.is_reference() {
                    "—".to_owned()
                } else {
                    // A ratio to a zero or negative hop cost (noise) says nothing.
                    times(added.zip(nginx_added.filter(|n| *n > 0.0)).map(|(a, n)| a / n))
                }
            );
        }
        out.push('\n');
    }

    fn cpu(&self, out: &mut String) {
        let _ = writeln!(
            out,
            "#### CPU per request ({} connections)\n\n\
             \"server\" = the process under test (gateway, nginx or backend) and its children, from /proc/PID/stat; \
             \"+ upstream\" adds the backend's (or function's) CPU; \"SUT core\" = everything that ran on CPU {} \
             (/proc/stat, the ANCHORS.md method; other work on that core inflates it).\n\n\
             \"of which kernel\" is the server's system time (sockets, wake-ups, scheduling).\n\n\
             | target | server µs/req | of which kernel | × direct | × nginx | server + upstream µs/req | SUT core µs/req | busy % SUT / load core |\n\
             |---|---:|---:|---:|---:|---:|---:|---:|",
            self.meta.conns, self.meta.sut_cpu
        );
        for (t, x) in self.rows() {
            let direct = self.reference(Server::Direct, t.shape);
            let nginx = self.reference(Server::Nginx, t.shape);
            let _ = writeln!(
                out,
                "| {} | {:.1} | {:.1} | {} | {} | {:.1} | {:.1} | {:.0} / {:.0} |",
                t.name,
                x.server_us,
                x.server_sys_us,
                times(direct.map(|d| x.server_us / d.server_us)),
                times(nginx.map(|n| x.server_us / n.server_us)),
                x.total_us,
                x.core_us,
                x.busy_sut,
                x.busy_load
            );
        }
        out.push('\n');
    }

    fn processes(&self, out: &mut String) {
        out.push_str(
            "#### Processes\n\n\
             Start-up = process start → first 200, polled every 10 ms (median of the starts). RSS = VmRSS of the \
             process and its children: idle = 1 s after start-up; under load = the largest value sampled every \
             250 ms during the 50-connection runs; peak = VmHWM at the end.\n\n\
             | process | start-up ms | all starts ms | × direct | × nginx | RSS idle MB | × direct | × nginx | RSS under load MB | peak MB |\n\
             |---|---:|---|---:|---:|---:|---:|---:|---:|---:|\n",
        );
        let start = |p: &ProcResult| median(p.startups.iter().map(|d| d.as_secs_f64() * 1e3).collect());
        let direct = self.proc(Server::Direct);
        let nginx = self.proc(Server::Nginx);
        for p in &self.procs {
            let all: Vec<String> = p
                .startups
                .iter()
                .map(|d| format!("{:.0}", d.as_secs_f64() * 1e3))
                .collect();
            let _ = writeln!(
                out,
                "| {} | {:.0} | {} | {} | {} | {:.1} | {} | {} | {:.1} | {:.1} |",
                p.name,
                start(p),
                all.join(", "),
                times(direct.map(|d| start(p) / start(d))),
                times(nginx.map(|n| start(p) / start(n))),
                mb(p.idle_rss_kib),
                times(direct.map(|d| p.idle_rss_kib as f64 / d.idle_rss_kib as f64)),
                times(nginx.map(|n| p.idle_rss_kib as f64 / n.idle_rss_kib as f64)),
                mb(p.load_rss_kib),
                mb(p.hwm_kib)
            );
        }
        out.push('\n');
    }

    /// The checks of issue 7, each against the references of this same run.
    pub(crate) fn goal_rows(&self) -> Vec<Goal> {
        let mut rows = Vec::new();
        let direct = self.reference(Server::Direct, Shape::Get);
        let nginx = self.reference(Server::Nginx, Shape::Get);
        let ratio = |goal: String, r: f64, min: f64, cpu: f64| Goal {
            goal,
            measured: format!("{r:.2}×"),
            met: r >= min,
            cpu: Some((format!("{cpu:.2}×"), cpu >= min)),
        };
        if let (Some(x), Some(d)) = (self.medians("mock"), direct) {
            // MOCK and the bare backend each run alone on the SUT core: req/s ∝ 1 / own CPU per request.
            rows.push(ratio(
                "MOCK req/s ≥ 0.90× direct".to_owned(),
                x.rps / d.rps,
                0.9,
                d.server_us / x.server_us,
            ));
            let r = x.p99 / d.p99;
            rows.push(Goal {
                goal: format!("MOCK p99 @{}c ≤ 2× direct's", self.meta.conns),
                measured: format!("{r:.2}× ({:.3} vs {:.3} ms)", x.p99, d.p99),
                met: r <= 2.0,
                cpu: None,
            });
        }
        if let (Some(x), Some(n), Some(d)) = (self.medians("http-proxy"), nginx, direct) {
            // A proxy shares the SUT core with its backend: req/s ∝ 1 / (proxy + backend CPU per request).
            rows.push(ratio(
                "HTTP_PROXY req/s ≥ 1.25× nginx".to_owned(),
                x.rps / n.rps,
                1.25,
                n.total_us / x.total_us,
            ));
            let (ours, theirs) = (x.lat_p50 - d.lat_p50, n.lat_p50 - d.lat_p50);
            rows.push(Goal {
                goal: "HTTP_PROXY added p50 @1c ≤ nginx's".to_owned(),
                measured: format!("{ours:+.3} vs {theirs:+.3} ms"),
                met: ours <= theirs,
                cpu: None,
            });
        }
        for (name, shape) in [("http-vtl", Shape::Get), ("http-vtl-2k", Shape::Post2k)] {
            if let (Some(x), Some(n)) = (self.medians(name), self.reference(Server::Nginx, shape)) {
                rows.push(ratio(
                    format!("{name} req/s ≥ 1.00× nginx"),
                    x.rps / n.rps,
                    1.0,
                    n.total_us / x.total_us,
                ));
            }
        }
        if let Some(p) = self.proc(Server::Tollgate) {
            let start = median(p.startups.iter().map(|d| d.as_secs_f64() * 1e3).collect());
            let fastest = p
                .startups
                .iter()
                .map(|d| d.as_secs_f64() * 1e3)
                .fold(f64::INFINITY, f64::min);
            rows.push(Goal {
                goal: "start-up ≤ 20 ms".to_owned(),
                measured: format!("{start:.0} ms (fastest {fastest:.0} ms)"),
                met: start <= 20.0,
                cpu: None,
            });
            let idle = mb(p.idle_rss_kib);
            rows.push(Goal {
                goal: "idle RSS ≤ 15 MB".to_owned(),
                measured: format!("{idle:.1} MB"),
                met: idle <= 15.0,
                cpu: None,
            });
            let load = mb(p.load_rss_kib.max(p.hwm_kib));
            rows.push(Goal {
                goal: format!("RSS under {}-connection load ≤ 60 MB", self.meta.conns),
                measured: format!("{load:.1} MB (peak)"),
                met: load <= 60.0,
                cpu: None,
            });
        }
        rows
    }

    /// How far user-space work could take each proxy goal: the best "by CPU" ratio if the gateway's own
    /// user-space time were zero and its kernel work (the same socket calls, wake-ups) stayed as measured.
    fn ceilings(&self, out: &mut String) {
        let checks = [
            ("http-proxy", Shape::Get, 1.25),
            ("http-vtl", Shape::Get, 1.0),
            ("http-vtl-2k", Shape::Post2k, 1.0),
        ];
        let rows: Vec<String> = checks
            .iter()
            .filter_map(|&(name, shape, goal)| {
                let x = self.medians(name)?;
                let n = self.reference(Server::Nginx, shape)?;
                let floor = x.server_sys_us + x.upstream_us;
                let best = n.total_us / floor;
                let nginx_user = n.server_us - n.server_sys_us;
                let as_lean_as_nginx = n.total_us / (floor + nginx_user);
                Some(format!(
                    "| {name} | ≥ {goal:.2}× | {:.1} + {:.1} = {floor:.1} | {:.1} | {:.1} | {best:.2}× | {} | \
                     {nginx_user:.1} | {as_lean_as_nginx:.2}× |",
                    x.server_sys_us,
                    x.upstream_us,
                    n.total_us,
                    x.server_us - x.server_sys_us,
                    if best >= goal { "yes" } else { "**no**" }
                ))
            })
            .collect();
        if rows.is_empty() {
            return;
        }
        out.push_str(
            "#### Ceilings: the kernel's share alone\n\n\
             A proxy shares the SUT core with its backend, so req/s by CPU = nginx's (proxy + backend) µs ÷ ours. \
             \"floor\" = the gateway's kernel time plus the backend's whole CPU time per request: what would remain \
             if the gateway's user-space work cost nothing. \"best × nginx\" is the by-CPU ratio at that floor; \
             \"reachable\" says whether any user-space improvement could meet the goal with these socket calls; the \
             last column is the ratio if the gateway's user-space cost were nginx's own.\n\n\
             | route | goal × nginx | floor µs/req (kernel + backend) | nginx + backend µs/req | our user-space µs/req | best × nginx | reachable | nginx's user-space µs/req | × nginx at nginx's user-space |\n\
             |---|---:|---:|---:|---:|---:|---|---:|---:|\n",
        );
        for row in rows {
            out.push_str(&row);
            out.push('\n');
        }
        out.push('\n');
    }

    fn goals(&self, out: &mut String) {
        let rows = self.goal_rows();
        if rows.is_empty() {
            return;
        }
        out.push_str(
            "#### Goals (issue 7), against this run's references\n\n\
             \"by CPU\" projects the req/s ratio from the server µs/req columns (each server alone on the SUT core; \
             a proxy together with its backend): it holds on a busy machine and when the load generator is the \
             limit, where wrk's req/s does not.\n\n\
             | goal | measured (wrk) | met | by CPU µs/req | met |\n|---|---:|---|---:|---|\n",
        );
        let yes = |met: bool| if met { "yes" } else { "**no**" };
        for g in rows {
            let (cpu, cpu_met) = g
                .cpu
                .as_ref()
                .map_or(("—", "—"), |(text, met)| (text.as_str(), yes(*met)));
            let _ = writeln!(
                out,
                "| {} | {} | {} | {cpu} | {cpu_met} |",
                g.goal,
                g.measured,
                yes(g.met)
            );
        }
        out.push('\n');
    }

    /// Reads back what [`Run::json`] wrote (`cargo xtask load --report FILE.json` re-prints a saved run).
    pub(crate) fn from_json(json: &Json) -> anyhow::Result<Run> {
        let text = |j: &Json, key: &str| j.get(key).and_then(Json::as_str).unwrap_or_default().to_owned();
        let num = |j: &Json, key: &str| j.get(key).and_then(Json::as_f64).unwrap_or(f64::NAN);
        let shot = |j: &Json| Shot {
            rps: num(j, "rps"),
            p50_ms: num(j, "p50_ms"),
            p99_ms: num(j, "p99_ms"),
            requests: num(j, "requests"),
            errors: num(j, "errors"),
            server_us: num(j, "server_us_per_req"),
            server_sys_us: num(j, "server_sys_us_per_req"),
            upstream_us: num(j, "upstream_us_per_req"),
            total_us: num(j, "server_upstream_us_per_req"),
            core_us: num(j, "core_us_per_req"),
            busy_sut_pct: num(j, "busy_sut_pct"),
            busy_load_pct: num(j, "busy_load_pct"),
            max_rss_kib: num(j, "max_rss_kib") as u64,
        };
        let mut results = Vec::new();
        for t in json.get("targets").map(Json::as_array).unwrap_or_default() {
            let name = text(t, "name");
            let Some(target) = targets::ALL.iter().find(|x| x.name == name) else {
                anyhow::bail!("unknown target `{name}` in the report");
            };
            let outcome = match t.get("skipped").and_then(Json::as_str) {
                Some(why) => Outcome::Skipped(why.to_owned()),
                None => Outcome::Measured {
                    thr: t
                        .get("throughput")
                        .map(Json::as_array)
                        .unwrap_or_default()
                        .iter()
                        .map(shot)
                        .collect(),
                    lat: t
                        .get("latency")
                        .map(Json::as_array)
                        .unwrap_or_default()
                        .iter()
                        .map(shot)
                        .collect(),
                },
            };
            results.push(TargetResult {
                target: *target,
                outcome,
                sample: text(t, "sample"),
            });
        }
        let procs = json
            .get("processes")
            .map(Json::as_array)
            .unwrap_or_default()
            .iter()
            .zip([
                ("direct (hyper backend)", Server::Direct),
                ("nginx (proxy)", Server::Nginx),
                ("tollgate", Server::Tollgate),
            ])
            .map(|(p, (name, server))| ProcResult {
                name,
                server,
                startups: p
                    .get("startup_ms")
                    .map(Json::as_array)
                    .unwrap_or_default()
                    .iter()
                    .filter_map(Json::as_f64)
                    .map(|ms| Duration::from_secs_f64(ms / 1e3))
                    .collect(),
                idle_rss_kib: num(p, "idle_rss_kib") as u64,
                load_rss_kib: num(p, "load_rss_kib") as u64,
                hwm_kib: num(p, "hwm_kib") as u64,
            })
            .collect();
        let machine = match json.get("machine") {
            Some(Json::Obj(members)) => members
                .iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
                .collect(),
            _ => Vec::new(),
        };
        Ok(Run {
            meta: Meta {
                started: text(json, "started"),
                command: text(json, "command"),
                rounds: num(json, "rounds") as usize,
                secs: num(json, "secs") as u64,
                lat_secs: num(json, "lat_secs") as u64,
                conns: num(json, "conns") as u32,
                load_cpu: json.get("load_cpu").and_then(Json::as_f64).unwrap_or(0.0) as u32,
                sut_cpu: json.get("sut_cpu").and_then(Json::as_f64).unwrap_or(1.0) as u32,
                machine,
            },
            targets: results,
            procs,
        })
    }

    /// Everything, raw shots included.
    pub(crate) fn json(&self) -> Json {
        let shot = |s: &Shot| {
            Json::object([
                ("rps", Json::num(s.rps)),
                ("p50_ms", Json::num(s.p50_ms)),
                ("p99_ms", Json::num(s.p99_ms)),
                ("requests", Json::num(s.requests)),
                ("errors", Json::num(s.errors)),
                ("server_us_per_req", Json::num(s.server_us)),
                ("server_sys_us_per_req", Json::num(s.server_sys_us)),
                ("upstream_us_per_req", Json::num(s.upstream_us)),
                ("server_upstream_us_per_req", Json::num(s.total_us)),
                ("core_us_per_req", Json::num(s.core_us)),
                ("busy_sut_pct", Json::num(s.busy_sut_pct)),
                ("busy_load_pct", Json::num(s.busy_load_pct)),
                ("max_rss_kib", Json::num(s.max_rss_kib as f64)),
            ])
        };
        let targets = self.targets.iter().map(|t| {
            let mut members = vec![
                ("name", Json::from(t.target.name)),
                ("what", Json::from(t.target.what)),
                ("method", Json::from(t.target.method())),
                ("path", Json::from(t.target.full_path())),
                ("sample", Json::from(t.sample.as_str())),
            ];
            match &t.outcome {
                Outcome::Measured { thr, lat } => {
                    members.push(("throughput", Json::Arr(thr.iter().map(shot).collect())));
                    members.push(("latency", Json::Arr(lat.iter().map(shot).collect())));
                }
                Outcome::Skipped(why) => members.push(("skipped", Json::from(why.as_str()))),
            }
            Json::object(members)
        });
        let procs = self.procs.iter().map(|p| {
            Json::object([
                ("name", Json::from(p.name)),
                (
                    "startup_ms",
                    Json::Arr(p.startups.iter().map(|d| Json::num(d.as_secs_f64() * 1e3)).collect()),
                ),
                ("idle_rss_kib", Json::num(p.idle_rss_kib as f64)),
                ("load_rss_kib", Json::num(p.load_rss_kib as f64)),
                ("hwm_kib", Json::num(p.hwm_kib as f64)),
            ])
        });
        let goals = self.goal_rows().into_iter().map(|g| {
            let (by_cpu, cpu_met) = g
                .cpu
                .map_or((Json::Null, Json::Null), |(text, met)| (text.into(), Json::Bool(met)));
            Json::object([
                ("goal", Json::from(g.goal)),
                ("measured", Json::from(g.measured)),
                ("met", Json::Bool(g.met)),
                ("by_cpu", by_cpu),
                ("by_cpu_met", cpu_met),
            ])
        });
        let m = &self.meta;
        Json::object([
            ("started", Json::from(m.started.as_str())),
            ("command", Json::from(m.command.as_str())),
            ("rounds", Json::num(m.rounds as f64)),
            ("secs", Json::num(m.secs as f64)),
            ("lat_secs", Json::num(m.lat_secs as f64)),
            ("conns", Json::num(m.conns as f64)),
            ("load_cpu", Json::num(f64::from(m.load_cpu))),
            ("sut_cpu", Json::num(f64::from(m.sut_cpu))),
            (
                "machine",
                Json::object(m.machine.iter().map(|(k, v)| (k.clone(), Json::from(v.as_str())))),
            ),
            ("targets", Json::Arr(targets.collect())),
            ("processes", Json::Arr(procs.collect())),
            ("goals", Json::Arr(goals.collect())),
        ])
    }
}

pub(crate) fn mb(kib: u64) -> f64 {
    kib as f64 * 1024.0 / 1e6
}

fn thousands(x: f64) -> String {
    if !x.is_finite() {
        return "—".to_owned();
    }
    let digits = format!("{:.0}", x.round());
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn pct(ratio: Option<f64>) -> String {
    ratio
        .filter(|r| r.is_finite())
        .map_or("—".to_owned(), |r| format!("{:.1} %", 100.0 * r))
}

fn times(ratio: Option<f64>) -> String {
    ratio
        .filter(|r| r.is_finite())
        .map_or("—".to_owned(), |r| format!("{r:.2}×"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::json::Json;

    fn shot(rps: f64, us: f64) -> Shot {
        Shot {
            rps,
            p50_ms: 1.0,
            p99_ms: 2.0,
            requests: rps * 10.0,
            errors: 0.0,
            server_us: us,
            server_sys_us: us / 2.0,
            upstream_us: 10.0,
            total_us: us + 10.0,
            core_us: us + 1.0,
            busy_sut_pct: 100.0,
            busy_load_pct: 90.0,
            max_rss_kib: 4000,
        }
    }

    #[test]
    fn saved_runs_read_back_to_the_same_report() {
        let measured = |name: &str, rps: f64, us: f64| TargetResult {
            target: *targets::ALL.iter().find(|t| t.name == name).unwrap(),
            outcome: Outcome::Measured {
                thr: vec![shot(rps, us); 3],
                lat: vec![shot(rps / 10.0, us); 3],
            },
            sample: "{}".to_owned(),
        };
        let run = Run {
            meta: Meta {
                started: "then".to_owned(),
                command: "cargo xtask load".to_owned(),
                rounds: 3,
                secs: 10,
                lat_secs: 5,
                conns: 50,
                load_cpu: 0,
                sut_cpu: 1,
                machine: vec![("CPUs".to_owned(), "2".to_owned())],
            },
            targets: vec![
                measured("direct", 100_000.0, 10.0),
                measured("nginx", 40_000.0, 17.0),
                measured("mock", 95_000.0, 11.0),
                measured("http-proxy", 30_000.0, 26.0),
                TargetResult {
                    target: *targets::ALL.iter().find(|t| t.name == "aws-proxy").unwrap(),
                    outcome: Outcome::Skipped("not yet".to_owned()),
                    sample: String::new(),
                },
            ],
            procs: vec![ProcResult {
                name: "direct (hyper backend)",
                server: Server::Direct,
                startups: vec![Duration::from_millis(12); 3],
                idle_rss_kib: 2000,
                load_rss_kib: 4000,
                hwm_kib: 4100,
            }],
        };
        let text = run.markdown();
        assert!(
            text.contains("| MOCK req/s ≥ 0.90× direct | 0.95× | yes | 0.91× | yes |"),
            "{text}"
        );
        // nginx + backend 27 µs; the gateway's kernel half (13) plus the backend (10) leaves 1.17× at best.
        assert!(
            text.contains("| http-proxy | ≥ 1.25× | 13.0 + 10.0 = 23.0 | 27.0 | 13.0 | 1.17× | **no** | 8.5 | 0.86× |"),
            "{text}"
        );
        assert!(text.contains("* `aws-proxy`"));
        let back = Run::from_json(&Json::parse(&run.json().to_string()).unwrap()).unwrap();
        assert_eq!(back.markdown(), text);
    }

    #[test]
    fn medians_and_formatting() {
        assert_eq!(median(vec![3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(vec![4.0, 1.0, 2.0, 3.0]), 2.5);
        assert!(median(vec![f64::NAN]).is_nan());
        assert_eq!(thousands(131_613.4), "131,613");
        assert_eq!(thousands(836.0), "836");
        assert_eq!(pct(Some(0.325)), "32.5 %");
        assert_eq!(times(Some(f64::INFINITY)), "—");
        assert_eq!(mb(15_000), 15.36);
    }
}
