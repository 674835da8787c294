//! Request bodies sent compressed, with `Content-Encoding: gzip` or `deflate`.
//!
//! PHP's `SoapClient` compresses its requests when its `compression` option carries a
//! level (`SOAP_COMPRESSION_GZIP | 5`), and Python's `xmlrpc.client` does past its
//! transport's `encode_threshold`. PHP's `SoapServer`, which the real SOAP API runs on,
//! takes both codings; read as they came, the compressed bytes were refused as "not
//! UTF-8". A body is decoded within the body limit, so a few kilobytes that inflate to
//! gigabytes are refused as too large once they pass it.

use super::pipeline::BodyError;
use hyper::header::{CONTENT_ENCODING, HeaderMap};
use std::io::Read;

/// The codings a request body may come in, as a 415's `Accept-Encoding` names them.
pub const ACCEPTED_CODINGS: &str = "gzip, deflate, identity";

/// How a request body was compressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyCoding {
    Identity,
    Gzip,
    /// RFC 9110's `deflate`: zlib's format; a raw deflate stream (which some clients
    /// send under this name) is taken too.
    Deflate,
}

impl BodyCoding {
    /// The request's coding from its `Content-Encoding`; a coding the server does not
    /// know, or more than one, is refused before the body is read.
    pub fn of(headers: &HeaderMap) -> Result<BodyCoding, BodyError> {
        let mut coding = BodyCoding::Identity;
        for value in headers.get_all(CONTENT_ENCODING) {
            let value = value
                .to_str()
                .map_err(|_| BodyError::UnsupportedCoding("(not text)".into()))?;
            for name in value.split(',').map(str::trim).filter(|n| !n.is_empty()) {
                let this = match name.to_ascii_lowercase().as_str() {
                    "identity" => continue,
                    "gzip" | "x-gzip" => BodyCoding::Gzip,
                    "deflate" => BodyCoding::Deflate,
                    _ => return Err(BodyError::UnsupportedCoding(name.into())),
                };
                if coding != BodyCoding::Identity {
                    // Every coding the request stacks, over all its header lines: the
                    // last line alone ("gzip") read as a refusal of gzip.
                    let stacked: Vec<&str> = headers
                        .get_all(CONTENT_ENCODING)
                        .iter()
                        .filter_map(|v| v.to_str().ok())
                        .map(str::trim)
                        .collect();
                    return Err(BodyError::UnsupportedCoding(stacked.join(", ")));
                }
                coding = this;
            }
        }
        Ok(coding)
    }

    /// `body` decoded, at most `max` bytes of it, into room for `len` (its
    /// [`BodyCoding::decoded_len`]: grown by doubling, a 16 MiB body held up to 32 MiB).
    pub fn decode(self, body: &[u8], len: usize, max: usize) -> Result<Vec<u8>, BodyError> {
        self.read_with(body, |decoder, name| inflate(decoder, len, max, name))
    }

    /// How long `body` decodes to (at most `max`), counted without holding it. A 200 KB
    /// body can inflate to 16 MiB: held as it inflated, 300 such requests at once took
    /// 1.7 GB before any was refused, where plain bodies are held to the bytes-in-flight
    /// cap as they arrive.
    pub fn decoded_len(self, body: &[u8], max: usize) -> Result<usize, BodyError> {
        self.read_with(body, |decoder, name| {
            let len = std::io::copy(&mut decoder.take(max as u64 + 1), &mut std::io::sink())
                .map_err(|e| BodyError::BadCoding(format!("{name}: {e}")))?;
            match usize::try_from(len) {
                Ok(len) if len <= max => Ok(len),
                _ => Err(BodyError::TooLarge(max)),
            }
        })
    }

    /// `read` given a decoder of `body`; deflate is tried as zlib's, then as raw.
    fn read_with<T>(
        self,
        body: &[u8],
        read: impl Fn(&mut dyn Read, &str) -> Result<T, BodyError>,
    ) -> Result<T, BodyError> {
        match self {
            BodyCoding::Identity => read(&mut &body[..], "identity"),
            BodyCoding::Gzip => match read(&mut flate2::read::MultiGzDecoder::new(body), "gzip") {
                // Whole compressed data followed by bytes that are no other gzip member:
                // flate2 says "unexpected end of file", as of data cut short. The first
                // member decoded within the limit already, so reading it again is bounded.
                Err(BodyError::BadCoding(_))
                    if std::io::copy(
                        &mut flate2::read::GzDecoder::new(body),
                        &mut std::io::sink(),
                    )
                    .is_ok() =>
                {
                    Err(BodyError::BadCoding(
                        "gzip: the body goes on past the end of its compressed data, with bytes \
                         that are no other gzip member"
                            .into(),
                    ))
                }
                other => other,
            },
            BodyCoding::Deflate => match read(&mut flate2::read::ZlibDecoder::new(body), "deflate")
            {
                Err(BodyError::BadCoding(_)) => {
                    read(&mut flate2::read::DeflateDecoder::new(body), "deflate")
                }
                other => other,
            },
        }
    }
}

fn inflate(
    decoder: &mut dyn Read,
    len: usize,
    max: usize,
    name: &str,
) -> Result<Vec<u8>, BodyError> {
    // One more byte: `read_to_end` asks for room to find the end.
    let mut out = Vec::with_capacity(len.min(max) + 1);
    decoder
        .take(max as u64 + 1)
        .read_to_end(&mut out)
        .map_err(|e| BodyError::BadCoding(format!("{name}: {e}")))?;
    if out.len() > max {
        return Err(BodyError::TooLarge(max));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::Compression;
    use std::io::Write;

    fn headers(values: &[&str]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for v in values {
            map.append(CONTENT_ENCODING, v.parse().unwrap());
        }
        map
    }

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), Compression::default());
        e.write_all(bytes).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn codings_are_read_from_the_header() {
        assert_eq!(BodyCoding::of(&headers(&[])).unwrap(), BodyCoding::Identity);
        assert_eq!(
            BodyCoding::of(&headers(&["GZIP"])).unwrap(),
            BodyCoding::Gzip
        );
        assert_eq!(
            BodyCoding::of(&headers(&["identity, x-gzip"])).unwrap(),
            BodyCoding::Gzip
        );
        assert_eq!(
            BodyCoding::of(&headers(&["deflate"])).unwrap(),
            BodyCoding::Deflate
        );
        assert!(matches!(
            BodyCoding::of(&headers(&["br"])),
            Err(BodyError::UnsupportedCoding(name)) if name == "br"
        ));
        // Stacked over two lines, both are named, not the last line alone.
        assert!(matches!(
            BodyCoding::of(&headers(&["gzip", "deflate"])),
            Err(BodyError::UnsupportedCoding(named)) if named == "gzip, deflate"
        ));
        assert!(matches!(
            BodyCoding::of(&headers(&["gzip", "gzip"])),
            Err(BodyError::UnsupportedCoding(named)) if named == "gzip, gzip"
        ));
    }

    #[test]
    fn gzip_and_both_deflates_decode() {
        let text = "<methodCall>é</methodCall>".repeat(50);
        assert_eq!(
            BodyCoding::Gzip
                .decode(&gzip(text.as_bytes()), 0, 1 << 20)
                .unwrap(),
            text.as_bytes()
        );
        let mut zlib = flate2::write::ZlibEncoder::new(Vec::new(), Compression::default());
        zlib.write_all(text.as_bytes()).unwrap();
        let mut raw = flate2::write::DeflateEncoder::new(Vec::new(), Compression::default());
        raw.write_all(text.as_bytes()).unwrap();
        for body in [zlib.finish().unwrap(), raw.finish().unwrap()] {
            assert_eq!(
                BodyCoding::Deflate.decode(&body, 0, 1 << 20).unwrap(),
                text.as_bytes()
            );
        }
    }

    #[test]
    fn a_body_that_inflates_past_the_limit_or_is_not_compressed_is_refused() {
        let bomb = gzip(&vec![b' '; 10 << 20]);
        assert!(bomb.len() < 64 * 1024, "{}", bomb.len());
        for refused in [
            BodyCoding::Gzip.decode(&bomb, 0, 1 << 20).map(|_| 0),
            BodyCoding::Gzip.decoded_len(&bomb, 1 << 20),
        ] {
            assert!(matches!(refused, Err(BodyError::TooLarge(max)) if max == 1 << 20));
        }
        assert_eq!(
            BodyCoding::Gzip
                .decoded_len(&gzip(&[b' '; 1000]), 1 << 20)
                .unwrap(),
            1000
        );
        assert!(matches!(
            BodyCoding::Gzip.decode(b"<methodCall/>", 0, 1 << 20),
            Err(BodyError::BadCoding(_))
        ));
        // Trailing bytes are told from data cut short.
        let mut trailing = gzip(b"hello world");
        trailing.extend_from_slice(b"junk");
        assert!(matches!(
            BodyCoding::Gzip.decode(&trailing, 0, 1 << 20),
            Err(BodyError::BadCoding(why)) if why.contains("past the end of its compressed data")
        ));
        let mut truncated = gzip(b"hello world, hello world");
        truncated.truncate(truncated.len() - 6);
        assert!(matches!(
            BodyCoding::Gzip.decode(&truncated, 0, 1 << 20),
            Err(BodyError::BadCoding(why)) if !why.contains("past the end")
        ));
    }
}
