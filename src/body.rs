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
    /// A big whole body in slices of [`SLICE_BYTES`] ([`ReplyBody::sliced`]), handed
    /// over one at a time: the connection asks for more only as it writes, so what the
    /// client has not read stays here, and with it its share of the unsent bytes
    /// (`limits::unsent_share`), given back a slice at a time as the connection takes
    /// them (a client reading at full speed frees it at once: ten downloads of a 10 MiB
    /// file at a time were refused when it went back only with the whole body), and all
    /// of it if the connection closes.
    Sliced {
        slices: std::collections::VecDeque<Bytes>,
        /// Bytes in `slices`.
        left: usize,
        place: tokio::sync::OwnedSemaphorePermit,
    },
    Streamed(mpsc::Receiver<Chunk>),
}

/// The most of a [`ReplyBody::Sliced`] body handed over at once.
const SLICE_BYTES: usize = 256 * 1024;

impl ReplyBody {
    pub fn whole(bytes: impl Into<Bytes>) -> ReplyBody {
        ReplyBody::Whole(Some(bytes.into()))
    }

    /// `body` copied into slices of their own, each freed once the connection has
    /// written it: slices of the one buffer kept all of it until the last was written, so
    /// a client that read half a 14 MB reply still cost the server 14 MB.
    pub fn sliced(body: &[u8], place: tokio::sync::OwnedSemaphorePermit) -> ReplyBody {
        ReplyBody::Sliced {
            slices: body
                .chunks(SLICE_BYTES)
                .map(Bytes::copy_from_slice)
                .collect(),
            left: body.len(),
            place,
        }
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
            ReplyBody::Sliced {
                slices,
                left,
                place,
            } => {
                let Some(slice) = slices.pop_front() else {
                    return Poll::Ready(None);
                };
                *left -= slice.len();
                // A body bigger than the whole allowance holds less than its length.
                drop(place.split(place.num_permits().saturating_sub(*left)));
                Poll::Ready(Some(Ok(Frame::data(slice))))
            }
            ReplyBody::Streamed(rx) => rx
                .poll_recv(cx)
                .map(|chunk| chunk.map(|c| c.map(Frame::data))),
        }
    }

    fn is_end_stream(&self) -> bool {
        match self {
            ReplyBody::Whole(bytes) => bytes.is_none(),
            ReplyBody::Sliced { slices, .. } => slices.is_empty(),
            ReplyBody::Streamed(_) => false,
        }
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            ReplyBody::Whole(Some(b)) => SizeHint::with_exact(b.len() as u64),
            ReplyBody::Whole(None) => SizeHint::with_exact(0),
            ReplyBody::Sliced { left, .. } => SizeHint::with_exact(*left as u64),
            ReplyBody::Streamed(_) => SizeHint::default(),
        }
    }
}
