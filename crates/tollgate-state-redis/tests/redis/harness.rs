//! A real `redis-server` on a free loopback port, started by the test and killed by its PID on drop. The binary
//! comes from `tests/setup-redis-server`, which installs Debian's package when it is missing.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// Longest wait for the server to start or stop: generous for a busy CI machine.
const PATIENCE: Duration = Duration::from_secs(20);

/// A running `redis-server --port N --save '' --appendonly no`.
pub(crate) struct RedisServer {
    child: Option<Child>,
    pub(crate) port: u16,
}

impl RedisServer {
    /// Starts a server on a free port.
    pub(crate) fn start() -> RedisServer {
        for _ in 0..5 {
            let port = free_port();
            if let Some(server) = RedisServer::try_start(port) {
                return server;
            }
        }
        panic!("redis-server did not start on any of 5 free ports");
    }

    /// Starts a server on `port` (after [`RedisServer::kill`], to restart it where clients look for it).
    pub(crate) fn start_on(port: u16) -> RedisServer {
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Some(server) = RedisServer::try_start(port) {
                return server;
            }
            assert!(
                Instant::now() < deadline,
                "redis-server did not start again on port {port}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn try_start(port: u16) -> Option<RedisServer> {
        let child = Command::new(redis_server())
            .args([
                "--port",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start redis-server");
        let mut server = RedisServer {
            child: Some(child),
            port,
        };
        let deadline = Instant::now() + PATIENCE;
        while Instant::now() < deadline {
            if server.ping() {
                if server.is_ours() {
                    return Some(server);
                }
                // A parallel test's server took this free port first: ours cannot bind it.
                server.kill();
                return None;
            }
            if let Some(child) = server.child.as_mut()
                && child.try_wait().ok().flatten().is_some()
            {
                // Exited: the port was taken after all.
                server.child = None;
                return None;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("redis-server on port {port} never answered PING");
    }

    pub(crate) fn url(&self, options: &str) -> String {
        format!("redis://127.0.0.1:{}/0?{options}", self.port)
    }

    pub(crate) fn pid(&self) -> u32 {
        self.child.as_ref().map_or(0, Child::id)
    }

    /// `PING` over a fresh connection answers `+PONG`.
    pub(crate) fn ping(&self) -> bool {
        self.command(&["PING"]).is_some_and(|reply| reply.starts_with("+PONG"))
    }

    /// Whether the server answering on the port is this one's child (`INFO server` names its process id): two
    /// tests may pick the same free port, and the second one's PING is then answered by the first one's server.
    fn is_ours(&self) -> bool {
        let pid = format!("process_id:{}\r\n", self.pid());
        self.command(&["INFO", "server"])
            .is_some_and(|info| info.contains(&pid))
    }

    /// Sends one command (RESP) and returns the raw reply text.
    pub(crate) fn command(&self, args: &[&str]) -> Option<String> {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).ok()?;
        stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
        let mut request = format!("*{}\r\n", args.len());
        for arg in args {
            request.push_str(&format!("${}\r\n{arg}\r\n", arg.len()));
        }
        stream.write_all(request.as_bytes()).ok()?;
        let mut reply = Vec::new();
        let mut buffer = [0u8; 4096];
        // One read is enough for the short replies the tests ask for; wait for the line end.
        while !reply.ends_with(b"\r\n") || incomplete_bulk(&reply) {
            let n = stream.read(&mut buffer).ok()?;
            if n == 0 {
                break;
            }
            reply.extend_from_slice(&buffer[..n]);
        }
        Some(String::from_utf8_lossy(&reply).into_owned())
    }

    /// An integer reply (`:N`), or a bulk string holding an integer.
    pub(crate) fn integer(&self, args: &[&str]) -> Option<i64> {
        let reply = self.command(args)?;
        let mut lines = reply.split("\r\n");
        let first = lines.next()?;
        if let Some(number) = first.strip_prefix(':') {
            return number.parse().ok();
        }
        if first.starts_with('$') && first != "$-1" {
            return lines.next()?.parse().ok();
        }
        None
    }

    /// Sends a signal to the server process by its PID (`STOP`, `CONT`).
    pub(crate) fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .arg(format!("-{name}"))
            .arg(self.pid().to_string())
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -{name} {}", self.pid());
    }

    /// Kills the server (SIGKILL by PID) and waits until it is gone.
    pub(crate) fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        // A stopped (SIGSTOP) server still dies of SIGKILL.
        self.kill();
    }
}

fn incomplete_bulk(reply: &[u8]) -> bool {
    let text = String::from_utf8_lossy(reply);
    let Some(length) = text.strip_prefix('$').and_then(|rest| rest.split("\r\n").next()) else {
        return false;
    };
    let Ok(length) = length.parse::<i64>() else {
        return false;
    };
    length >= 0 && reply.len() < text.find("\r\n").unwrap_or(0) + 2 + length as usize + 2
}

/// The `redis-server` binary, installed on first use by `tests/setup-redis-server` (once per test binary).
pub(crate) fn redis_server() -> &'static Path {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(|| {
        // Through the crates folder, so tollgate-server's end-to-end tests can share this file.
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tollgate-state-redis/tests/setup-redis-server");
        let output = Command::new(&script)
            .stderr(Stdio::inherit())
            .output()
            .unwrap_or_else(|err| panic!("run {}: {err}", script.display()));
        assert!(output.status.success(), "{} failed", script.display());
        PathBuf::from(String::from_utf8_lossy(&output.stdout).trim())
    })
}

fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    listener.local_addr().expect("local address").port()
}

/// A port nothing listens on (bound, then released).
pub(crate) fn dead_port() -> u16 {
    free_port()
}
