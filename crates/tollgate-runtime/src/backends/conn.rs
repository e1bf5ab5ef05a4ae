//! One HTTP/1 connection to a backend, driven by whichever task is using it.
//!
//! hyper's client runs each connection in a task of its own and hands requests, responses and body chunks to
//! it through channels: three task switches and their wake-ups per exchange, on the gateway's one core. Here
//! the request's own task writes the request and reads the answer straight from the socket.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use hyper::rt::{Read, ReadBuf, Write};
use hyper_rustls::MaybeHttpsStream;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

/// Whether a request went out whole.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Sent {
    All,
    /// The backend answered or closed before the rest could be written.
    Cut,
}

/// The transport: plain TCP or rustls over it.
pub(crate) type Io = MaybeHttpsStream<TokioIo<TcpStream>>;

/// Room for a typical answer's head and a first piece of body in one read.
const INITIAL_BUFFER: usize = 8 * 1024;

/// The longest response head accepted (hyper's default buffer limit is of the same order).
pub(crate) const MAX_HEAD: usize = 64 * 1024;

/// The read buffer grows up to this while large bodies stream (a read that fills it doubles it, as hyper's
/// adaptive buffer does), so a big body takes few reads; back in the pool, a grown buffer shrinks again.
const MAX_BUFFER: usize = 256 * 1024;

/// A connection and the bytes read from it but not yet consumed. Boxed: a TLS stream is over a kilobyte, and a
/// connection moves in and out of the pool and into response bodies on every request.
pub(crate) struct Conn(Box<Inner>);

struct Inner {
    io: Io,
    buf: Vec<u8>,
    start: usize,
    end: usize,
    /// The request head being written, kept for the next request.
    out: Vec<u8>,
}

impl std::fmt::Debug for Conn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Conn")
            .field("buffered", &self.buffered().len())
            .finish()
    }
}

impl Conn {
    pub(crate) fn new(io: Io) -> Conn {
        Conn(Box::new(Inner {
            io,
            buf: vec![0; INITIAL_BUFFER],
            start: 0,
            end: 0,
            out: Vec::new(),
        }))
    }

    /// The request head being written, kept from one request to the next.
    pub(crate) fn out(&mut self) -> &mut Vec<u8> {
        &mut self.0.out
    }

    /// What has been read and not consumed.
    pub(crate) fn buffered(&self) -> &[u8] {
        self.0.buf.get(self.0.start..self.0.end).unwrap_or_default()
    }

    /// Marks the first `count` buffered bytes consumed.
    pub(crate) fn consume(&mut self, count: usize) {
        self.0.start = (self.0.start + count).min(self.0.end);
        if self.0.start == self.0.end {
            self.0.start = 0;
            self.0.end = 0;
        }
    }

    /// Reads more from the socket after what is buffered. `Ready(Ok(0))` is the end of the stream.
    pub(crate) fn poll_fill(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        let inner = &mut *self.0;
        if inner.end == inner.buf.len() {
            if inner.start > 0 {
                inner.buf.copy_within(inner.start..inner.end, 0);
                inner.end -= inner.start;
                inner.start = 0;
            } else if inner.buf.len() < MAX_BUFFER {
                inner.buf.resize((inner.buf.len() * 2).min(MAX_BUFFER), 0);
            } else {
                return Poll::Ready(Err(io::Error::new(io::ErrorKind::InvalidData, "read buffer full")));
            }
        }
        let free = inner.buf.len() - inner.end;
        let mut read_buf = ReadBuf::new(inner.buf.get_mut(inner.end..).unwrap_or_default());
        match Pin::new(&mut inner.io).poll_read(cx, read_buf.unfilled()) {
            Poll::Ready(Ok(())) => {
                let count = read_buf.filled().len();
                inner.end += count;
                if count == free && inner.buf.len() < MAX_BUFFER {
                    inner.buf.resize((inner.buf.len() * 2).min(MAX_BUFFER), 0);
                }
                Poll::Ready(Ok(count))
            }
            Poll::Ready(Err(err)) => Poll::Ready(Err(err)),
            Poll::Pending => Poll::Pending,
        }
    }

    /// Back to the initial buffer after a large body, before the connection goes idle.
    pub(crate) fn settle(&mut self) {
        if self.0.buf.len() > MAX_HEAD && self.0.start == self.0.end {
            self.0.buf = vec![0; INITIAL_BUFFER];
            self.0.start = 0;
            self.0.end = 0;
        }
    }

    pub(crate) async fn fill(&mut self) -> io::Result<usize> {
        std::future::poll_fn(|cx| self.poll_fill(cx)).await
    }

    /// Writes all of `bytes`, unless the backend starts answering (or closes) while a write waits: a backend
    /// may answer before it has read the whole request, and then need not read the rest.
    pub(crate) async fn write_all(&mut self, mut bytes: &[u8]) -> io::Result<Sent> {
        while !bytes.is_empty() {
            let written = std::future::poll_fn(|cx| match Pin::new(&mut self.0.io).poll_write(cx, bytes) {
                Poll::Ready(written) => Poll::Ready(Some(written)),
                Poll::Pending => match self.poll_fill(cx) {
                    Poll::Pending => Poll::Pending,
                    // Bytes of an answer, the end of the stream or an error: reading the answer says which.
                    Poll::Ready(_) => Poll::Ready(None),
                },
            })
            .await;
            let Some(written) = written else {
                return Ok(Sent::Cut);
            };
            let written = written?;
            if written == 0 {
                return Err(io::ErrorKind::WriteZero.into());
            }
            bytes = bytes.get(written..).unwrap_or_default();
        }
        Ok(Sent::All)
    }

    /// Writes what is kept in `out` (and empties it), followed by `body`.
    pub(crate) async fn write_out(&mut self, body: &[u8]) -> io::Result<Sent> {
        let mut out = std::mem::take(&mut self.0.out);
        let written = self.write_all(&out).await;
        out.clear();
        self.0.out = out;
        match written? {
            Sent::All => self.write_all(body).await,
            Sent::Cut => Ok(Sent::Cut),
        }
    }

    pub(crate) async fn flush(&mut self) -> io::Result<()> {
        std::future::poll_fn(|cx| Pin::new(&mut self.0.io).poll_flush(cx)).await
    }

    /// Whether this idle connection can carry another request: nothing is left unread on it, and the backend
    /// has not closed it (a read that would block says so without waiting).
    pub(crate) fn is_reusable_when_idle(&mut self) -> bool {
        if self.0.start != self.0.end {
            return false;
        }
        let mut probe = [0u8; 1];
        let mut read_buf = ReadBuf::new(&mut probe);
        let mut cx = Context::from_waker(Waker::noop());
        // Ready means the end of the stream, an error, or bytes nobody asked for: unusable in every case.
        Pin::new(&mut self.0.io)
            .poll_read(&mut cx, read_buf.unfilled())
            .is_pending()
    }
}
