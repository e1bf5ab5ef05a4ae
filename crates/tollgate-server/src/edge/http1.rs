//! An HTTP/1.1 connection served by the edge itself: a head checked and parsed once (`head.rs`), the body read
//! whole (`body.rs`), the handler, and the answer written in as few writes as it takes (`encode.rs` writes the
//! head exactly as hyper's server did). Requests on a connection are answered one at a time, in order; pipelined
//! heads wait in the read buffer.

use std::future::{Future, poll_fn};
use std::io::{self, IoSlice};
use std::net::SocketAddr;
use std::pin::{Pin, pin};
use std::task::Poll;
use std::time::SystemTime;

use bytes::{Buf, Bytes};
use http::header::{CONNECTION, HeaderValue};
use http::{Method, Request, Response, Version};
use http_body::Body;
use tokio::io::AsyncWriteExt;
use tokio::sync::watch;
use tollgate_runtime::{Arrival, OriginalHeaderNames};

use super::body;
use super::encode::{self, BodyLength, Exchange, Framing};
use super::head::{self, Framing as RequestFraming, Rejection};
use super::wire::{Head, WireIo};
use super::{EdgeConfig, Handler, reply};

/// Body pieces up to this size are copied next to the head (or the chunk line) so that one write carries both;
/// larger ones are written from where they are.
const COPY_LIMIT: usize = 16 * 1024;
const CONTINUE: &[u8] = b"HTTP/1.1 100 Continue\r\n\r\n";

/// Serves HTTP/1 requests on `io` until the client closes, a request or answer ends the connection, or `stop`
/// turns true (an idle connection then closes at once; one in the middle of an exchange finishes its answer,
/// with `connection: close`).
pub(crate) async fn serve<H: Handler>(
    io: &mut WireIo,
    handler: &H,
    config: &EdgeConfig,
    remote: SocketAddr,
    stop: watch::Receiver<bool>,
) {
    let stopping = stop.clone();
    // One waiter for the connection's whole life. It is polled once to register the task's waker (the same for
    // the task's life); after that only when the channel says something changed, which is one atomic load.
    let mut stopped = pin!(async move {
        let mut stop = stop;
        super::stop_requested(&mut stop).await;
    });
    let mut stop_registered = false;
    let mut out = Vec::with_capacity(1024);
    loop {
        let next = poll_fn(|cx| {
            if let Poll::Ready(head) = io.poll_head(cx) {
                return Poll::Ready(head);
            }
            if (!stop_registered || stopping.has_changed().unwrap_or(true)) && stopped.as_mut().poll(cx).is_ready() {
                return Poll::Ready(Ok(None));
            }
            stop_registered = true;
            Poll::Pending
        })
        .await;
        let len = match next {
            Ok(Some(Head::Complete(len))) => len,
            Ok(Some(Head::Rejected(rejection))) => return refuse(io, handler, rejection, &mut out).await,
            Ok(None) => return,
            Err(err) => {
                tracing::debug!(error = %err, %remote, "connection ended with an error");
                return;
            }
        };
        let received_at = SystemTime::now();
        let inspected = head::inspect(io.buffered().get(..len).unwrap_or_default());
        io.consume(len);
        let inspected = match inspected {
            Ok(inspected) => inspected,
            Err(rejection) => {
                tracing::debug!(?rejection, "request head refused at the edge");
                return refuse(io, handler, rejection, &mut out).await;
            }
        };
        let (parts, ()) = inspected.request.into_parts();
        if inspected.expect_continue
            && inspected.framing != RequestFraming::Empty
            && parts.version == Version::HTTP_11
            && io.stream().write_all(CONTINUE).await.is_err()
        {
            return;
        }
        let body = match body::read(io, inspected.framing, config.body_timeout, config.body_deadline).await {
            Ok(body) => body,
            Err(rejection) => {
                tracing::debug!(?rejection, "request body refused at the edge");
                return refuse(io, handler, rejection, &mut out).await;
            }
        };
        let exchange = Exchange {
            head: parts.method == Method::HEAD,
            http10: parts.version == Version::HTTP_10,
            keep_alive: inspected.keep_alive,
        };
        // One span per request; at DEBUG so that the default `info` filter costs a cached callsite check only.
        let span = tracing::debug_span!("request", method = %parts.method, path = parts.uri.path());
        let arrival = Arrival {
            peer: Some(remote),
            received_at: Some(received_at),
            original_names: Some(OriginalHeaderNames::from_head(inspected.head)),
        };
        let handling = pin!(handler.handle(Request::from_parts(parts, body), arrival));
        let written = match super::catch_panic(handling, &span).await {
            Ok(response) => write(io, response, still_open(exchange, &stopping), &mut out).await,
            Err(_) => {
                tracing::error!("the gateway panicked while handling a request; answered 500");
                write(io, reply::internal_error(), still_open(exchange, &stopping), &mut out).await
            }
        };
        match written {
            Ok(true) => io.answered(),
            Ok(false) => return close(io).await,
            Err(err) => {
                tracing::debug!(error = %err, %remote, "writing an answer failed");
                return;
            }
        }
    }
}

/// The exchange, with keep-alive off once the server is stopping.
fn still_open(exchange: Exchange, stopping: &watch::Receiver<bool>) -> Exchange {
    Exchange {
        keep_alive: exchange.keep_alive && !*stopping.borrow(),
        ..exchange
    }
}

/// Answers a request the edge refused, and closes: after a framing problem the bytes that follow cannot be trusted
/// to start a request.
async fn refuse<H: Handler>(io: &mut WireIo, handler: &H, rejection: Rejection, out: &mut Vec<u8>) {
    let exchange = Exchange {
        head: false,
        http10: false,
        keep_alive: false,
    };
    let written = match handler.rejection(rejection) {
        Some(mut response) => {
            response
                .headers_mut()
                .insert(CONNECTION, HeaderValue::from_static("close"));
            write(io, response, exchange, out).await
        }
        None => write(io, reply::rejection(rejection, Version::HTTP_11), exchange, out).await,
    };
    if written.is_ok() {
        close(io).await;
    }
}

/// Ends the connection after its last answer: the write side is shut first, so the client reads the answer and
/// then the end of the stream.
async fn close(io: &mut WireIo) {
    let _ = io.stream().shutdown().await;
}

/// Writes one answer. `Ok(true)`: the connection may carry another request.
async fn write<B>(io: &mut WireIo, response: Response<B>, exchange: Exchange, out: &mut Vec<u8>) -> io::Result<bool>
where
    B: Body<Data = Bytes> + Unpin,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let (mut parts, mut body) = response.into_parts();
    let length = if body.is_end_stream() {
        BodyLength::None
    } else {
        body.size_hint().exact().map_or(BodyLength::Unknown, BodyLength::Known)
    };
    out.clear();
    let Ok(encoded) = encode::head(out, &mut parts, length, exchange) else {
        tracing::warn!("the answer's own headers contradict its framing; connection closed unanswered");
        return Ok(false);
    };
    let mut remaining = match encoded.framing {
        Framing::Length(0) => {
            io.stream().write_all(out).await?;
            return Ok(!encoded.last);
        }
        Framing::Length(len) => Some(len),
        Framing::Chunked | Framing::CloseDelimited => None,
    };
    let chunked = encoded.framing == Framing::Chunked;
    loop {
        // Whatever is ready is written together; the socket is written only when the body has to wait.
        let ready = poll_fn(|cx| {
            Poll::Ready(match Pin::new(&mut body).poll_frame(cx) {
                Poll::Ready(frame) => Some(Step::of(frame)),
                Poll::Pending => None,
            })
        })
        .await;
        let step = match ready {
            Some(step) => step,
            None => {
                flush(io, out).await?;
                poll_fn(|cx| Pin::new(&mut body).poll_frame(cx).map(Step::of)).await
            }
        };
        let data = match step {
            Step::End => break,
            Step::Failed => {
                flush(io, out).await?;
                return Ok(false);
            }
            Step::Skip => continue,
            Step::Data(data) => data,
        };
        if !data.has_remaining() {
            continue;
        }
        let data = match remaining.as_mut() {
            Some(left) => {
                let take = usize::try_from(*left).unwrap_or(usize::MAX).min(data.len());
                *left -= take as u64;
                data.slice(..take)
            }
            None => data,
        };
        if chunked {
            chunk_size_line(out, data.len());
        }
        if data.len() <= COPY_LIMIT {
            out.extend_from_slice(&data);
        } else {
            write_two(io, out, &data).await?;
            out.clear();
        }
        if chunked {
            out.extend_from_slice(b"\r\n");
        }
        if remaining == Some(0) || body.is_end_stream() {
            break;
        }
    }
    if chunked {
        out.extend_from_slice(b"0\r\n\r\n");
    }
    flush(io, out).await?;
    if remaining.is_some_and(|left| left > 0) {
        tracing::debug!("the answer's body ended before its length; connection closed");
        return Ok(false);
    }
    Ok(!encoded.last)
}

/// One frame of an answer's body, without the body's error type (which need not be `Send`).
enum Step {
    Data(Bytes),
    /// Trailers: nothing the gateway answers declares them.
    Skip,
    End,
    /// The body failed: the connection closes after what was sent.
    Failed,
}

impl Step {
    fn of<E: Into<Box<dyn std::error::Error + Send + Sync>>>(
        frame: Option<Result<http_body::Frame<Bytes>, E>>,
    ) -> Step {
        match frame {
            None => Step::End,
            Some(Err(err)) => {
                let err: Box<dyn std::error::Error + Send + Sync> = err.into();
                tracing::debug!(error = %err, "the answer's body failed; connection closed after what was sent");
                Step::Failed
            }
            Some(Ok(frame)) => frame.into_data().map_or(Step::Skip, Step::Data),
        }
    }
}

async fn flush(io: &mut WireIo, out: &mut Vec<u8>) -> io::Result<()> {
    if !out.is_empty() {
        io.stream().write_all(out).await?;
        out.clear();
    }
    Ok(())
}

/// Writes `first` then `second`, with vectored writes.
async fn write_two(io: &mut WireIo, first: &[u8], second: &[u8]) -> io::Result<()> {
    let (mut first, mut second) = (first, second);
    while !first.is_empty() {
        let slices = [IoSlice::new(first), IoSlice::new(second)];
        let written = io.stream().write_vectored(&slices).await?;
        if written == 0 {
            return Err(io::ErrorKind::WriteZero.into());
        }
        let from_first = written.min(first.len());
        first = first.get(from_first..).unwrap_or_default();
        second = second.get(written - from_first..).unwrap_or_default();
    }
    io.stream().write_all(second).await
}

/// `{size:X}\r\n`, as hyper writes chunk sizes (uppercase hex).
fn chunk_size_line(out: &mut Vec<u8>, size: usize) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let digits = (usize::BITS - size.leading_zeros()).div_ceil(4).max(1);
    for shift in (0..digits).rev() {
        out.push(HEX.get((size >> (shift * 4)) & 0xF).copied().unwrap_or(b'0'));
    }
    out.extend_from_slice(b"\r\n");
}

#[cfg(test)]
mod tests {
    #[test]
    fn chunk_size_lines_are_uppercase_hex() {
        for (size, line) in [
            (0, "0\r\n"),
            (1, "1\r\n"),
            (255, "FF\r\n"),
            (4096, "1000\r\n"),
            (0xABCDE, "ABCDE\r\n"),
        ] {
            let mut out = Vec::new();
            super::chunk_size_line(&mut out, size);
            assert_eq!(out, line.as_bytes());
        }
    }
}
