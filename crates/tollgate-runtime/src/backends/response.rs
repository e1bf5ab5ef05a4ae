//! A backend's response body, read from its connection as the consumer polls, which gives the connection back to
//! the pool the moment the last byte is read.
//!
//! HTTP/1 carries one exchange at a time: the connection is free for the next request only after this body's
//! last byte. A body dropped before its end leaves unread bytes on the connection, so the connection is closed
//! rather than pooled.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use tollgate_http1::Chunked;

use super::conn::Conn;
use super::head::BodyFraming;
use super::pool::{Origin, Pool};

/// Where a connection goes back to.
#[derive(Debug)]
pub(crate) struct Lease {
    pub(crate) pool: Arc<Pool>,
    pub(crate) origin: Arc<Origin>,
}

#[derive(Debug)]
enum State {
    Length(u64),
    Chunked(Chunked),
    UntilClose,
    Done,
}

/// A streamed backend body holding its connection until the end.
#[derive(Debug)]
pub(crate) struct PooledBody {
    conn: Option<Conn>,
    lease: Lease,
    state: State,
    /// Whether the connection may carry another request once this body is read.
    keep_alive: bool,
    /// The error that broke the body, reported on the poll after the one that found it.
    broken: Option<io::Error>,
}

impl PooledBody {
    pub(crate) fn new(conn: Conn, lease: Lease, framing: BodyFraming, keep_alive: bool) -> PooledBody {
        let state = match framing {
            BodyFraming::Empty => State::Done,
            BodyFraming::Length(length) => State::Length(length),
            BodyFraming::Chunked => State::Chunked(Chunked::default()),
            BodyFraming::UntilClose => State::UntilClose,
        };
        let mut body = PooledBody {
            conn: Some(conn),
            lease,
            state,
            keep_alive,
            broken: None,
        };
        // Bodiless answers (HEAD, 204, 304, `Content-Length: 0`) may never be polled.
        if matches!(body.state, State::Done) {
            body.finish();
        }
        body
    }

    /// The body is read: its connection goes back to the pool if it may carry another request.
    fn finish(&mut self) {
        self.state = State::Done;
        if let Some(mut conn) = self.conn.take()
            && self.keep_alive
        {
            conn.settle();
            self.lease.pool.put(&self.lease.origin, conn);
        }
    }

    /// The body broke: so did its connection. The error waits one poll: a consumer that buffers (hyper's
    /// server) writes out the bytes it already has when a poll is pending, so the client gets every byte the
    /// backend sent before the connection ends.
    fn fail(&mut self, err: io::Error, cx: &mut Context<'_>) -> Poll<Option<io::Result<Frame<Bytes>>>> {
        self.state = State::Done;
        self.conn = None;
        self.broken = Some(err);
        cx.waker().wake_by_ref();
        Poll::Pending
    }

    fn poll_data(&mut self, cx: &mut Context<'_>) -> Poll<Option<io::Result<Frame<Bytes>>>> {
        if let Some(err) = self.broken.take() {
            return Poll::Ready(Some(Err(err)));
        }
        loop {
            let Some(conn) = self.conn.as_mut() else {
                return Poll::Ready(None);
            };
            match &mut self.state {
                State::Done => return Poll::Ready(None),
                State::Length(remaining) => {
                    let buffered = conn.buffered();
                    if !buffered.is_empty() {
                        let take = buffered.len().min(usize::try_from(*remaining).unwrap_or(usize::MAX));
                        let data = Bytes::copy_from_slice(buffered.get(..take).unwrap_or_default());
                        conn.consume(take);
                        *remaining -= take as u64;
                        if *remaining == 0 {
                            self.finish();
                        }
                        return Poll::Ready(Some(Ok(Frame::data(data))));
                    }
                }
                State::Chunked(decoder) => {
                    let mut data = Vec::new();
                    match decoder.step(conn.buffered(), &mut data, usize::MAX) {
                        Ok(used) => conn.consume(used),
                        Err(_) => {
                            return self.fail(io::Error::new(io::ErrorKind::InvalidData, "invalid chunked body"), cx);
                        }
                    }
                    if *decoder == Chunked::Done {
                        self.finish();
                        return Poll::Ready((!data.is_empty()).then(|| Ok(Frame::data(Bytes::from(data)))));
                    }
                    if !data.is_empty() {
                        return Poll::Ready(Some(Ok(Frame::data(Bytes::from(data)))));
                    }
                }
                State::UntilClose => {
                    let buffered = conn.buffered();
                    if !buffered.is_empty() {
                        let data = Bytes::copy_from_slice(buffered);
                        let used = buffered.len();
                        conn.consume(used);
                        return Poll::Ready(Some(Ok(Frame::data(data))));
                    }
                }
            }
            match ready!(conn.poll_fill(cx)) {
                Ok(0) if matches!(self.state, State::UntilClose) => {
                    self.finish();
                    return Poll::Ready(None);
                }
                Ok(0) => {
                    return self.fail(
                        io::Error::new(
                            io::ErrorKind::UnexpectedEof,
                            "the backend closed the connection before the end of the body",
                        ),
                        cx,
                    );
                }
                Ok(_) => {}
                Err(err) => return self.fail(err, cx),
            }
        }
    }
}

impl Body for PooledBody {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<io::Result<Frame<Bytes>>>> {
        self.get_mut().poll_data(cx)
    }

    fn is_end_stream(&self) -> bool {
        matches!(self.state, State::Done) && self.broken.is_none()
    }

    fn size_hint(&self) -> SizeHint {
        match self.state {
            State::Length(remaining) => SizeHint::with_exact(remaining),
            State::Done => SizeHint::with_exact(0),
            _ => SizeHint::default(),
        }
    }
}
