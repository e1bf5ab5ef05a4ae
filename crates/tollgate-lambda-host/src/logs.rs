//! A function's stdout and stderr, line by line, as `tracing` events tagged with the function name and the
//! request id of the invocation in progress (as Lambda tags CloudWatch lines). One line is one event, so lines
//! of the two streams, and of different processes, never interleave mid-line.

use std::sync::Arc;

use tokio::io::{AsyncBufReadExt as _, AsyncRead, BufReader};

use crate::process::Process;

/// A longer line is cut into events of this size (Lambda cuts CloudWatch events at 256 KiB).
const MAX_LINE: usize = 256 * 1024;

/// Reads `reader` to its end, one event per line.
pub(crate) async fn pump<R: AsyncRead + Unpin>(reader: R, stream: &'static str, process: Arc<Process>) {
    let mut reader = BufReader::with_capacity(64 * 1024, reader);
    let mut line = Vec::with_capacity(256);
    while let Ok(buffer) = reader.fill_buf().await {
        if buffer.is_empty() {
            break;
        }
        let (take, complete) = match buffer.iter().position(|&b| b == b'\n') {
            Some(newline) => (newline + 1, true),
            None => (buffer.len(), false),
        };
        let room = MAX_LINE - line.len();
        let take = take.min(room);
        line.extend_from_slice(&buffer[..take]);
        reader.consume(take);
        if complete && line.last() == Some(&b'\n') || line.len() >= MAX_LINE {
            emit(&line, stream, &process);
            line.clear();
        }
    }
    if !line.is_empty() {
        emit(&line, stream, &process);
    }
}

fn emit(line: &[u8], stream: &'static str, process: &Process) {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let text = String::from_utf8_lossy(line);
    let request_id = process.log_request_id();
    tracing::info!(
        target: "tollgate_lambda_host::function",
        function = process.function(),
        request_id = request_id.as_deref().unwrap_or(""),
        stream,
        "{text}"
    );
}
