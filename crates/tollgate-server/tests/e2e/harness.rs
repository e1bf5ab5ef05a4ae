//! Starting and stopping the `tollgate` binary.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Longest wait for anything the server should do promptly (start, answer, exit): generous for slow CI.
pub(crate) const PATIENCE: Duration = Duration::from_secs(20);

pub(crate) fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_tollgate")
}

/// A loopback address nobody listens on, held for as long as the returned socket lives (bound, never listening), so
/// no parallel test can take the port in between: connections to it are refused.
pub(crate) fn refused_address() -> (tokio::net::TcpSocket, std::net::SocketAddr) {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind(([127, 0, 0, 1], 0).into()).unwrap();
    let address = socket.local_addr().unwrap();
    (socket, address)
}

pub(crate) fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

/// A scratch directory, removed on drop.
pub(crate) struct Scratch(pub(crate) PathBuf);

impl Scratch {
    pub(crate) fn new(test: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("tollgate-e2e-{test}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    pub(crate) fn file(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A running `tollgate serve`.
pub(crate) struct Server {
    child: Child,
    /// The API listener.
    pub(crate) addr: SocketAddr,
    /// The admin listener.
    pub(crate) admin: SocketAddr,
    stdout: mpsc::Receiver<String>,
    stderr: Arc<Mutex<String>>,
    /// Says (by closing) that stderr reached its end: everything the process wrote has been collected.
    stderr_done: mpsc::Receiver<()>,
}

impl Server {
    /// Starts `tollgate serve API --port 0 --admin-port 0 EXTRA...` and waits for both URLs.
    pub(crate) fn start(api: &Path, extra: &[&str]) -> Server {
        Server::start_with_env(api, extra, &[])
    }

    /// [`Server::start`] with these environment variables set for the server.
    pub(crate) fn start_with_env(api: &Path, extra: &[&str], env: &[(&str, &str)]) -> Server {
        let mut child = Command::new(bin())
            .arg("serve")
            .arg(api)
            .args(["--port", "0", "--admin-port", "0"])
            .args(extra)
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start tollgate");
        let (lines, stdout) = mpsc::channel();
        let out = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                if lines.send(line).is_err() {
                    break;
                }
            }
        });
        let stderr = Arc::new(Mutex::new(String::new()));
        let err = child.stderr.take().unwrap();
        let collected = Arc::clone(&stderr);
        let (done, stderr_done) = mpsc::channel::<()>();
        std::thread::spawn(move || {
            for line in BufReader::new(err).lines().map_while(Result::ok) {
                let mut text = collected.lock().unwrap();
                text.push_str(&line);
                text.push('\n');
            }
            drop(done);
        });
        let mut server = Server {
            child,
            addr: "0.0.0.0:0".parse().unwrap(),
            admin: "0.0.0.0:0".parse().unwrap(),
            stdout,
            stderr,
            stderr_done,
        };
        let serving = server.stdout_line(|line| line.starts_with("tollgate: serving "));
        server.addr = address_in(&serving);
        let health = server.stdout_line(|line| line.starts_with("tollgate: health at "));
        server.admin = address_in(&health);
        server
    }

    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The next stdout line that matches (earlier ones are skipped).
    pub(crate) fn stdout_line(&mut self, wanted: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.stdout.recv_timeout(left) {
                Ok(line) if wanted(&line) => return line,
                Ok(_) => {}
                Err(_) => panic!(
                    "no matching stdout line within {PATIENCE:?}; stderr:\n{}",
                    self.stderr()
                ),
            }
        }
    }

    pub(crate) fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// Waits until stderr contains `text`.
    pub(crate) fn wait_stderr(&self, text: &str) {
        let deadline = Instant::now() + PATIENCE;
        while !self.stderr().contains(text) {
            assert!(
                Instant::now() < deadline,
                "stderr never showed {text:?}:\n{}",
                self.stderr()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub(crate) fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .arg(format!("-{name}"))
            .arg(self.pid().to_string())
            .status()
            .unwrap();
        assert!(status.success(), "kill -{name} failed");
    }

    /// Waits for the process to exit on its own.
    pub(crate) fn wait(&mut self) -> ExitStatus {
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                // The reader may still hold the last lines the process wrote; let it reach the end of the pipe
                // (bounded: a child process of the server could keep the pipe open).
                let _ = self.stderr_done.recv_timeout(Duration::from_secs(5));
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "tollgate did not exit; stderr:\n{}",
                self.stderr()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// `GET /healthz` on the admin listener: the body.
    pub(crate) fn health(&self) -> String {
        let mut conn = crate::raw::RawConn::connect(self.admin);
        conn.send(b"GET /healthz HTTP/1.1\r\nHost: admin\r\n\r\n");
        let response = conn.response().expect("healthz answer");
        assert_eq!(response.status, 200);
        response.body_text()
    }

    /// The deployment version `/healthz` reports.
    pub(crate) fn version(&self) -> u64 {
        let body = self.health();
        let rest = body.split("\"deploymentVersion\":").nth(1).expect("deploymentVersion");
        rest.split(|c: char| !c.is_ascii_digit())
            .next()
            .unwrap()
            .parse()
            .unwrap()
    }

    /// Waits until `/healthz` reports at least `version`.
    pub(crate) fn wait_version(&self, version: u64) {
        let deadline = Instant::now() + PATIENCE;
        while self.version() < version {
            assert!(
                Instant::now() < deadline,
                "version {version} never installed; stderr:\n{}",
                self.stderr()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// One request on a fresh connection.
    pub(crate) fn request(&self, raw: &[u8]) -> crate::raw::RawResponse {
        let mut conn = crate::raw::RawConn::connect(self.addr);
        conn.send(raw);
        conn.response().expect("an answer")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = Command::new("kill").arg("-TERM").arg(self.pid().to_string()).status();
            let deadline = Instant::now() + Duration::from_secs(5);
            while self.child.try_wait().ok().flatten().is_none() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn address_in(line: &str) -> SocketAddr {
    let start = line.find("http://").expect("a URL") + "http://".len();
    let rest = &line[start..];
    let end = rest.find('/').unwrap_or(rest.len());
    rest[..end].parse().unwrap_or_else(|_| panic!("no address in {line:?}"))
}

/// Runs `tollgate ARGS...` to completion: (exit code, stdout, stderr).
pub(crate) fn run(args: &[&std::ffi::OsStr]) -> (i32, String, String) {
    let mut child = Command::new(bin())
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + PATIENCE;
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("tollgate {args:?} did not finish");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let output = child.wait_with_output().unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}
