//! The processes a load run starts, and what Linux tells about them (`/proc`).
//!
//! Every process is a [`Proc`]: it is stopped by its PID (SIGTERM, then SIGKILL after 5 s) when dropped, so error
//! paths and early returns stop it too. Ctrl-C reaches every one of them directly: they stay in the terminal's
//! foreground process group, which the terminal signals as a whole.

use std::collections::HashMap;
use std::fs::{self, File};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

use super::http;

/// A process started by the load run.
#[derive(Debug)]
pub(crate) struct Proc {
    pub(crate) name: String,
    child: Child,
    started: Instant,
    log: PathBuf,
}

impl Proc {
    /// Starts `cmd` with stdout and stderr appended to `log_dir/<name>.log`.
    pub(crate) fn spawn(name: &str, mut cmd: Command, log_dir: &Path) -> anyhow::Result<Proc> {
        let log = log_dir.join(format!("{name}.log"));
        let out = File::options()
            .create(true)
            .append(true)
            .open(&log)
            .with_context(|| format!("could not open {}", log.display()))?;
        let err = out.try_clone()?;
        cmd.stdin(Stdio::null()).stdout(out).stderr(err);
        let started = Instant::now();
        let child = cmd
            .spawn()
            .with_context(|| format!("could not start {name}: `{}`", crate::util::describe(&cmd)))?;
        Ok(Proc {
            name: name.to_owned(),
            child,
            started,
            log,
        })
    }

    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Time from start to the first 200 from `GET path`, polled every 10 ms for at most `timeout`.
    pub(crate) fn wait_200(&mut self, addr: SocketAddr, path: &str, timeout: Duration) -> anyhow::Result<Duration> {
        let deadline = self.started + timeout;
        while Instant::now() < deadline {
            if http::status(addr, path, Duration::from_secs(2)) == Some(200) {
                return Ok(self.started.elapsed());
            }
            if let Some(status) = self.child.try_wait()? {
                bail!("{} exited with {status}; see {}", self.name, self.log.display());
            }
            sleep(Duration::from_millis(10));
        }
        bail!(
            "{}: no 200 from http://{addr}{path} within {timeout:?}; see {}",
            self.name,
            self.log.display()
        )
    }

    /// SIGTERM, up to `grace` to exit, then SIGKILL. Returns whether it exited by itself.
    pub(crate) fn stop_within(&mut self, grace: Duration) -> bool {
        if matches!(self.child.try_wait(), Ok(Some(_))) {
            return true;
        }
        let _ = Command::new("kill")
            .args(["-TERM", &self.pid().to_string()])
            .stderr(Stdio::null())
            .status();
        let deadline = Instant::now() + grace;
        while Instant::now() < deadline {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                return true;
            }
            sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        false
    }

    pub(crate) fn log(&self) -> &Path {
        &self.log
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        self.stop_within(Duration::from_secs(5));
    }
}

/// `pid` and all its descendants (nginx's worker, a gateway's function processes), from `/proc/*/stat`.
pub(crate) fn tree(pid: u32) -> Vec<u32> {
    let mut children: HashMap<u32, Vec<u32>> = HashMap::new();
    if let Ok(entries) = fs::read_dir("/proc") {
        for entry in entries.flatten() {
            let Some(child) = entry.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else {
                continue;
            };
            if let Some(parent) = stat_fields(child).and_then(|f| f.get(1).and_then(|p| p.parse().ok())) {
                children.entry(parent).or_default().push(child);
            }
        }
    }
    let mut all = vec![pid];
    let mut i = 0;
    while let Some(&p) = all.get(i) {
        all.extend(children.get(&p).into_iter().flatten().copied());
        i += 1;
    }
    all
}

/// The fields of `/proc/PID/stat` after the command name: [0] = state, [1] = ppid, [11] = utime, [12] = stime.
fn stat_fields(pid: u32) -> Option<Vec<String>> {
    let text = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = &text[text.rfind(')')? + 1..];
    Some(rest.split_whitespace().map(str::to_owned).collect())
}

/// CPU time used so far by the given processes, all threads included, in clock ticks.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct CpuTicks {
    pub(crate) user: u64,
    pub(crate) system: u64,
}

impl CpuTicks {
    pub(crate) fn total(self) -> u64 {
        self.user + self.system
    }

    /// The ticks used since `earlier`.
    pub(crate) fn since(self, earlier: CpuTicks) -> CpuTicks {
        CpuTicks {
            user: self.user.saturating_sub(earlier.user),
            system: self.system.saturating_sub(earlier.system),
        }
    }
}

/// User and system CPU time used so far by the given processes.
pub(crate) fn cpu_ticks(pids: &[u32]) -> CpuTicks {
    pids.iter()
        .filter_map(|&pid| stat_fields(pid))
        .map(|f| {
            let tick = |i: usize| f.get(i).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
            CpuTicks {
                user: tick(11),
                system: tick(12),
            }
        })
        .fold(CpuTicks::default(), |a, b| CpuTicks {
            user: a.user + b.user,
            system: a.system + b.system,
        })
}

/// Resident memory of a process: (VmRSS, VmHWM) in KiB, from `/proc/PID/status`.
pub(crate) fn rss_kib(pid: u32) -> Option<(u64, u64)> {
    let status = fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |name: &str| {
        status
            .lines()
            .find_map(|line| line.strip_prefix(name))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|kib| kib.parse().ok())
    };
    Some((field("VmRSS:")?, field("VmHWM:")?))
}

/// Sum of (VmRSS, VmHWM) over a process tree, in KiB.
pub(crate) fn tree_rss_kib(pid: u32) -> (u64, u64) {
    tree(pid)
        .into_iter()
        .filter_map(rss_kib)
        .fold((0, 0), |(rss, hwm), (r, h)| (rss + r, hwm + h))
}

/// (busy, total) ticks of one CPU from `/proc/stat`; busy = user + nice + system + irq + softirq.
pub(crate) fn core_ticks(cpu: u32) -> Option<(u64, u64)> {
    let stat = fs::read_to_string("/proc/stat").ok()?;
    let name = format!("cpu{cpu}");
    let line = stat
        .lines()
        .find(|l| l.split_whitespace().next() == Some(name.as_str()))?;
    let v: Vec<u64> = line.split_whitespace().skip(1).filter_map(|x| x.parse().ok()).collect();
    let get = |i: usize| v.get(i).copied().unwrap_or(0);
    // user nice system idle iowait irq softirq steal
    let busy = get(0) + get(1) + get(2) + get(5) + get(6);
    let total = busy + get(3) + get(4) + get(7);
    Some((busy, total))
}

/// Clock ticks per second (`getconf CLK_TCK`; 100 on every Linux we run).
pub(crate) fn clock_ticks_per_sec() -> u64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|out| String::from_utf8(out.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(100)
}

/// A free loopback TCP port (bound and released; the processes here start right after).
pub(crate) fn free_port() -> anyhow::Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").context("no free loopback port")?;
    Ok(listener.local_addr()?.port())
}

/// Fails unless every tool is on PATH, naming the package that brings it.
pub(crate) fn require_tools(tools: &[(&str, &str)]) -> anyhow::Result<()> {
    let missing: Vec<String> = tools
        .iter()
        .filter(|(tool, _)| !on_path(tool))
        .map(|(tool, package)| format!("{tool} (apt-get install -y {package})"))
        .collect();
    if !missing.is_empty() {
        bail!("missing tools: {}", missing.join(", "));
    }
    Ok(())
}

fn on_path(tool: &str) -> bool {
    std::env::var_os("PATH").is_some_and(|paths| {
        std::env::split_paths(&paths).any(|dir| dir.join(tool).is_file())
            || ["/usr/sbin", "/sbin"]
                .iter()
                .any(|dir| Path::new(dir).join(tool).is_file())
    })
}

/// The first line a command prints (tool versions for the report), or "?".
pub(crate) fn first_line(program: &str, args: &[&str]) -> String {
    Command::new(program)
        .args(args)
        .output()
        .ok()
        .map(|out| {
            let text = if out.stdout.is_empty() { out.stderr } else { out.stdout };
            String::from_utf8_lossy(&text)
                .lines()
                .next()
                .unwrap_or("?")
                .trim()
                .to_owned()
        })
        .unwrap_or_else(|| "?".to_owned())
}
