//! Shared test helpers: the function binaries, a host, polling with a bound, captured logs.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use serde_json::Value;
use tollgate_lambda_host::{FunctionConfig, FunctionHost, HostOptions, Invocation, InvokeRequest};

/// How long a test waits for an invocation.
pub(crate) const WAIT: Duration = Duration::from_secs(30);

/// The `rust_echo` example (built by `cargo test`, which builds examples; built here if missing).
pub(crate) fn rust_echo() -> &'static Path {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(|| {
        let exe = std::env::current_exe().unwrap();
        let profile_dir = exe.parent().unwrap().parent().unwrap();
        let path = profile_dir.join("examples").join("rust_echo");
        if !path.is_file() {
            let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
            let status = Command::new(cargo)
                .args(["build", "-p", "tollgate-lambda-host", "--example", "rust_echo"])
                .status()
                .unwrap();
            assert!(status.success(), "building the rust_echo example failed");
        }
        assert!(path.is_file(), "{} is missing", path.display());
        path
    })
}

/// The virtualenv python with awslambdaric, installed on first use.
pub(crate) fn python() -> &'static str {
    static PYTHON: OnceLock<String> = OnceLock::new();
    PYTHON.get_or_init(|| {
        let script = functions_dir().join("python/setup-awslambdaric");
        let output = Command::new(script).output().unwrap();
        assert!(
            output.status.success(),
            "setup-awslambdaric failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).unwrap().trim().to_owned()
    })
}

pub(crate) fn functions_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/functions")
}

/// A Rust echo function named `name`.
pub(crate) fn rust_function(name: &str) -> FunctionConfig {
    FunctionConfig::new(name, shell_quote(rust_echo()))
}

pub(crate) fn shell_quote(path: &Path) -> String {
    format!("'{}'", path.display().to_string().replace('\'', "'\\''"))
}

pub(crate) fn host(functions: Vec<FunctionConfig>) -> FunctionHost {
    capture_logs();
    FunctionHost::start(functions, HostOptions::default()).unwrap()
}

pub(crate) fn request(payload: &str) -> InvokeRequest {
    InvokeRequest::new(payload.to_owned(), WAIT)
}

pub(crate) async fn invoke(host: &FunctionHost, name: &str, payload: &str) -> Invocation {
    host.invoke(name, request(payload)).await.unwrap()
}

pub(crate) fn json(invocation: &Invocation) -> Value {
    serde_json::from_slice(&invocation.payload)
        .unwrap_or_else(|e| panic!("{e}: {:?}", String::from_utf8_lossy(&invocation.payload)))
}

/// The pid a function reports for an `info` invocation.
pub(crate) async fn pid_of(host: &FunctionHost, name: &str) -> u64 {
    let invocation = invoke(host, name, r#"{"action":"info"}"#).await;
    assert_eq!(invocation.function_error, None, "{invocation:?}");
    json(&invocation)["pid"].as_u64().unwrap()
}

/// Polls `condition` every 20 ms for at most `limit`.
pub(crate) async fn eventually(limit: Duration, mut condition: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if condition() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    condition()
}

/// Is process `pid` gone (or a zombie nobody will schedule again)?
pub(crate) fn process_gone(pid: u64) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => {
            let state = stat
                .rsplit(')')
                .next()
                .unwrap_or("")
                .split_whitespace()
                .next()
                .unwrap_or("");
            state == "Z" || state == "X"
        }
    }
}

/// Every log line the host emitted, formatted, shared by all tests of this binary.
pub(crate) fn captured_logs() -> String {
    let buffer = capture_logs();
    let bytes = buffer.lock().unwrap();
    String::from_utf8_lossy(&bytes).into_owned()
}

fn capture_logs() -> Arc<Mutex<Vec<u8>>> {
    static BUFFER: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    BUFFER
        .get_or_init(|| {
            let buffer = Arc::new(Mutex::new(Vec::new()));
            let writer = Arc::clone(&buffer);
            let subscriber = tracing_subscriber::fmt()
                .with_max_level(tracing::Level::INFO)
                .with_ansi(false)
                .with_writer(move || Capture(Arc::clone(&writer)))
                .finish();
            let _ = tracing::subscriber::set_global_default(subscriber);
            buffer
        })
        .clone()
}

struct Capture(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Capture {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        let mut buffer = self.0.lock().unwrap();
        // Bounded: tests log little, but never let the buffer grow without limit.
        if buffer.len() < 16 * 1024 * 1024 {
            std::io::Write::write_all(&mut *buffer, bytes)?;
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A scratch directory removed at drop.
pub(crate) struct TempDir(pub(crate) PathBuf);

impl TempDir {
    pub(crate) fn new(tag: &str) -> TempDir {
        static COUNTER: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("tollgate-lambda-host-{tag}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
