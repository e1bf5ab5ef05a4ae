//! Init failures, shutdown and drop: no process is left behind.

use std::time::Duration;

use tollgate_lambda_host::{FunctionConfig, InvokeError};

use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_runtime_that_exits_during_init_is_a_runtime_exit_error() {
    let host = host(vec![FunctionConfig::new("dies", "echo starting; exit 3")]);
    let invocation = invoke(&host, "dies", "{}").await;
    assert_eq!(invocation.error_type.as_deref(), Some("Runtime.ExitError"));
    let expected = format!(
        r#"{{"errorType":"Runtime.ExitError","errorMessage":"RequestId: {} Error: Runtime exited with error: exit status 3"}}"#,
        invocation.request_id
    );
    assert_eq!(invocation.payload, expected.as_bytes());
    // Every invocation gets its own attempt, and its own answer.
    let again = invoke(&host, "dies", "{}").await;
    assert_eq!(again.error_type.as_deref(), Some("Runtime.ExitError"));
    assert!(eventually(Duration::from_secs(5), || host.status("dies").unwrap().processes == 0).await);
    host.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_runtime_that_never_polls_is_killed_after_the_init_timeout() {
    let dir = TempDir::new("init-timeout");
    let pid_file = dir.0.join("pid");
    let mut config = FunctionConfig::new("silent", format!("echo $$ > '{}'; exec sleep 60", pid_file.display()));
    config.init_timeout = Duration::from_millis(500);
    let host = host(vec![config]);
    let invocation = invoke(&host, "silent", "{}").await;
    assert_eq!(
        invocation.error_type.as_deref(),
        Some("Sandbox.Timedout"),
        "{invocation:?}"
    );
    let pid: u64 = std::fs::read_to_string(&pid_file).unwrap().trim().parse().unwrap();
    assert!(eventually(Duration::from_secs(5), || process_gone(pid)).await);
    host.shutdown().await;
}

/// A command whose runtime starts a background child first; both must die with the host.
fn with_child(name: &str, dir: &TempDir) -> FunctionConfig {
    let child_file = dir.0.join(format!("{name}.child"));
    FunctionConfig::new(
        name,
        format!(
            "sleep 300 & echo $! > '{}'; exec {}",
            child_file.display(),
            shell_quote(rust_echo())
        ),
    )
}

fn child_pid(dir: &TempDir, name: &str) -> u64 {
    std::fs::read_to_string(dir.0.join(format!("{name}.child")))
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_leaves_no_process_behind() {
    let dir = TempDir::new("shutdown");
    let mut parallel = with_child("parallel", &dir);
    parallel.max_concurrency = 2;
    let host = host(vec![with_child("group", &dir), parallel]);
    let runtime = pid_of(&host, "group").await;
    let child = child_pid(&dir, "group");
    assert!(!process_gone(runtime) && !process_gone(child));
    // Two busy processes of another function, and one invocation left waiting in the queue.
    let mut calls = Vec::new();
    for _ in 0..3 {
        let host = host.clone();
        calls.push(tokio::spawn(async move {
            host.invoke("parallel", request(r#"{"action":"sleep","ms":20000}"#))
                .await
        }));
    }
    assert!(eventually(WAIT, || host.status("parallel").unwrap().processes == 2).await);
    host.shutdown().await;
    assert!(process_gone(runtime), "the runtime survived shutdown");
    // The group got SIGKILL before shutdown returned; the grandchild (not ours to reap) dies when the kernel next
    // schedules it, which a busy machine can delay by a moment.
    assert!(
        eventually(Duration::from_secs(5), || process_gone(child)).await,
        "the runtime's child survived shutdown"
    );
    for call in calls {
        let outcome = call.await.unwrap();
        assert_eq!(outcome, Err(InvokeError::ShuttingDown));
    }
    assert_eq!(
        host.invoke("group", request("{}")).await,
        Err(InvokeError::ShuttingDown)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_the_host_kills_its_processes() {
    let dir = TempDir::new("drop");
    let host = host(vec![with_child("dropped", &dir)]);
    let runtime = pid_of(&host, "dropped").await;
    let child = child_pid(&dir, "dropped");
    drop(host);
    assert!(eventually(Duration::from_secs(5), || process_gone(runtime) && process_gone(child)).await);
}
