//! A `tollgate serve` process pointed at moto through the standard AWS environment, and an HTTP client for it.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{HeaderMap, Method, Request, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

/// Longest wait for the gateway to start or stop.
const PATIENCE: Duration = Duration::from_secs(30);
pub(crate) const STAGE: &str = "test";

pub(crate) fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// A running `tollgate serve`, stopped by PID on drop.
pub(crate) struct Gateway {
    child: Child,
    pub(crate) base: String,
    stderr: Arc<Mutex<String>>,
    client: Client<HttpConnector, Full<Bytes>>,
}

/// What the gateway answered.
#[derive(Debug)]
pub(crate) struct Answer {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
}

impl Answer {
    pub(crate) fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub(crate) fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.text()))
    }

    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

impl Gateway {
    /// Starts `tollgate serve API --stage test --port 0` with the AWS environment `env` (on top of an environment
    /// cleared of AWS_* settings, so the developer's own profile never leaks in) and `stage_variables`.
    pub(crate) fn start(api: &str, env: &[(&str, &str)], stage_variables: &[(&str, &str)]) -> Gateway {
        let mut command = Command::new(env!("CARGO_BIN_EXE_tollgate"));
        command
            .arg("serve")
            .arg(fixture(api))
            .args(["--stage", STAGE, "--port", "0", "--no-watch"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (name, _) in std::env::vars() {
            if name.starts_with("AWS_") {
                command.env_remove(name);
            }
        }
        // No shared files or instance metadata: everything comes from `env`.
        command
            .env("AWS_CONFIG_FILE", "/dev/null")
            .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
            .env("AWS_EC2_METADATA_DISABLED", "true");
        for (name, value) in env {
            command.env(name, value);
        }
        for (name, value) in stage_variables {
            command.arg("--stage-variable").arg(format!("{name}={value}"));
        }
        let mut child = command.spawn().expect("start tollgate");
        let stderr = Arc::new(Mutex::new(String::new()));
        let err = child.stderr.take().unwrap();
        let collected = Arc::clone(&stderr);
        std::thread::spawn(move || {
            for line in BufReader::new(err).lines().map_while(Result::ok) {
                let mut text = collected.lock().unwrap();
                text.push_str(&line);
                text.push('\n');
            }
        });
        let (lines, serving) = mpsc::channel();
        let out = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                if line.starts_with("tollgate: serving ") {
                    let _ = lines.send(line);
                }
            }
        });
        let mut client = HttpConnector::new();
        client.set_nodelay(true);
        let mut gateway = Gateway {
            child,
            base: String::new(),
            stderr,
            client: Client::builder(TokioExecutor::new())
                .pool_max_idle_per_host(64)
                .build(client),
        };
        let line = serving.recv_timeout(PATIENCE).unwrap_or_else(|_| {
            panic!("tollgate did not start; stderr:\n{}", gateway.stderr());
        });
        let url = line.split_whitespace().last().unwrap().trim_end_matches('/').to_owned();
        let addr: SocketAddr = url
            .trim_start_matches("http://")
            .split('/')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        gateway.base = format!("http://{addr}/{STAGE}");
        gateway
    }

    pub(crate) fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// One request: `path` below the stage, with `headers` and `body`.
    pub(crate) async fn send(&self, method: Method, path: &str, headers: &[(&str, &str)], body: &str) -> Answer {
        let mut request = Request::builder().method(method).uri(format!("{}{path}", self.base));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let request = request.body(Full::new(Bytes::from(body.to_owned()))).unwrap();
        let response = self
            .client
            .request(request)
            .await
            .unwrap_or_else(|e| panic!("{path}: {e}; gateway stderr:\n{}", self.stderr()));
        let (parts, body) = response.into_parts();
        Answer {
            status: parts.status,
            headers: parts.headers,
            body: body.collect().await.unwrap().to_bytes(),
        }
    }

    pub(crate) async fn post_json(&self, path: &str, body: &str) -> Answer {
        self.send(Method::POST, path, &[("Content-Type", "application/json")], body)
            .await
    }

    pub(crate) async fn post_text(&self, path: &str, body: &str) -> Answer {
        self.send(
            Method::POST,
            path,
            &[("Content-Type", "text/plain; charset=utf-8")],
            body,
        )
        .await
    }
}

impl Drop for Gateway {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = Command::new("kill")
                .arg("-TERM")
                .arg(self.child.id().to_string())
                .status();
            let deadline = Instant::now() + Duration::from_secs(5);
            while self.child.try_wait().ok().flatten().is_none() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
