//! What the three XML-speaking codecs (XML-RPC, SOAP, REST's `.xml`) share: reading a
//! request body as text whatever its declared encoding, a strict pull reader, and
//! writing character data that every XML 1.0 parser reads back exactly.

use base64::engine::DecodePaddingMode;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use quick_xml::Reader;
use std::borrow::Cow;

/// UTF-8 when the bytes are UTF-8, whatever the prolog says (softlayer-python declares
/// ISO-8859-1 and sends UTF-8); UTF-16 with a byte order mark; otherwise each byte is its
/// Latin-1 code point.
pub fn decode_body(body: &[u8]) -> Cow<'_, str> {
    if let Ok(text) = std::str::from_utf8(body) {
        return Cow::Borrowed(text);
    }
    let utf16 = |le: bool| -> Option<String> {
        let units: Vec<u16> = body[2..]
            .chunks_exact(2)
            .map(|c| {
                if le {
                    u16::from_le_bytes([c[0], c[1]])
                } else {
                    u16::from_be_bytes([c[0], c[1]])
                }
            })
            .collect();
        String::from_utf16(&units).ok()
    };
    let decoded = match body {
        [0xff, 0xfe, ..] => utf16(true),
        [0xfe, 0xff, ..] => utf16(false),
        _ => None,
    };
    match decoded {
        Some(text) => Cow::Owned(text),
        None => Cow::Owned(body.iter().map(|&b| char::from(b)).collect()),
    }
}

/// Whether text is only XML whitespace.
pub fn is_blank(text: &str) -> bool {
    text.bytes()
        .all(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
}

/// At most 40 characters of `text`, for error details.
pub fn truncate(text: &str) -> &str {
    match text.char_indices().nth(40) {
        Some((i, _)) => &text[..i],
        None => text,
    }
}

/// Applies the strict settings every codec reads with: end names checked, comments
/// checked, text kept exactly as sent.
pub fn configure(config: &mut quick_xml::reader::Config) {
    config.expand_empty_elements = true;
    config.check_end_names = true;
    config.check_comments = true;
    config.allow_unmatched_ends = false;
    config.trim_text(false);
}

pub fn strict_reader(text: &str) -> Reader<&[u8]> {
    let mut reader = Reader::from_str(text);
    configure(reader.config_mut());
    reader
}

/// Base64 as clients send it: padding is optional (some encoders drop it).
pub const BASE64_IN: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

const REPLACEMENT_CHARACTER: &[u8] = "\u{FFFD}".as_bytes();

/// Character data, escaped so that an XML 1.0 parser reads back exactly `text`: `\r` goes
/// out as a reference (parsers normalise a literal one away), and characters XML 1.0
/// cannot carry at all become U+FFFD.
pub fn write_text(out: &mut Vec<u8>, text: &str) {
    let bytes = text.as_bytes();
    let mut copied = 0;
    let mut i = 0;
    while i < bytes.len() {
        let (replacement, len): (&[u8], usize) = match bytes[i] {
            b'&' => (b"&amp;", 1),
            b'<' => (b"&lt;", 1),
            b'>' => (b"&gt;", 1),
            b'\r' => (b"&#13;", 1),
            b'\t' | b'\n' => {
                i += 1;
                continue;
            }
            0x00..=0x1f => (REPLACEMENT_CHARACTER, 1),
            // U+FFFE and U+FFFF are EF BF BE and EF BF BF in UTF-8.
            0xef if bytes.get(i + 1) == Some(&0xbf)
                && matches!(bytes.get(i + 2), Some(0xbe | 0xbf)) =>
            {
                (REPLACEMENT_CHARACTER, 3)
            }
            _ => {
                i += 1;
                continue;
            }
        };
        out.extend_from_slice(&bytes[copied..i]);
        out.extend_from_slice(replacement);
        i += len;
        copied = i;
    }
    out.extend_from_slice(&bytes[copied..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_round_trips_and_forbidden_characters_are_replaced() {
        let mut out = Vec::new();
        write_text(&mut out, "a&b<c>d\r\ne\u{1}f\u{fffe}é");
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "a&amp;b&lt;c&gt;d&#13;\ne\u{fffd}f\u{fffd}é"
        );
    }

    #[test]
    fn latin1_bodies_are_decoded() {
        assert_eq!(decode_body(b"caf\xe9"), "café");
        assert_eq!(decode_body("café".as_bytes()), "café");
    }
}
