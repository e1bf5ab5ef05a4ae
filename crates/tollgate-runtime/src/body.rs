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
    if body.is_end_stream() {
        return Ok(Bytes::new());
    }
    let mut body = std::pin::pin!(body);
    let mut joined = FrameJoiner::default();
    while let Some(frame) = http_body_util::BodyExt::frame(&mut body).await {
        let frame = frame.map_err(|err| Some(err.into()))?;
        let Ok(data) = frame.into_data() else {
            continue; // Trailers: nothing reads them.
        };
        if joined.len().saturating_add(data.len()) > limit {
            return Err(None);
        }
        joined.push(data);
    }
    Ok(joined.finish())
}

/// Joins a body's data frames into one `Bytes`. A body already in memory (the edge reads it whole) is one frame:
/// it is kept as it is, not copied; more frames are copied into one buffer.
#[derive(Debug, Default)]
pub struct FrameJoiner {
    single: Option<Bytes>,
    joined: bytes::BytesMut,
    len: usize,
}

impl FrameJoiner {
    /// Adds the next frame's data.
    pub fn push(&mut self, data: Bytes) {
        self.len += data.len();
        match self.single.take() {
            None if self.joined.is_empty() => self.single = Some(data),
            Some(first) => {
                self.joined.extend_from_slice(&first);
                self.joined.extend_from_slice(&data);
            }
            None => self.joined.extend_from_slice(&data),
        }
    }

    /// The bytes pushed so far.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether nothing (or only empty frames) was pushed.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The whole body.
    pub fn finish(self) -> Bytes {
        self.single.unwrap_or_else(|| self.joined.freeze())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(body: ResponseBody, limit: usize) -> Result<Bytes, Option<BoxError>> {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(collect_limited(body, limit))
    }

    /// Ready frames with no size hint.
    struct Pieces(std::collections::VecDeque<Bytes>);

    impl Body for Pieces {
        type Data = Bytes;
        type Error = std::convert::Infallible;

        fn poll_frame(
            self: Pin<&mut Self>,
            _cx: &mut Context<'_>,
        ) -> Poll<Option<Result<Frame<Bytes>, std::convert::Infallible>>> {
            Poll::Ready(self.get_mut().0.pop_front().map(|piece| Ok(Frame::data(piece))))
        }
    }

    fn streamed(pieces: &[&'static str]) -> ResponseBody {
        ResponseBody::stream(Pieces(
            pieces
                .iter()
                .map(|piece| Bytes::from_static(piece.as_bytes()))
                .collect(),
        ))
    }

    #[test]
    fn one_frame_is_kept_as_it_is() {
        let bytes = Bytes::from_static(b"the whole body");
        let collected = collect(ResponseBody::full(bytes.clone()), 100).unwrap();
        assert_eq!(collected, bytes);
        assert_eq!(collected.as_ptr(), bytes.as_ptr(), "not copied");
        assert_eq!(collect(ResponseBody::empty(), 0).unwrap(), Bytes::new());
    }

    #[test]
    fn frames_are_joined_within_the_limit() {
        assert_eq!(
            collect(streamed(&["ab", "", "cd", "e"]), 5).unwrap(),
            Bytes::from_static(b"abcde")
        );
        assert!(matches!(collect(streamed(&["ab", "cd", "ef"]), 5), Err(None)));
        assert!(matches!(collect(ResponseBody::full("123456"), 5), Err(None)));
    }
}
