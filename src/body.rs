//! Response bodies: whole, or streamed from a channel that a blocking thread fills as
//! it reads a long list, so that neither side holds the whole reply.

use bytes::Bytes;
use hyper::body::{Body, Frame, SizeHint};
use std::pin::Pin;
use std::task::{Context, Poll};
use tokio::sync::mpsc;

/// A chunk of a streamed body, or the reason it stopped early (the connection is then
/// cut, so the client sees an incomplete reply rather than a well-formed short one).
pub type Chunk = Result<Bytes, std::io::Error>;

pub enum ReplyBody {
    Whole(Option<Bytes>),
    Streamed(mpsc::Receiver<Chunk>),
}

impl ReplyBody {
    pub fn whole(bytes: impl Into<Bytes>) -> ReplyBody {
        ReplyBody::Whole(Some(bytes.into()))
    }
}

impl Body for ReplyBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        match self.get_mut() {
            ReplyBody::Whole(bytes) => Poll::Ready(bytes.take().map(|b| Ok(Frame::data(b)))),
            ReplyBody::Streamed(rx) => rx
                .poll_recv(cx)
                .map(|chunk| chunk.map(|c| c.map(Frame::data))),
        }
    }

    fn is_end_stream(&self) -> bool {
        matches!(self, ReplyBody::Whole(None))
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            ReplyBody::Whole(Some(b)) => SizeHint::with_exact(b.len() as u64),
            ReplyBody::Whole(None) => SizeHint::with_exact(0),
            ReplyBody::Streamed(_) => SizeHint::default(),
        }
    }
}
