//! The connection's IO as hyper sees it: every HTTP/1 request head passes through [`head::inspect`] first.
//!
//! `WireIo` buffers what the socket delivers and hands hyper one complete, checked head at a time, then the body
//! bytes that the head's framing says belong to it, then the next head. A head that breaks an edge rule never
//! reaches hyper: a marker request takes its place, the rejection waits in [`ConnShared`] for the service (which
//! answers it, in order, with `Connection: close`), and the connection reads nothing more. The same pass records
//! the original header names for the service. [`WireIo::protocol`] looks at the connection's first bytes
//! before hyper is chosen: an HTTP/2 connection (prior knowledge) then passes through untouched.

use std::collections::VecDeque;
use std::io;
use std::pin::Pin;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::task::{Context, Poll, ready};
use std::time::Duration;

use hyper::rt::{Read, ReadBufCursor, Write};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::time::{Instant, Sleep};

use super::chunked::Chunked;
use super::head::{self, Framing, MAX_HEAD, Rejection, Scan};

const H2_PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
/// What hyper parses in place of a rejected head; the service recognises it by the queued rejection, not by
/// its content, so the content only has to be a valid request without a body.
const MARKER_HEAD: &[u8] = b"GET / HTTP/1.1\r\nhost: rejected.invalid\r\n\r\n";
const INITIAL_BUFFER: usize = 8 * 1024;

/// What a connection speaks, from its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Protocol {
    Http1,
    /// HTTP/2 with prior knowledge (h2c): the preface came first.
    Http2,
}

/// What a head told the service: its original header names, or why it was refused.
pub(crate) type HeadVerdict = Result<tollgate_runtime::OriginalHeaderNames, Rejection>;

/// State shared by a connection's IO and its service.
#[derive(Debug, Default)]
pub(crate) struct ConnShared {
    heads: Mutex<VecDeque<HeadVerdict>>,
    framing_error: AtomicBool,
    /// Requests handed to the service and not yet answered.
    in_flight: AtomicUsize,
    /// Answers whose body is still being written (see [`Responding`]).
    responding: AtomicUsize,
}

impl ConnShared {
    /// The verdict on the oldest head hyper has not yet turned into a request (HTTP/1 only), and a guard to hold
    /// until that request is answered. From the moment a head is handed to hyper until then, the slow-head timer
    /// does not start for a pipelined head behind it: that head waits for the answer, not for a slow client.
    pub(crate) fn next_head(&self) -> Option<(HeadVerdict, Answering<'_>)> {
        let verdict = self.heads.lock().ok()?.pop_front()?;
        Some((verdict, Answering(self)))
    }

    /// Whether the body framing broke (the connection then ends after the current request).
    pub(crate) fn framing_failed(&self) -> bool {
        self.framing_error.load(Ordering::Relaxed)
    }

    fn push(&self, verdict: HeadVerdict) {
        if let Ok(mut heads) = self.heads.lock() {
            self.in_flight.fetch_add(1, Ordering::Relaxed);
            heads.push_back(verdict);
        }
    }
}

/// Counts an answer whose body is being written: while one is, the connection is not idle, however long the
/// body takes (hyper's own idle timer, too, ran only between answers).
#[derive(Debug)]
pub(crate) struct Responding(std::sync::Arc<ConnShared>);

impl Responding {
    pub(crate) fn new(shared: std::sync::Arc<ConnShared>) -> Responding {
        shared.responding.fetch_add(1, Ordering::Relaxed);
        Responding(shared)
    }
}

impl Drop for Responding {
    fn drop(&mut self) {
        self.0.responding.fetch_sub(1, Ordering::Relaxed);
    }
}

/// See [`ConnShared::next_head`].
#[derive(Debug)]
pub(crate) struct Answering<'a>(&'a ConnShared);

impl Drop for Answering<'_> {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}

#[derive(Debug)]
enum State {
    /// Waiting for a head (the first one only after [`WireIo::protocol`] has ruled out an HTTP/2 preface).
    Head,
    /// Handing hyper `remaining` bytes of a checked head from the buffer, then the body.
    Deliver { remaining: usize, framing: Framing },
    /// Handing hyper the marker head from `pos`.
    Marker { pos: usize },
    /// A body of this many more bytes.
    Length(u64),
    /// A chunked body.
    Chunked(Chunked),
    /// HTTP/2: bytes pass through.
    Passthrough,
    /// After a rejection: nothing more is read; hyper answers and closes.
    Stalled,
    /// After a framing error: hyper sees the end of the stream.
    Ended,
}

/// The connection's read timeouts.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Timeouts {
    /// From a head's first byte to its end (slowloris).
    pub(crate) head: Duration,
    /// How long a keep-alive connection may wait for the next head with nothing in flight.
    pub(crate) idle: Duration,
}

/// A TCP connection wrapped for hyper; see the module docs.
#[derive(Debug)]
pub(crate) struct WireIo {
    stream: TcpStream,
    buf: Vec<u8>,
    start: usize,
    end: usize,
    state: State,
    shared: std::sync::Arc<ConnShared>,
    timeouts: Timeouts,
    head_deadline: Option<Pin<Box<Sleep>>>,
    head_timer_armed: bool,
    /// The idle timer: armed once, and when it fires re-armed from the last activity unless the connection has
    /// really been idle that long. A request costs one clock read (in `poll_flush`), not a timer.
    idle_deadline: Option<Pin<Box<Sleep>>>,
    /// When the connection last flushed an answer (or opened).
    last_active: Instant,
}

impl WireIo {
    pub(crate) fn new(stream: TcpStream, shared: std::sync::Arc<ConnShared>, timeouts: Timeouts) -> Self {
        WireIo {
            stream,
            buf: vec![0; INITIAL_BUFFER],
            start: 0,
            end: 0,
            state: State::Head,
            shared,
            timeouts,
            head_deadline: None,
            head_timer_armed: false,
            idle_deadline: None,
            last_active: Instant::now(),
        }
    }

    /// Whether the connection has waited for a head, with nothing buffered and nothing in flight or being
    /// answered (`busy`), for longer than the idle timeout. Otherwise keeps the timer registered: hyper polls
    /// the reader only when woken, and after an answer nothing else may wake it.
    fn idle_expired(&mut self, cx: &mut Context<'_>, busy: bool) -> bool {
        let idle = self.timeouts.idle;
        let deadline = self.last_active + idle;
        let sleep = self
            .idle_deadline
            .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(deadline)));
        // Bounded: each turn either returns or moves the deadline later.
        for _ in 0..4 {
            if sleep.as_mut().poll(cx).is_pending() {
                return false;
            }
            let (deadline, now) = (self.last_active + idle, Instant::now());
            if !busy && now >= deadline {
                return true;
            }
            sleep.as_mut().reset(if deadline > now { deadline } else { now + idle });
        }
        false
    }

    /// Waits for the connection's first bytes and says which protocol they start (HTTP/2 with prior knowledge, or
    /// HTTP/1), under the same idle and head timeouts as any head. Nothing is consumed but empty lines.
    pub(crate) async fn protocol(&mut self) -> io::Result<Protocol> {
        std::future::poll_fn(|cx| {
            loop {
                while let Some(b'\r' | b'\n') = self.buffered().first() {
                    self.start += 1;
                }
                let bytes = self.buffered();
                if !bytes.is_empty() {
                    let sure = bytes.len().min(H2_PREFACE.len());
                    if H2_PREFACE.get(..sure) != bytes.get(..sure) {
                        return Poll::Ready(Ok(Protocol::Http1));
                    }
                    if sure == H2_PREFACE.len() {
                        self.state = State::Passthrough;
                        return Poll::Ready(Ok(Protocol::Http2));
                    }
                    self.arm_head_timer();
                }
                if ready!(self.fill(cx))? == 0 {
                    return Poll::Ready(Err(io::ErrorKind::UnexpectedEof.into()));
                }
            }
        })
        .await
    }

    fn buffered(&self) -> &[u8] {
        self.buf.get(self.start..self.end).unwrap_or_default()
    }

    /// Moves up to `limit` buffered bytes into hyper's buffer; returns how many.
    fn deliver(&mut self, cursor: &mut ReadBufCursor<'_>, limit: usize) -> usize {
        let count = limit.min(cursor.remaining()).min(self.end - self.start);
        if let Some(bytes) = self.buf.get(self.start..self.start + count) {
            cursor.put_slice(bytes);
        }
        self.start += count;
        count
    }

    /// Reads from the socket into the buffer. `Ready(Ok(0))` is the end of the stream.
    fn fill(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        } else if self.end == self.buf.len() {
            if self.start > 0 {
                self.buf.copy_within(self.start..self.end, 0);
                self.end -= self.start;
                self.start = 0;
            } else {
                // Only a head can fill the whole buffer; `head::scan` rejects it before it passes MAX_HEAD.
                let grown = (self.buf.len() * 2).min(MAX_HEAD + INITIAL_BUFFER);
                self.buf.resize(grown, 0);
            }
        }
        let mut read_buf = ReadBuf::new(self.buf.get_mut(self.end..).unwrap_or_default());
        match Pin::new(&mut self.stream).poll_read(cx, &mut read_buf) {
            Poll::Ready(Ok(())) => {
                let count = read_buf.filled().len();
                self.end += count;
                Poll::Ready(Ok(count))
            }
            Poll::Ready(Err(err)) => Poll::Ready(Err(err)),
            Poll::Pending => {
                if self.head_timer_armed
                    && let Some(deadline) = self.head_deadline.as_mut()
                    && deadline.as_mut().poll(cx).is_ready()
                {
                    // Slowloris: a head that started but did not finish in time. Like hyper and nginx, close
                    // without an answer.
                    return Poll::Ready(Err(io::Error::new(io::ErrorKind::TimedOut, "request head timed out")));
                }
                let busy = self.shared.in_flight.load(Ordering::Relaxed) > 0
                    || self.shared.responding.load(Ordering::Relaxed) > 0;
                if !self.head_timer_armed
                    && matches!(self.state, State::Head)
                    && self.start == self.end
                    && self.idle_expired(cx, busy)
                {
                    // Keep-alive idle timeout: close without an answer, as hyper does.
                    return Poll::Ready(Err(io::Error::new(
                        io::ErrorKind::TimedOut,
                        "idle connection timed out",
                    )));
                }
                Poll::Pending
            }
        }
    }

    fn arm_head_timer(&mut self) {
        if self.head_timer_armed || self.shared.in_flight.load(Ordering::Relaxed) > 0 {
            return;
        }
        let deadline = Instant::now() + self.timeouts.head;
        match self.head_deadline.as_mut() {
            Some(sleep) => sleep.as_mut().reset(deadline),
            None => self.head_deadline = Some(Box::pin(tokio::time::sleep_until(deadline))),
        }
        self.head_timer_armed = true;
    }

    /// Looks at the buffered bytes in `Head` state; returns the next state, or `None` when more bytes are needed.
    fn on_head_bytes(&mut self) -> Option<State> {
        // RFC 9112 §2.2: empty lines before a request line are ignored.
        while let Some(b'\r' | b'\n') = self.buffered().first() {
            self.start += 1;
        }
        let bytes = self.buffered();
        if bytes.is_empty() {
            return None;
        }
        let verdict = match head::scan(bytes) {
            Scan::Incomplete => return None,
            Scan::Reject(rejection) => Err(rejection),
            Scan::Complete(len) => head::inspect(bytes.get(..len)?).map(|inspected| (inspected, len)),
        };
        self.head_timer_armed = false;
        Some(match verdict {
            Ok((inspected, len)) => {
                self.shared
                    .push(Ok(tollgate_runtime::OriginalHeaderNames(inspected.names)));
                State::Deliver {
                    remaining: len,
                    framing: inspected.framing,
                }
            }
            Err(rejection) => {
                tracing::debug!(?rejection, "request head refused at the edge");
                self.shared.push(Err(rejection));
                State::Marker { pos: 0 }
            }
        })
    }
}

impl Read for WireIo {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, mut cursor: ReadBufCursor<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        loop {
            match this.state {
                State::Head => {
                    if let Some(next) = this.on_head_bytes() {
                        this.state = next;
                        continue;
                    }
                    if this.end > this.start {
                        this.arm_head_timer();
                    }
                    // The timer runs only while a head is incomplete (armed above once bytes wait). A stream of
                    // empty lines never arms it, but it never completes a head either: hyper's idle timeout ends it.
                    if ready!(this.fill(cx))? == 0 {
                        // End of stream: whatever partial head there was, hyper sees a closed connection.
                        return Poll::Ready(Ok(()));
                    }
                }
                State::Deliver { remaining, framing } => {
                    let count = this.deliver(&mut cursor, remaining);
                    let remaining = remaining - count;
                    this.state = match (remaining, framing) {
                        (0, Framing::Empty) => State::Head,
                        (0, Framing::Length(len)) => State::Length(len),
                        (0, Framing::Chunked) => State::Chunked(Chunked::default()),
                        (_, framing) => State::Deliver { remaining, framing },
                    };
                    return Poll::Ready(Ok(()));
                }
                State::Marker { pos } => {
                    let rest = MARKER_HEAD.get(pos..).unwrap_or_default();
                    let count = rest.len().min(cursor.remaining());
                    cursor.put_slice(rest.get(..count).unwrap_or_default());
                    this.state = if pos + count == MARKER_HEAD.len() {
                        State::Stalled
                    } else {
                        State::Marker { pos: pos + count }
                    };
                    return Poll::Ready(Ok(()));
                }
                State::Length(left) => {
                    if this.start == this.end && ready!(this.fill(cx))? == 0 {
                        return Poll::Ready(Ok(()));
                    }
                    let count = this.deliver(&mut cursor, usize::try_from(left).unwrap_or(usize::MAX));
                    let left = left - count as u64;
                    this.state = if left == 0 { State::Head } else { State::Length(left) };
                    return Poll::Ready(Ok(()));
                }
                State::Chunked(mut chunked) => {
                    if this.start == this.end && ready!(this.fill(cx))? == 0 {
                        return Poll::Ready(Ok(()));
                    }
                    let window = this.buffered().len().min(cursor.remaining());
                    let bytes = this.buffered().get(..window).unwrap_or_default();
                    match chunked.advance(bytes) {
                        Ok((used, done)) => {
                            this.deliver(&mut cursor, used);
                            this.state = if done { State::Head } else { State::Chunked(chunked) };
                        }
                        Err((used, _)) => {
                            tracing::debug!("chunked body framing error; ending the connection after this request");
                            this.shared.framing_error.store(true, Ordering::Relaxed);
                            this.deliver(&mut cursor, used);
                            this.state = State::Ended;
                        }
                    }
                    return Poll::Ready(Ok(()));
                }
                State::Passthrough => {
                    if this.start == this.end {
                        ready!(this.fill(cx))?;
                    }
                    this.deliver(&mut cursor, usize::MAX);
                    return Poll::Ready(Ok(()));
                }
                State::Stalled => return Poll::Pending,
                State::Ended => return Poll::Ready(Ok(())),
            }
        }
    }
}

impl Write for WireIo {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().stream).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        // hyper flushes after each answer: the idle time starts here.
        this.last_active = Instant::now();
        Pin::new(&mut this.stream).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_shutdown(cx)
    }
}
