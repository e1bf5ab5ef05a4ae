//! What a load run needs before it measures: the binaries (built here), the fixed API, the nginx configuration,
//! and the three servers, each started pinned to the SUT core with its start-up time taken.

use std::fs;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use anyhow::{Context, bail};

use super::procs::{self, Proc};
use crate::util::{cargo, run_command, workspace_root};

/// Stage of the bench API (the first path segment of its URLs).
pub(crate) const STAGE: &str = "bench";
/// The local function the AWS_PROXY route calls.
pub(crate) const FUNCTION: &str = "benchfn";
/// How long a server may take to answer its first 200 (a gateway under valgrind is slow).
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// Paths and binaries of a run.
#[derive(Debug)]
pub(crate) struct Env {
    /// `target/load` (under CARGO_TARGET_DIR when set): results.
    pub(crate) out_dir: PathBuf,
    /// `target/load/run`: logs and generated configuration of the last run.
    pub(crate) run_dir: PathBuf,
    pub(crate) tollgate: PathBuf,
    /// How the gateway was built: `dist`, `release`, or `given` (`--bin`).
    pub(crate) profile: &'static str,
    pub(crate) backend: PathBuf,
    pub(crate) function: PathBuf,
    pub(crate) api: PathBuf,
    pub(crate) body_2k: PathBuf,
    pub(crate) wrk_script: PathBuf,
    /// Whether this build's `tollgate serve` takes `--function NAME=COMMAND`.
    pub(crate) functions: bool,
    /// `xtask/load/bench-usage-plans.yaml` (lifts the account throttle), when this build's `tollgate serve`
    /// takes `--usage-plans FILE`.
    pub(crate) usage_plans: Option<PathBuf>,
    pub(crate) sut_cpu: u32,
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| workspace_root().join("target"), PathBuf::from)
}

/// Builds the gateway (profile `dist` when the workspace defines it, else `release`) unless `given` names a
/// binary to measure, builds the reference processes, and checks the fixed inputs exist.
/// Builds (unless `given`) and locates everything a run needs. `system_allocator` builds the gateway without
/// mimalloc: valgrind's dhat counts only the allocations that go through malloc.
pub(crate) fn prepare(sut_cpu: u32, given: Option<&Path>, system_allocator: bool) -> anyhow::Result<Env> {
    let root = workspace_root();
    let target = target_dir();
    let manifest = fs::read_to_string(root.join("Cargo.toml")).context("reading the root Cargo.toml")?;
    let built = if manifest.contains("[profile.dist]") {
        "dist"
    } else {
        "release"
    };
    let (tollgate, profile) = match given {
        Some(path) => (path.to_path_buf(), "given"),
        None => {
            let mut build = cargo();
            build.args([
                "build",
                "--profile",
                built,
                "-p",
                "tollgate-server",
                "--bin",
                "tollgate",
            ]);
            if system_allocator {
                build.arg("--no-default-features");
            }
            run_command(&mut build)?;
            (target.join(built).join("tollgate"), built)
        }
    };
    let backend_target = target.join("load-backend");
    run_command(
        cargo()
            .args(["build", "--release", "--locked", "--manifest-path"])
            .arg(root.join("xtask/load/backend/Cargo.toml"))
            .env("CARGO_TARGET_DIR", &backend_target),
    )?;
    let load = root.join("xtask/load");
    let out_dir = target.join("load");
    let run_dir = out_dir.join("run");
    fs::create_dir_all(&run_dir).with_context(|| format!("creating {}", run_dir.display()))?;
    let help = serve_help(&tollgate)?;
    let env = Env {
        functions: help.contains("--function"),
        usage_plans: help
            .contains("--usage-plans")
            .then(|| load.join("bench-usage-plans.yaml")),
        tollgate,
        profile,
        backend: backend_target.join("release/load-backend"),
        function: backend_target.join("release/load-function"),
        api: load.join("bench-api.yaml"),
        body_2k: load.join("order-2k.json"),
        wrk_script: load.join("wrk-report.lua"),
        out_dir,
        run_dir,
        sut_cpu,
    };
    for path in [
        &env.tollgate,
        &env.backend,
        &env.function,
        &env.api,
        &env.body_2k,
        &env.wrk_script,
    ] {
        if !path.is_file() {
            bail!("{} is missing", path.display());
        }
    }
    Ok(env)
}

/// `tollgate serve --help`: local functions arrived with `--function`, usage plans with `--usage-plans`.
fn serve_help(tollgate: &Path) -> anyhow::Result<String> {
    let out = Command::new(tollgate)
        .args(["serve", "--help"])
        .output()
        .with_context(|| format!("could not run {}", tollgate.display()))?;
    Ok(String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr))
}

pub(crate) fn loopback(port: u16) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], port))
}

fn pinned(env: &Env, program: &Path) -> Command {
    let mut cmd = Command::new("taskset");
    cmd.args(["-c", &env.sut_cpu.to_string()]).arg(program);
    cmd
}

/// The bare hyper backend on `port`.
pub(crate) fn backend(env: &Env, port: u16) -> anyhow::Result<Proc> {
    let mut cmd = pinned(env, &env.backend);
    cmd.arg(port.to_string());
    Proc::spawn("backend", cmd, &env.run_dir)
}

/// nginx as a keep-alive reverse proxy on `port` in front of the backend on `upstream` (the configuration of
/// /work/shared/bench/nginx-proxy: 1 worker, upstream keepalive 128, HTTP/1.1 upstream, access log off).
pub(crate) fn nginx(env: &Env, port: u16, upstream: u16) -> anyhow::Result<Proc> {
    let dir = env.run_dir.join("nginx");
    fs::create_dir_all(dir.join("tmp"))?;
    let d = dir.display();
    let conf = format!(
        "worker_processes 1;
daemon off;
pid {d}/nginx.pid;
error_log {d}/error.log warn;
events {{ worker_connections 4096; }}
http {{
  access_log off;
  client_body_temp_path {d}/tmp/body;
  proxy_temp_path {d}/tmp/proxy;
  fastcgi_temp_path {d}/tmp/fastcgi;
  uwsgi_temp_path {d}/tmp/uwsgi;
  scgi_temp_path {d}/tmp/scgi;
  keepalive_requests 1000000;
  keepalive_timeout 75s;
  upstream backend {{
    server 127.0.0.1:{upstream};
    keepalive 128;
    keepalive_requests 1000000;
  }}
  server {{
    listen 127.0.0.1:{port} reuseport backlog=4096;
    location / {{
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Connection \"\";
    }}
  }}
}}
"
    );
    let conf_path = dir.join("nginx.conf");
    fs::write(&conf_path, conf)?;
    let mut cmd = pinned(env, Path::new("nginx"));
    cmd.arg("-p")
        .arg(&dir)
        .arg("-e")
        .arg(dir.join("error.log"))
        .arg("-c")
        .arg(&conf_path);
    Proc::spawn("nginx", cmd, &env.run_dir)
}

/// `tollgate serve` with the bench API on `port`; `wrapper` runs it under a tool (valgrind) when given.
pub(crate) fn tollgate(env: &Env, name: &str, port: u16, backend: u16, wrapper: &[String]) -> anyhow::Result<Proc> {
    let mut cmd = Command::new("taskset");
    cmd.args(["-c", &env.sut_cpu.to_string()])
        .args(wrapper)
        .arg(&env.tollgate);
    cmd.arg("serve")
        .arg(&env.api)
        .args(["--stage", STAGE, "--host", "127.0.0.1", "--port", &port.to_string()])
        .arg("--stage-variable")
        .arg(format!("backend=127.0.0.1:{backend}"));
    if let Some(plans) = &env.usage_plans {
        cmd.arg("--usage-plans").arg(plans);
    }
    if env.functions {
        cmd.arg("--function")
            .arg(format!("{FUNCTION}={}", env.function.display()));
    }
    Proc::spawn(name, cmd, &env.run_dir)
}

/// Starts a server `times` times, timing start → first 200 on `path` (polled every 10 ms); stops all but the
/// last, which it returns running.
pub(crate) fn timed_starts(
    times: usize,
    addr: SocketAddr,
    path: &str,
    mut start: impl FnMut() -> anyhow::Result<Proc>,
) -> anyhow::Result<(Proc, Vec<Duration>)> {
    let mut took = Vec::new();
    for i in 1..=times.max(1) {
        let mut proc = start()?;
        took.push(proc.wait_200(addr, path, START_TIMEOUT)?);
        if i == times.max(1) {
            return Ok((proc, took));
        }
        proc.stop_within(Duration::from_secs(5));
        // Let the port and the kernel settle before the next start.
        std::thread::sleep(Duration::from_millis(300));
    }
    bail!("no start")
}

/// Pins this process (and the threads it starts later) to the load core, so its sampling never runs on the
/// SUT core.
pub(crate) fn pin_self(cpu: u32) -> anyhow::Result<()> {
    let status = Command::new("taskset")
        .args(["-p", "-c", &cpu.to_string(), &std::process::id().to_string()])
        .stdout(std::process::Stdio::null())
        .status()
        .context("could not run taskset (apt-get install -y util-linux)")?;
    if !status.success() {
        bail!("taskset could not pin xtask to CPU {cpu}");
    }
    Ok(())
}

/// Fixed loopback ports for backend, nginx and the gateway (below the ephemeral range wrk's connections use),
/// or free ones when those are taken.
pub(crate) fn ports() -> anyhow::Result<(u16, u16, u16)> {
    const FIXED: (u16, u16, u16) = (18180, 18190, 18200);
    let free = |port: u16| std::net::TcpListener::bind(loopback(port)).is_ok();
    if free(FIXED.0) && free(FIXED.1) && free(FIXED.2) {
        return Ok(FIXED);
    }
    let mut picked: Vec<u16> = Vec::new();
    while picked.len() < 3 {
        let port = procs::free_port()?;
        if !picked.contains(&port) {
            picked.push(port);
        }
    }
    Ok((picked[0], picked[1], picked[2]))
}
