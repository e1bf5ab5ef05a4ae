//! The body types at the runtime's two edges: what the gateway answers with and what it sends to backends.

use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use http_body_util::BodyExt;
use http_body_util::combinators::UnsyncBoxBody;

/// Any error a body can fail with.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The body of a gateway response: bytes built by the gateway, or a backend's body streamed through
/// (HTTP_PROXY), never buffered whole.
#[derive(Debug)]
pub struct ResponseBody {
    kind: Kind,
}

/// The body of a request to a backend: bytes the gateway built (non-proxy), or the client's body streamed
/// through (HTTP_PROXY).
#[derive(Debug)]
pub struct RequestBody {
    kind: Kind,
}

/// What both bodies are: whole bytes (taken by the first poll), or a stream.
enum Kind {
    Full(Option<Bytes>),
    Stream(UnsyncBoxBody<Bytes, BoxError>),
}

impl std::fmt::Debug for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Kind::Full(bytes) => f
                .debug_tuple("Full")
                .field(&bytes.as_ref().map_or(0, Bytes::len))
                .finish(),
            Kind::Stream(_) => f.write_str("Stream"),
        }
    }
}

impl Kind {
    fn full(bytes: Bytes) -> Kind {
        Kind::Full((!bytes.is_empty()).then_some(bytes))
    }

    fn stream<B>(body: B) -> Kind
    where
        B: Body<Data = Bytes> + Send + 'static,
        B::Error: Into<BoxError>,
    {
        Kind::Stream(body.map_err(Into::into).boxed_unsync())
    }

    fn poll_frame(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        match self {
            Kind::Full(bytes) => Poll::Ready(bytes.take().map(|b| Ok(Frame::data(b)))),
            Kind::Stream(body) => Pin::new(body).poll_frame(cx),
        }
    }

    fn is_end_stream(&self) -> bool {
        match self {
            Kind::Full(bytes) => bytes.is_none(),
            Kind::Stream(body) => body.is_end_stream(),
        }
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            Kind::Full(bytes) => SizeHint::with_exact(bytes.as_ref().map_or(0, |b| b.len() as u64)),
            Kind::Stream(body) => body.size_hint(),
        }
    }
}

impl ResponseBody {
    /// A body of exactly these bytes.
    pub fn full(bytes: impl Into<Bytes>) -> ResponseBody {
        ResponseBody {
            kind: Kind::full(bytes.into()),
        }
    }

    /// An empty body.
    pub fn empty() -> ResponseBody {
        ResponseBody { kind: Kind::Full(None) }
    }

    /// A body streamed from another body (a backend's), frame by frame.
    pub fn stream<B>(body: B) -> ResponseBody
    where
        B: Body<Data = Bytes> + Send + 'static,
        B::Error: Into<BoxError>,
    {
        ResponseBody {
            kind: Kind::stream(body),
        }
    }

    /// The bytes, when the body is not a stream.
    pub fn as_bytes(&self) -> Option<&[u8]> {
        match &self.kind {
            Kind::Full(bytes) => Some(bytes.as_deref().unwrap_or(&[])),
            Kind::Stream(_) => None,
        }
    }

    /// Reads the whole body (tests and tools; the gateway itself never buffers a streamed body).
    pub async fn collect_bytes(self) -> Result<Bytes, BoxError> {
        Ok(self.collect().await?.to_bytes())
    }
}

impl RequestBody {
    /// A body of exactly these bytes.
    pub fn full(bytes: impl Into<Bytes>) -> RequestBody {
        RequestBody {
            kind: Kind::full(bytes.into()),
        }
    }

    /// An empty body.
    pub fn empty() -> RequestBody {
        RequestBody { kind: Kind::Full(None) }
    }

    /// A streamed body.
    pub fn stream<B>(body: B) -> RequestBody
    where
        B: Body<Data = Bytes> + Send + 'static,
        B::Error: Into<BoxError>,
    {
        RequestBody {
            kind: Kind::stream(body),
        }
    }
}

/// Both bodies are their kind.
macro_rules! body_of_kind {
    ($($body:ty),*) => {$(
        impl Body for $body {
            type Data = Bytes;
            type Error = BoxError;

            fn poll_frame(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
            ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
                self.get_mut().kind.poll_frame(cx)
            }

            fn is_end_stream(&self) -> bool {
                self.kind.is_end_stream()
            }

            fn size_hint(&self) -> SizeHint {
                self.kind.size_hint()
            }
        }
    )*};
}

body_of_kind!(ResponseBody, RequestBody);

/// Reads a body into memory, failing with `Err(None)` past `limit` bytes and `Err(Some(e))` on a body error.
pub(crate) async fn collect_limited<B>(body: B, limit: usize) -> Result<Bytes, Option<BoxError>>
where
    B: Body<Data = Bytes>,
    B::Error: Into<BoxError>,
{
    if body.size_hint().lower() > limit as u64 {
        return Err(None);
    }
    let limited = http_body_util::Limited::new(body, limit);
    match limited.collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(err) => {
            if err.is::<http_body_util::LengthLimitError>() {
                Err(None)
            } else {
                Err(Some(err))
            }
        }
    }
}
