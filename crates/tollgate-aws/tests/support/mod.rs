//! A moto server (a local AWS) for the tests of one test binary: started on first use with the repository's
//! `.ci/start-moto`, shared by the tests that run at the same time, and stopped by PID when the last one drops it.
//! A watchdog shell loop also stops it if the test process dies without unwinding.

use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, Weak};

use tollgate_aws::{AwsClient, Credentials};

pub(crate) const REGION: &str = "us-east-1";
/// moto's default account.
pub(crate) const ACCOUNT: &str = "123456789012";

#[derive(Debug)]
pub(crate) struct Moto {
    pub(crate) endpoint: String,
    pid: u32,
    watchdog: Option<Child>,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = Command::new("kill").arg(self.pid.to_string()).status();
        // The watchdog sees moto gone within a second and exits.
        if let Some(mut watchdog) = self.watchdog.take() {
            let _ = watchdog.wait();
        }
    }
}

static SHARED: Mutex<Weak<Moto>> = Mutex::new(Weak::new());

/// The moto server of this test binary, started if no test holds it.
pub(crate) fn moto() -> Arc<Moto> {
    let mut shared = SHARED.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(moto) = shared.upgrade() {
        return moto;
    }
    let script = format!("{}/.ci/start-moto", env!("CARGO_WORKSPACE_DIR").trim_end_matches('/'));
    let output = Command::new(&script)
        .arg("0")
        .stderr(Stdio::inherit())
        .output()
        .expect("run .ci/start-moto");
    assert!(output.status.success(), "{script} failed");
    let stdout = String::from_utf8(output.stdout).unwrap();
    let field = |name: &str| {
        stdout
            .lines()
            .find_map(|line| line.strip_prefix(name))
            .unwrap_or_else(|| panic!("no {name} in start-moto output: {stdout}"))
            .to_owned()
    };
    let pid: u32 = field("pid=").parse().unwrap();
    let watchdog = format!(
        "while kill -0 {test} 2>/dev/null && kill -0 {pid} 2>/dev/null; do sleep 1; done; kill {pid} 2>/dev/null",
        test = std::process::id(),
    );
    let watchdog = Command::new("sh")
        .args(["-c", &watchdog])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the moto watchdog");
    let moto = Arc::new(Moto {
        endpoint: field("endpoint="),
        pid,
        watchdog: Some(watchdog),
    });
    *shared = Arc::downgrade(&moto);
    moto
}

/// Static test credentials: moto accepts any.
pub(crate) fn test_credentials() -> Credentials {
    Credentials::new("AKIDTOLLGATETEST", "tollgate-test-secret", None, None, "tests")
}

/// An [`AwsClient`] that sends every service to moto.
pub(crate) fn client(moto: &Moto) -> AwsClient {
    AwsClient::builder()
        .endpoint_url(&moto.endpoint)
        .credentials(test_credentials())
        .region(REGION)
        .build()
        .expect("client")
}

/// Creates an SQS queue with a name no other test uses; returns its name and URL.
pub(crate) async fn create_queue(aws: &AwsClient) -> (String, String) {
    let sqs = aws_sdk_sqs::Client::new(aws.sdk_config());
    let name = unique("q");
    let url = sqs
        .create_queue()
        .queue_name(&name)
        .send()
        .await
        .unwrap()
        .queue_url
        .unwrap();
    (name, url)
}

/// A name no other test uses.
pub(crate) fn unique(prefix: &str) -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!("{prefix}-{}-{nanos}", NEXT.fetch_add(1, Ordering::Relaxed))
}
