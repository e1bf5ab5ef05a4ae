//! The access-log sink: the runtime renders each line on the request's task and hands it here; a dedicated
//! thread writes lines to stdout through a buffer. The request path never blocks on stdout: when the queue is
//! full (stdout piped to something slow), lines are dropped and counted.

use std::io::Write;
use std::os::fd::AsFd;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, SyncSender, TrySendError};
use std::time::Duration;

use tollgate_runtime::AccessLogSink;

/// The API Gateway console's example formats, by the names the console gives them (AWS developer guide,
/// "CloudWatch log formats for API Gateway", `set-up-logging.md`), joined on one line as AWS requires.
const PRESETS: [(&str, &str); 4] = [
    (
        "clf",
        "$context.identity.sourceIp $context.identity.caller $context.identity.user [$context.requestTime] \
         \"$context.httpMethod $context.resourcePath $context.protocol\" $context.status $context.responseLength \
         $context.requestId",
    ),
    (
        "json",
        "{ \"requestId\":\"$context.requestId\", \"ip\": \"$context.identity.sourceIp\", \
         \"caller\":\"$context.identity.caller\", \"user\":\"$context.identity.user\", \
         \"requestTime\":\"$context.requestTime\", \"httpMethod\":\"$context.httpMethod\", \
         \"resourcePath\":\"$context.resourcePath\", \"status\":\"$context.status\", \
         \"protocol\":\"$context.protocol\", \"responseLength\":\"$context.responseLength\" }",
    ),
    (
        "xml",
        "<request id=\"$context.requestId\"> <ip>$context.identity.sourceIp</ip> \
         <caller>$context.identity.caller</caller> <user>$context.identity.user</user> \
         <requestTime>$context.requestTime</requestTime> <httpMethod>$context.httpMethod</httpMethod> \
         <resourcePath>$context.resourcePath</resourcePath> <status>$context.status</status> \
         <protocol>$context.protocol</protocol> <responseLength>$context.responseLength</responseLength> </request>",
    ),
    (
        "csv",
        "$context.identity.sourceIp,$context.identity.caller,$context.identity.user,$context.requestTime,\
         $context.httpMethod,$context.resourcePath,$context.protocol,$context.status,$context.responseLength,\
         $context.requestId",
    ),
];

/// `--access-log-format` takes a format, or the name of one of the console's examples (`clf`, `json`, `xml`,
/// `csv`, any case).
pub(crate) fn format_text(argument: &str) -> &str {
    PRESETS
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(argument))
        .map_or(argument, |(_, format)| format)
}

/// Lines waiting for the writer before new ones are dropped.
const QUEUE: usize = 65_536;

enum Message {
    Line(String),
    Flush(mpsc::Sender<()>),
}

/// Writes access-log lines to stdout from a background thread.
#[derive(Debug)]
pub(crate) struct StdoutSink {
    queue: SyncSender<Message>,
    dropped: AtomicU64,
}

impl std::fmt::Debug for Message {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Message::Line(_) => "Line",
            Message::Flush(_) => "Flush",
        })
    }
}

impl StdoutSink {
    /// Starts the writer thread.
    pub(crate) fn start() -> std::io::Result<StdoutSink> {
        let (queue, lines) = mpsc::sync_channel(QUEUE);
        std::thread::Builder::new()
            .name("access-log".to_owned())
            .spawn(move || write_lines(&lines))?;
        Ok(StdoutSink {
            queue,
            dropped: AtomicU64::new(0),
        })
    }

    /// Waits (up to `limit`) until every line written so far is on stdout.
    pub(crate) fn flush(&self, limit: Duration) {
        let (done, wait) = mpsc::channel();
        if self.queue.send(Message::Flush(done)).is_ok() {
            let _ = wait.recv_timeout(limit);
        }
        let dropped = self.dropped.load(Ordering::Relaxed);
        if dropped > 0 {
            tracing::warn!(
                dropped,
                "access-log lines were dropped because stdout could not keep up"
            );
        }
    }
}

impl AccessLogSink for StdoutSink {
    fn write(&self, line: String) {
        match self.queue.try_send(Message::Line(line)) {
            Ok(()) => {}
            Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => {
                self.dropped.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
}

fn write_lines(queue: &Receiver<Message>) {
    // A duplicate of stdout's descriptor: std's `Stdout` flushes at every newline (a syscall per line) and its
    // lock would block the rest of the program's output.
    let Ok(fd) = std::io::stdout().as_fd().try_clone_to_owned() else {
        return;
    };
    let mut out = std::io::BufWriter::with_capacity(64 * 1024, std::fs::File::from(fd));
    while let Ok(first) = queue.recv() {
        let mut next = Some(first);
        // Write everything already queued, then flush once: one syscall per burst, not per line.
        while let Some(message) = next.take().or_else(|| queue.try_recv().ok()) {
            match message {
                Message::Line(mut line) => {
                    // One write per line, so the buffer only ever holds whole lines.
                    line.push('\n');
                    let _ = out.write_all(line.as_bytes());
                }
                Message::Flush(done) => {
                    let _ = out.flush();
                    let _ = done.send(());
                }
            }
        }
        let _ = out.flush();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_are_valid_runtime_formats() {
        for (name, format) in PRESETS {
            assert!(
                !format.contains("  "),
                "{name}: the line continuations left double spaces"
            );
            assert!(
                tollgate_runtime::AccessLogFormat::parse(format).is_ok(),
                "{name}: {format}"
            );
        }
        assert_eq!(format_text("CLF"), PRESETS[0].1);
        assert_eq!(format_text("$context.requestId"), "$context.requestId");
    }
}
