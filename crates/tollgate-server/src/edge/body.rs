//! Reads an HTTP/1 request body whole (API Gateway buffers it too), within AWS's payload limit and the edge's
//! body timeouts.

use std::future::poll_fn;
use std::io;
use std::time::Duration;

use bytes::{BufMut, Bytes, BytesMut};
use tokio::io::AsyncReadExt;
use tokio::time::Instant;

use super::chunked::Chunked;
use super::head::{Framing, MAX_BODY, Rejection};
use super::wire::WireIo;

/// The body timeouts of one request.
#[derive(Debug, Clone, Copy)]
struct BodyTimeouts {
    /// Longest wait between two pieces.
    between: Duration,
    /// When the whole body must be in.
    deadline: Instant,
}

impl BodyTimeouts {
    /// From now: a bodiless request (most of them) never reads the clock for this.
    fn start(between: Duration, total: Duration) -> BodyTimeouts {
        BodyTimeouts {
            between,
            deadline: Instant::now() + total,
        }
    }

    fn next_wait(&self) -> Instant {
        (Instant::now() + self.between).min(self.deadline)
    }
}

/// Reads the body that `framing` announces. Any error leaves the connection unusable (the caller answers and
/// closes).
/// `between` is the longest wait between two pieces, `total` the time the whole body may take.
pub(crate) async fn read(
    io: &mut WireIo,
    framing: Framing,
    between: Duration,
    total: Duration,
) -> Result<Bytes, Rejection> {
    match framing {
        Framing::Empty => Ok(Bytes::new()),
        Framing::Length(len) => read_length(io, len, BodyTimeouts::start(between, total)).await,
        Framing::Chunked => read_chunked(io, BodyTimeouts::start(between, total)).await,
    }
}

async fn read_length(io: &mut WireIo, len: u64, timeouts: BodyTimeouts) -> Result<Bytes, Rejection> {
    // `head::inspect` refused lengths over MAX_BODY, so this fits in memory by the payload limit.
    let len = usize::try_from(len).map_err(|_| Rejection::PayloadTooLarge)?;
    if let Some(body) = io.buffered().get(..len) {
        let body = Bytes::copy_from_slice(body);
        io.consume(len);
        return Ok(body);
    }
    let mut body = BytesMut::with_capacity(len);
    body.extend_from_slice(io.buffered());
    io.consume(body.len());
    // The rest goes straight from the socket into the body, never past its end (a pipelined head may follow).
    while body.len() < len {
        let want = len - body.len();
        let mut limited = (&mut body).limit(want);
        let read = tokio::time::timeout_at(timeouts.next_wait(), io.stream().read_buf(&mut limited));
        match read.await {
            Err(_elapsed) => return Err(Rejection::BodyTimeout),
            Ok(Ok(0)) | Ok(Err(_)) => return Err(Rejection::BadRequest("request body ended early")),
            Ok(Ok(_)) => {}
        }
    }
    Ok(body.freeze())
}

async fn read_chunked(io: &mut WireIo, timeouts: BodyTimeouts) -> Result<Bytes, Rejection> {
    let mut chunked = Chunked::default();
    let mut body = BytesMut::new();
    loop {
        let mut total = body.len() as u64;
        let decoded = chunked.decode(io.buffered(), |data| {
            total += data.len() as u64;
            if total <= MAX_BODY {
                body.extend_from_slice(data);
            }
        });
        if total > MAX_BODY {
            return Err(Rejection::PayloadTooLarge);
        }
        match decoded {
            Ok((used, done)) => {
                io.consume(used);
                if done {
                    return Ok(body.freeze());
                }
            }
            Err(_) => {
                tracing::debug!("chunked body framing error");
                return Err(Rejection::BadRequest("chunked framing"));
            }
        }
        match tokio::time::timeout_at(timeouts.next_wait(), poll_fn(|cx| io.poll_fill(cx))).await {
            Err(_elapsed) => return Err(Rejection::BodyTimeout),
            Ok(Ok(0)) => return Err(Rejection::BadRequest("request body ended early")),
            Ok(Err(err)) => return Err(read_error(&err)),
            Ok(Ok(_)) => {}
        }
    }
}

fn read_error(err: &io::Error) -> Rejection {
    tracing::debug!(error = %err, "reading a request body failed");
    Rejection::BadRequest("request body ended early or was malformed")
}
