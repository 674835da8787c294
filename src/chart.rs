//! Pie charts as PNG images: the `graphImage` of SoftLayer_Account's ticket graphs, which
//! SLDN describes as "a pie chart of ticket statistics … with a base64 PNG string".
//!
//! The image is small and flat-coloured, so it is written without an image crate: an
//! indexed-colour PNG (4 bits a pixel) whose zlib stream uses deflate's stored blocks.
//! Every PNG reader accepts that; the cost is a few kilobytes more than compressed data.

/// A colour as red, green, blue.
pub type Rgb = [u8; 3];

/// One slice: how much it counts for, and its colour.
#[derive(Debug, Clone, Copy)]
pub struct Slice {
    pub value: u64,
    pub colour: Rgb,
}

/// The side of the square image, in pixels.
pub const SIZE: u32 = 200;
const BACKGROUND: Rgb = [0xff, 0xff, 0xff];
const OUTLINE: Rgb = [0x39, 0x39, 0x39];
/// Palette entries before the slices' own.
const FIXED_COLOURS: usize = 2;
/// A 4-bit palette holds 16 colours.
pub const MAX_SLICES: usize = 16 - FIXED_COLOURS;

/// A pie of `slices` (clockwise from twelve o'clock, in order) on a white square, as PNG
/// bytes; `None` when there is nothing to draw (no slices, more than [`MAX_SLICES`], or
/// all of them zero).
pub fn pie_png(slices: &[Slice]) -> Option<Vec<u8>> {
    let total: u64 = slices.iter().map(|s| s.value).sum();
    if total == 0 || slices.len() > MAX_SLICES {
        return None;
    }
    // Where each slice ends, as a fraction of the whole turn.
    let mut ends = Vec::with_capacity(slices.len());
    let mut sum = 0u64;
    for s in slices {
        sum += s.value;
        ends.push(sum as f64 / total as f64);
    }
    let centre = SIZE as f64 / 2.0;
    let radius = centre - 8.0;
    let row_bytes = (SIZE as usize).div_ceil(2);
    let mut raw = Vec::with_capacity((row_bytes + 1) * SIZE as usize);
    for y in 0..SIZE {
        raw.push(0); // filter type None
        let mut row = vec![0u8; row_bytes];
        for x in 0..SIZE {
            let dx = x as f64 + 0.5 - centre;
            let dy = y as f64 + 0.5 - centre;
            let distance = (dx * dx + dy * dy).sqrt();
            let index = if distance > radius + 1.0 {
                0
            } else if distance > radius {
                1
            } else {
                // Clockwise from twelve o'clock, in [0, 1).
                let turn = dx.atan2(-dy).rem_euclid(std::f64::consts::TAU) / std::f64::consts::TAU;
                let slice = ends
                    .iter()
                    .position(|end| turn < *end)
                    .unwrap_or(slices.len() - 1);
                (FIXED_COLOURS + slice) as u8
            };
            let byte = &mut row[x as usize / 2];
            *byte |= if x % 2 == 0 { index << 4 } else { index };
        }
        raw.extend_from_slice(&row);
    }
    let mut palette = Vec::with_capacity(3 * (FIXED_COLOURS + slices.len()));
    palette.extend_from_slice(&BACKGROUND);
    palette.extend_from_slice(&OUTLINE);
    for s in slices {
        palette.extend_from_slice(&s.colour);
    }

    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut header = Vec::with_capacity(13);
    header.extend_from_slice(&SIZE.to_be_bytes());
    header.extend_from_slice(&SIZE.to_be_bytes());
    // Bit depth 4, colour type 3 (palette), deflate, adaptive filtering, no interlace.
    header.extend_from_slice(&[4, 3, 0, 0, 0]);
    chunk(&mut png, b"IHDR", &header);
    chunk(&mut png, b"PLTE", &palette);
    chunk(&mut png, b"IDAT", &zlib_stored(&raw));
    chunk(&mut png, b"IEND", &[]);
    Some(png)
}

fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    let start = out.len();
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let crc = crc32(&out[start..]);
    out.extend_from_slice(&crc.to_be_bytes());
}

/// A zlib stream of stored (uncompressed) deflate blocks.
fn zlib_stored(data: &[u8]) -> Vec<u8> {
    const MAX_BLOCK: usize = 65_535;
    let mut out = Vec::with_capacity(data.len() + data.len() / MAX_BLOCK * 5 + 11);
    // CM 8 (deflate), 32K window; FCHECK makes the header a multiple of 31.
    out.extend_from_slice(&[0x78, 0x01]);
    let mut blocks = data.chunks(MAX_BLOCK).peekable();
    if blocks.peek().is_none() {
        out.extend_from_slice(&[1, 0, 0, 0xff, 0xff]);
    }
    while let Some(block) = blocks.next() {
        let last = blocks.peek().is_none();
        out.push(u8::from(last)); // BFINAL, BTYPE 00
        let len = block.len() as u16;
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(!len).to_le_bytes());
        out.extend_from_slice(block);
    }
    out.extend_from_slice(&adler32(data).to_be_bytes());
    out
}

fn adler32(data: &[u8]) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    for chunk in data.chunks(5552) {
        for byte in chunk {
            a += u32::from(*byte);
            b += a;
        }
        a %= 65_521;
        b %= 65_521;
    }
    (b << 16) | a
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xffff_ffffu32;
    for byte in data {
        crc ^= u32::from(*byte);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xedb8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads back what [`pie_png`] writes, checking every checksum: the palette and the
    /// palette index of every pixel.
    fn decode(png: &[u8]) -> (Vec<Rgb>, Vec<Vec<u8>>) {
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        let mut at = 8;
        let (mut palette, mut idat) = (Vec::new(), Vec::new());
        let mut kinds = Vec::new();
        while at < png.len() {
            let len = u32::from_be_bytes(png[at..at + 4].try_into().unwrap()) as usize;
            let kind = &png[at + 4..at + 8];
            let data = &png[at + 8..at + 8 + len];
            let crc = u32::from_be_bytes(png[at + 8 + len..at + 12 + len].try_into().unwrap());
            assert_eq!(crc, crc32(&png[at + 4..at + 8 + len]), "CRC of {kind:?}");
            match kind {
                b"IHDR" => assert_eq!(data, [0, 0, 0, 200, 0, 0, 0, 200, 4, 3, 0, 0, 0]),
                b"PLTE" => palette = data.chunks(3).map(|c| [c[0], c[1], c[2]]).collect(),
                b"IDAT" => idat.extend_from_slice(data),
                _ => {}
            }
            kinds.push(kind.to_vec());
            at += 12 + len;
        }
        assert_eq!(kinds.first().map(Vec::as_slice), Some(&b"IHDR"[..]));
        assert_eq!(kinds.last().map(Vec::as_slice), Some(&b"IEND"[..]));
        assert_eq!((u16::from(idat[0]) << 8 | u16::from(idat[1])) % 31, 0);
        let mut raw = Vec::new();
        let mut i = 2;
        loop {
            let last = idat[i] & 1 == 1;
            assert_eq!(idat[i] >> 1, 0, "stored block");
            let len = u16::from_le_bytes([idat[i + 1], idat[i + 2]]);
            let nlen = u16::from_le_bytes([idat[i + 3], idat[i + 4]]);
            assert_eq!(len, !nlen);
            raw.extend_from_slice(&idat[i + 5..i + 5 + len as usize]);
            i += 5 + len as usize;
            if last {
                break;
            }
        }
        assert_eq!(
            u32::from_be_bytes(idat[i..i + 4].try_into().unwrap()),
            adler32(&raw)
        );
        let rows = raw
            .chunks(101)
            .map(|row| {
                assert_eq!(row[0], 0, "filter None");
                row[1..].iter().flat_map(|b| [b >> 4, b & 0x0f]).collect()
            })
            .collect::<Vec<Vec<u8>>>();
        assert_eq!(rows.len(), 200);
        (palette, rows)
    }

    #[test]
    fn slices_take_their_share_of_the_disc() {
        let colours = [[200, 0, 0], [0, 200, 0], [0, 0, 200]];
        let slices: Vec<Slice> = [1, 2, 5]
            .iter()
            .zip(colours)
            .map(|(value, colour)| Slice {
                value: *value,
                colour,
            })
            .collect();
        let (palette, rows) = decode(&pie_png(&slices).unwrap());
        assert_eq!(palette.len(), 5);
        assert_eq!(&palette[2..], &colours);
        let mut counts = [0usize; 16];
        for row in &rows {
            for index in row {
                counts[*index as usize] += 1;
            }
        }
        let disc: usize = counts[2..5].iter().sum();
        for (slice, share) in [(2, 1.0 / 8.0), (3, 2.0 / 8.0), (4, 5.0 / 8.0)] {
            let seen = counts[slice] as f64 / disc as f64;
            assert!(
                (seen - share).abs() < 0.01,
                "slice {slice}: {seen} of the disc, not {share}"
            );
        }
        // The first slice starts at twelve o'clock, clockwise: just right of the top.
        assert_eq!(rows[20][102], 2);
        assert_eq!(rows[20][97], 4);
        // The corners are background.
        assert_eq!(rows[0][0], 0);
        assert_eq!(rows[199][199], 0);
    }

    #[test]
    fn one_slice_is_the_whole_disc_and_nothing_draws_nothing() {
        let whole = [
            Slice {
                value: 3,
                colour: [1, 2, 3],
            },
            Slice {
                value: 0,
                colour: [4, 5, 6],
            },
        ];
        let (_, rows) = decode(&pie_png(&whole).unwrap());
        assert_eq!(rows[100][100], 2);
        assert_eq!(rows[100][20], 2);
        assert!(rows.iter().flatten().all(|i| *i != 3));
        assert!(pie_png(&[]).is_none());
        assert!(
            pie_png(&[Slice {
                value: 0,
                colour: [0, 0, 0]
            }])
            .is_none()
        );
    }

    #[test]
    fn checksums_match_their_definitions() {
        // The check values of CRC-32/ISO-HDLC and Adler-32 for "123456789".
        assert_eq!(crc32(b"123456789"), 0xcbf4_3926);
        assert_eq!(adler32(b"123456789"), 0x091e_01de);
    }
}
