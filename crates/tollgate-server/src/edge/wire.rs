//! The connection's bytes: one read buffer under the edge's read timeouts.
//!
//! [`WireIo::protocol`] looks at the connection's first bytes. An HTTP/1 connection is then served from this
//! buffer by `http1.rs` (heads found with [`WireIo::poll_head`], bodies read by `body.rs`); an HTTP/2 one (prior
//! knowledge) passes through it to hyper untouched.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use hyper::rt::{Read, ReadBufCursor, Write};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::time::{Instant, Sleep};

use super::head::{self, MAX_HEAD, Rejection, Scan};

const H2_PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
const INITIAL_BUFFER: usize = 8 * 1024;

/// What a connection speaks, from its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Protocol {
    Http1,
    /// HTTP/2 with prior knowledge (h2c): the preface came first.
    Http2,
}

/// A head at the start of the buffer.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Head {
    /// A complete head of this many bytes (terminator included).
    Complete(usize),
    /// A head already too large to accept.
    Rejected(Rejection),
}

/// The connection's read timeouts.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Timeouts {
    /// From a head's first byte to its end (slowloris).
    pub(crate) head: Duration,
    /// How long a keep-alive connection may wait for the next head with nothing in flight.
    pub(crate) idle: Duration,
}

/// A TCP connection with its read buffer; see the module docs.
#[derive(Debug)]
pub(crate) struct WireIo {
    stream: TcpStream,
    buf: Vec<u8>,
    start: usize,
    end: usize,
    timeouts: Timeouts,
    head_deadline: Option<Pin<Box<Sleep>>>,
    head_timer_armed: bool,
    /// The idle timer: armed once, and when it fires re-armed from the last activity unless the connection has
    /// really been idle that long. A request costs one clock read (in [`WireIo::answered`]), not a timer.
    idle_deadline: Option<Pin<Box<Sleep>>>,
    /// When the connection last finished an answer (or opened).
    last_active: Instant,
}

impl WireIo {
    pub(crate) fn new(stream: TcpStream, timeouts: Timeouts) -> Self {
        WireIo {
            stream,
            buf: vec![0; INITIAL_BUFFER],
            start: 0,
            end: 0,
            timeouts,
            head_deadline: None,
            head_timer_armed: false,
            idle_deadline: None,
            last_active: Instant::now(),
        }
    }

    /// The socket, for writing answers.
    pub(crate) fn stream(&mut self) -> &mut TcpStream {
        &mut self.stream
    }

    /// Bytes read and not yet consumed.
    pub(crate) fn buffered(&self) -> &[u8] {
        self.buf.get(self.start..self.end).unwrap_or_default()
    }

    /// Marks `count` buffered bytes as used.
    pub(crate) fn consume(&mut self, count: usize) {
        self.start = (self.start + count).min(self.end);
    }

    /// An answer was written: the idle time starts now.
    pub(crate) fn answered(&mut self) {
        self.last_active = Instant::now();
    }

    /// Whether the connection has waited for a head, with nothing buffered, for longer than the idle timeout.
    /// Otherwise keeps the timer registered, so that the task wakes when it passes. A registered timer keeps the
    /// task's waker (the same for the task's whole life), so it is polled again only once it has fired: between,
    /// a request costs one atomic load here.
    fn idle_expired(&mut self, cx: &mut Context<'_>) -> bool {
        let idle = self.timeouts.idle;
        let deadline = self.last_active + idle;
        let sleep = match self.idle_deadline.as_mut() {
            Some(sleep) if !sleep.is_elapsed() => return false,
            Some(sleep) => sleep,
            None => self.idle_deadline.insert(Box::pin(tokio::time::sleep_until(deadline))),
        };
        // Bounded: each turn either returns or moves the deadline later.
        for _ in 0..4 {
            if sleep.as_mut().poll(cx).is_pending() {
                return false;
            }
            let (deadline, now) = (self.last_active + idle, Instant::now());
            if now >= deadline {
                return true;
            }
            sleep.as_mut().reset(deadline);
        }
        false
    }

    /// Waits for the connection's first bytes and says which protocol they start (HTTP/2 with prior knowledge, or
    /// HTTP/1), under the same idle and head timeouts as any head. Nothing is consumed but empty lines.
    pub(crate) async fn protocol(&mut self) -> io::Result<Protocol> {
        std::future::poll_fn(|cx| {
            loop {
                self.skip_empty_lines();
                let bytes = self.buffered();
                if !bytes.is_empty() {
                    let sure = bytes.len().min(H2_PREFACE.len());
                    if H2_PREFACE.get(..sure) != bytes.get(..sure) {
                        return Poll::Ready(Ok(Protocol::Http1));
                    }
                    if sure == H2_PREFACE.len() {
                        return Poll::Ready(Ok(Protocol::Http2));
                    }
                    self.arm_head_timer();
                }
                if ready!(self.fill_for_head(cx))? == 0 {
                    return Poll::Ready(Err(io::ErrorKind::UnexpectedEof.into()));
                }
            }
        })
        .await
    }

    /// RFC 9112 §2.2: empty lines before a request line are ignored.
    fn skip_empty_lines(&mut self) {
        while let Some(b'\r' | b'\n') = self.buffered().first() {
            self.start += 1;
        }
    }

    /// Waits for the next request head. `Ready(Ok(None))` is the end of the connection before a complete head (the
    /// client closed, or the head or idle timeout passed: like hyper and nginx, the edge closes without an answer).
    pub(crate) fn poll_head(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<Option<Head>>> {
        loop {
            self.skip_empty_lines();
            let bytes = self.buffered();
            if !bytes.is_empty() {
                match head::scan(bytes) {
                    Scan::Complete(len) => {
                        self.head_timer_armed = false;
                        return Poll::Ready(Ok(Some(Head::Complete(len))));
                    }
                    Scan::Reject(rejection) => {
                        self.head_timer_armed = false;
                        return Poll::Ready(Ok(Some(Head::Rejected(rejection))));
                    }
                    // A stream of empty lines never arms the timer, but it never completes a head either: the idle
                    // timeout ends it.
                    Scan::Incomplete => self.arm_head_timer(),
                }
            }
            match ready!(self.fill_for_head(cx)) {
                Ok(0) => return Poll::Ready(Ok(None)),
                Ok(_) => {}
                Err(err) if err.kind() == io::ErrorKind::TimedOut => {
                    tracing::debug!(error = %err, "connection closed unanswered");
                    return Poll::Ready(Ok(None));
                }
                Err(err) => return Poll::Ready(Err(err)),
            }
        }
    }

    /// Reads from the socket into the buffer, with no timeout of its own (body reads have theirs).
    /// `Ready(Ok(0))` is the end of the stream.
    pub(crate) fn poll_fill(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
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
        ready!(Pin::new(&mut self.stream).poll_read(cx, &mut read_buf))?;
        let count = read_buf.filled().len();
        self.end += count;
        Poll::Ready(Ok(count))
    }

    /// [`WireIo::poll_fill`] while waiting for a head: under the head timeout once a head has started, under the
    /// idle timeout before.
    fn fill_for_head(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        if let Poll::Ready(read) = self.poll_fill(cx) {
            return Poll::Ready(read);
        }
        if self.head_timer_armed {
            if let Some(deadline) = self.head_deadline.as_mut()
                && deadline.as_mut().poll(cx).is_ready()
            {
                return Poll::Ready(Err(io::Error::new(io::ErrorKind::TimedOut, "request head timed out")));
            }
        } else if self.start == self.end && self.idle_expired(cx) {
            return Poll::Ready(Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "idle connection timed out",
            )));
        }
        Poll::Pending
    }

    fn arm_head_timer(&mut self) {
        if self.head_timer_armed {
            return;
        }
        let deadline = Instant::now() + self.timeouts.head;
        match self.head_deadline.as_mut() {
            Some(sleep) => sleep.as_mut().reset(deadline),
            None => self.head_deadline = Some(Box::pin(tokio::time::sleep_until(deadline))),
        }
        self.head_timer_armed = true;
    }
}

/// HTTP/2 (after [`WireIo::protocol`] found the preface): hyper reads the buffered bytes, then the socket.
impl Read for WireIo {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, mut cursor: ReadBufCursor<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.start == this.end {
            ready!(this.poll_fill(cx))?;
        }
        let count = cursor.remaining().min(this.end - this.start);
        if let Some(bytes) = this.buf.get(this.start..this.start + count) {
            cursor.put_slice(bytes);
        }
        this.start += count;
        Poll::Ready(Ok(()))
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
        Pin::new(&mut self.get_mut().stream).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_shutdown(cx)
    }
}
