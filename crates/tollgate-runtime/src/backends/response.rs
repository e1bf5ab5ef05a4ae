//! A backend's response body that gives its connection back to the pool once the body has been read to its end.
//!
//! HTTP/1 carries one exchange at a time: the connection is free for the next request only after this body's
//! last byte. A body dropped before its end leaves unread bytes on the connection, so the connection is dropped
//! (hyper closes it) rather than pooled.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use hyper::body::Incoming;

use super::pool::{Origin, Pool, Sender};

/// The connection a response arrived on, on its way back to the pool.
pub(crate) struct Lease {
    pub(crate) pool: Arc<Pool>,
    pub(crate) origin: Arc<Origin>,
    pub(crate) sender: Sender,
}

/// A streamed backend body holding its connection until the end.
pub(crate) struct PooledBody {
    body: Incoming,
    lease: Option<Lease>,
}

impl PooledBody {
    pub(crate) fn new(body: Incoming, lease: Lease) -> PooledBody {
        let mut body = PooledBody {
            body,
            lease: Some(lease),
        };
        // Bodiless answers (HEAD, 204, 304, `Content-Length: 0`) may never be polled.
        if body.body.is_end_stream() {
            body.release();
        }
        body
    }

    fn release(&mut self) {
        if let Some(lease) = self.lease.take() {
            lease.pool.put(&lease.origin, lease.sender);
        }
    }
}

impl Body for PooledBody {
    type Data = Bytes;
    type Error = hyper::Error;

    fn poll_frame(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, hyper::Error>>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.body).poll_frame(cx);
        match &polled {
            Poll::Ready(None) => this.release(),
            Poll::Ready(Some(Ok(_))) if this.body.is_end_stream() => this.release(),
            // A broken body means a broken connection.
            Poll::Ready(Some(Err(_))) => this.lease = None,
            _ => {}
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

impl Drop for PooledBody {
    fn drop(&mut self) {
        // Read to its end without the final poll (a consumer that trusts `Content-Length`): still reusable.
        if self.body.is_end_stream() {
            self.release();
        }
    }
}
