//! Hot reload: the API file is polled for changes (and SIGHUP asks too); a changed file is imported and
//! compiled on the blocking pool and installed atomically; a broken one is reported and the last good
//! deployment keeps serving.
//!
//! Why polling and not inotify (`notify`): one `stat` every 500 ms costs nothing, needs no dependency, and sees
//! every way a file changes — in-place writes, editors' write-to-temp-and-rename, Kubernetes ConfigMap symlink
//! swaps, bind mounts — where inotify needs care for each (a rename replaces the watched inode).

use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use tokio::sync::{mpsc, watch};

use crate::admin::Health;
use crate::api;
use crate::cli::ApiArgs;

/// How often the file is looked at.
const POLL: Duration = Duration::from_millis(500);
/// After a change is seen, how long the file must stay unchanged before it is read (an editor may still be
/// writing it).
const SETTLE: Duration = Duration::from_millis(100);

/// What identifies a version of the file without reading it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Fingerprint {
    modified_ns: i128,
    len: u64,
    inode: u64,
    device: u64,
    /// The `--usage-plans` file's, folded in: a change to either file is a new version.
    usage_plans: Option<(i128, u64, u64, u64)>,
}

/// The file's fingerprint now; taken before the first load, so a change made while it loads is seen.
pub(crate) fn fingerprint(path: &Path) -> Option<Fingerprint> {
    // `metadata` follows symlinks, so a swapped ConfigMap link shows up as a new inode.
    let meta = std::fs::metadata(path).ok()?;
    Some(Fingerprint {
        modified_ns: i128::from(meta.mtime()) * 1_000_000_000 + i128::from(meta.mtime_nsec()),
        len: meta.len(),
        inode: meta.ino(),
        device: meta.dev(),
        usage_plans: None,
    })
}

/// The fingerprint of what `args` loads: the API file and, with `--usage-plans`, that file too.
pub(crate) fn watched(args: &ApiArgs) -> Option<Fingerprint> {
    let mut api = fingerprint(&args.file)?;
    if let Some(path) = &args.usage_plans {
        let plans = fingerprint(path)?;
        api.usage_plans = Some((plans.modified_ns, plans.len, plans.inode, plans.device));
    }
    Some(api)
}

/// Watches `args.file` (when `poll`) and listens for SIGHUP requests on `hangups` until `shutdown`. `loaded`
/// is the fingerprint of the version being served.
pub(crate) async fn run(
    args: ApiArgs,
    health: Arc<Health>,
    (poll, loaded): (bool, Option<Fingerprint>),
    mut hangups: mpsc::Receiver<()>,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut last = loaded;
    let mut ticker = tokio::time::interval(POLL);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let reason = tokio::select! {
            _ = crate::edge::stop_requested(&mut shutdown) => return,
            _ = ticker.tick(), if poll => {
                let now = watched(&args);
                // A missing file is a rename in progress or a mistake: keep serving and look again later.
                if now.is_none() || now == last {
                    continue;
                }
                tokio::time::sleep(SETTLE).await;
                let settled = watched(&args);
                if settled != now {
                    continue;
                }
                last = settled;
                "file changed"
            }
            Some(()) = hangups.recv() => {
                last = watched(&args);
                "SIGHUP"
            }
        };
        reload(&args, &health, reason).await;
    }
}

/// Imports and compiles on the blocking pool, then installs, or reports and keeps the current deployment.
pub(crate) async fn reload(args: &ApiArgs, health: &Health, reason: &str) {
    let file = api::display_name(args);
    let loading = args.clone();
    let result = match tokio::task::spawn_blocking(move || api::load(&loading)).await {
        Ok(result) => result,
        Err(err) => {
            tracing::error!(error = %err, "reload task failed; still serving the current deployment");
            health.reload_failures.fetch_add(1, Ordering::Relaxed);
            return;
        }
    };
    match result {
        Ok(compiled) => {
            if !compiled.warnings.is_empty() {
                eprint!("{}", compiled.warnings);
            }
            let version = health.gateway.install(compiled.deployment);
            tracing::info!(%file, reason, version, "reloaded");
        }
        Err(report) => {
            health.reload_failures.fetch_add(1, Ordering::Relaxed);
            eprint!("{}", report.text);
            tracing::error!(
                reason,
                version = health.gateway.version(),
                "reload failed ({}); still serving the last good deployment",
                report.summary(&file)
            );
        }
    }
}
