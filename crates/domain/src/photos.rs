//! Photos as evidence: what is accepted (JPEG or PNG, by content, not by name), and the
//! copy shown beyond coordinators, with metadata removed — EXIF carries GPS position and the
//! phone's make and serial, which can identify an observer.

/// Large enough for a phone photo of a protocol, small enough for a slow link.
pub const MAX_PHOTO_BYTES: usize = 8 * 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhotoType {
    Jpeg,
    Png,
}

impl PhotoType {
    pub fn detect(bytes: &[u8]) -> Option<PhotoType> {
        if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(PhotoType::Jpeg)
        } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(PhotoType::Png)
        } else {
            None
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            PhotoType::Jpeg => "image/jpeg",
            PhotoType::Png => "image/png",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhotoError {
    #[error("the photo is empty")]
    Empty,
    #[error("the photo is larger than {} MB", MAX_PHOTO_BYTES / 1024 / 1024)]
    TooLarge,
    #[error("only JPEG and PNG photos are accepted")]
    NotAPhoto,
    #[error("the photo file is damaged")]
    Damaged,
}

pub fn check(bytes: &[u8]) -> Result<PhotoType, PhotoError> {
    if bytes.is_empty() {
        return Err(PhotoError::Empty);
    }
    if bytes.len() > MAX_PHOTO_BYTES {
        return Err(PhotoError::TooLarge);
    }
    PhotoType::detect(bytes).ok_or(PhotoError::NotAPhoto)
}

/// A copy without metadata: JPEG APP1–APP15 segments (EXIF, XMP, IPTC…) and comments, in
/// front of and between scans, and anything after the end of the picture; of a PNG only the
/// chunks needed to draw it. The picture itself is untouched.
pub fn strip_metadata(bytes: &[u8]) -> Result<Vec<u8>, PhotoError> {
    match PhotoType::detect(bytes).ok_or(PhotoError::NotAPhoto)? {
        PhotoType::Jpeg => strip_jpeg(bytes),
        PhotoType::Png => strip_png(bytes),
    }
}

fn strip_jpeg(bytes: &[u8]) -> Result<Vec<u8>, PhotoError> {
    let mut out = Vec::with_capacity(bytes.len());
    out.extend_from_slice(&bytes[..2]);
    let mut at = 2;
    loop {
        if at + 2 > bytes.len() || bytes[at] != 0xFF {
            return Err(PhotoError::Damaged);
        }
        let marker = bytes[at + 1];
        // End of image: whatever follows (a phone's second picture with its own EXIF and GPS,
        // a "motion photo" video) is not part of this one and is dropped.
        if marker == 0xD9 {
            out.extend_from_slice(&bytes[at..at + 2]);
            return Ok(out);
        }
        if at + 4 > bytes.len() {
            return Err(PhotoError::Damaged);
        }
        let length = usize::from(u16::from_be_bytes([bytes[at + 2], bytes[at + 3]]));
        let end = at + 2 + length;
        if length < 2 || end > bytes.len() {
            return Err(PhotoError::Damaged);
        }
        // APP0 (JFIF) stays: it only says how to read the picture.
        let metadata = (0xE1..=0xEF).contains(&marker) || marker == 0xFE;
        if !metadata {
            out.extend_from_slice(&bytes[at..end]);
        }
        at = end;
        // Start of scan: compressed data follows, up to the next marker that is neither a
        // stuffed 0xFF00, a restart marker nor fill. Progressive pictures have several scans,
        // with tables (and possibly metadata) between them.
        if marker == 0xDA {
            let scan_end = scan_end(bytes, at);
            out.extend_from_slice(&bytes[at..scan_end]);
            if scan_end == bytes.len() {
                // Cut off before its end marker: what there is of the picture is kept.
                return Ok(out);
            }
            at = scan_end;
        }
    }
}

/// Where the entropy-coded data starting at `from` ends: at the next real marker.
fn scan_end(bytes: &[u8], from: usize) -> usize {
    let mut at = from;
    while at + 1 < bytes.len() {
        if bytes[at] == 0xFF && !matches!(bytes[at + 1], 0x00 | 0xD0..=0xD7 | 0xFF) {
            return at;
        }
        at += 1;
    }
    bytes.len()
}

/// The chunks a PNG needs to be drawn; everything else — text, EXIF, times, a colour
/// profile (whose name can say which device made it, as JPEG's APP2 is dropped too), and
/// chunks of any kind we do not know, which could carry anything — is dropped.
const PNG_CHUNKS_KEPT: [&[u8; 4]; 11] =
    [b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"gAMA", b"cHRM", b"sRGB", b"sBIT", b"bKGD", b"pHYs"];

fn strip_png(bytes: &[u8]) -> Result<Vec<u8>, PhotoError> {
    let mut out = bytes[..8].to_vec();
    let mut at = 8;
    while at + 12 <= bytes.len() {
        let length = u32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]) as usize;
        let kind = &bytes[at + 4..at + 8];
        let end = at + 12 + length;
        if end > bytes.len() {
            return Err(PhotoError::Damaged);
        }
        if PNG_CHUNKS_KEPT.iter().any(|kept| kept.as_slice() == kind) {
            out.extend_from_slice(&bytes[at..end]);
        }
        at = end;
        // Nothing after the end chunk belongs to the picture.
        if kind == b"IEND" {
            return Ok(out);
        }
    }
    Err(PhotoError::Damaged)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A minimal JPEG: SOI, APP0, APP1 (EXIF with a GPS-looking tag), DQT-like segment, SOS.
    fn jpeg_with_exif() -> Vec<u8> {
        let mut bytes = vec![0xFF, 0xD8];
        bytes.extend([0xFF, 0xE0, 0x00, 0x07]);
        bytes.extend(b"JFIF\0");
        let exif = b"Exif\0\0GPS 40.4093N 49.8671E";
        bytes.extend([0xFF, 0xE1]);
        bytes.extend(((exif.len() + 2) as u16).to_be_bytes());
        bytes.extend(exif);
        bytes.extend([0xFF, 0xDB, 0x00, 0x04, 0x01, 0x02]);
        bytes.extend([0xFF, 0xDA, 0x00, 0x02, 0x11, 0x22, 0x33, 0xFF, 0xD9]);
        bytes
    }

    #[test]
    fn exif_is_removed_and_the_picture_kept() {
        let original = jpeg_with_exif();
        let stripped = strip_metadata(&original).unwrap();
        let text = String::from_utf8_lossy(&stripped);
        assert!(!text.contains("GPS") && !text.contains("Exif"));
        assert!(text.contains("JFIF"));
        assert!(stripped.ends_with(&[0xFF, 0xDA, 0x00, 0x02, 0x11, 0x22, 0x33, 0xFF, 0xD9]));
    }

    /// A PNG chunk: length, kind, data and a (here unchecked) CRC.
    fn chunk(kind: &[u8], data: &[u8]) -> Vec<u8> {
        let mut c = (data.len() as u32).to_be_bytes().to_vec();
        c.extend(kind);
        c.extend(data);
        c.extend([0, 0, 0, 0]);
        c
    }

    #[test]
    fn png_text_chunks_are_removed() {
        let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
        png.extend(chunk(b"IHDR", &[0; 13]));
        png.extend(chunk(b"tEXt", b"Author\0Observer 17"));
        png.extend(chunk(b"IDAT", &[1, 2, 3]));
        png.extend(chunk(b"IEND", &[]));
        let stripped = strip_metadata(&png).unwrap();
        assert!(!String::from_utf8_lossy(&stripped).contains("Observer 17"));
        assert_eq!(stripped.len(), png.len() - (12 + 18));
    }

    #[test]
    fn what_follows_the_picture_and_metadata_between_scans_are_removed() {
        let mut original = jpeg_with_exif();
        // Scan data with a stuffed 0xFF00 and a restart marker, then (progressive) a comment
        // and a second scan before the end marker.
        original.truncate(original.len() - 2);
        original.extend([0xFF, 0x00, 0x44, 0xFF, 0xD0, 0x55]);
        original.extend([0xFF, 0xFE, 0x00, 0x0A]);
        original.extend(b"GPS 40.4");
        original.extend([0xFF, 0xDA, 0x00, 0x02, 0x66, 0xFF, 0xD9]);
        // A second picture after the end, as multi-picture and motion photos have, with its
        // own EXIF.
        let mut trailer = jpeg_with_exif();
        trailer.extend(b"ftypmp42 GPS 40.4093N");
        original.extend(&trailer);
        let stripped = strip_metadata(&original).unwrap();
        assert!(!String::from_utf8_lossy(&stripped).contains("GPS"), "{stripped:x?}");
        assert!(
            stripped.ends_with(&[0x33, 0xFF, 0x00, 0x44, 0xFF, 0xD0, 0x55, 0xFF, 0xDA, 0x00, 0x02, 0x66, 0xFF, 0xD9])
        );
    }

    #[test]
    fn png_chunks_of_unknown_kinds_and_anything_after_the_end_are_removed() {
        let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
        png.extend(chunk(b"IHDR", &[0; 13]));
        png.extend(chunk(b"prVt", b"device 17 GPS"));
        png.extend(chunk(b"iCCP", b"GPS-phone profile\0\0"));
        png.extend(chunk(b"IDAT", &[1, 2, 3]));
        png.extend(chunk(b"IEND", &[]));
        let drawn = png.len() - (12 + 13) - (12 + 19);
        png.extend(b"GPS after the end");
        let stripped = strip_metadata(&png).unwrap();
        assert!(!String::from_utf8_lossy(&stripped).contains("GPS"));
        assert_eq!(stripped.len(), drawn);
    }

    #[test]
    fn only_real_photos_are_accepted() {
        assert_eq!(check(b"GIF89a..."), Err(PhotoError::NotAPhoto));
        assert_eq!(check(&[]), Err(PhotoError::Empty));
        assert_eq!(check(&jpeg_with_exif()), Ok(PhotoType::Jpeg));
        assert_eq!(strip_metadata(&[0xFF, 0xD8, 0xFF, 0xE1, 0xFF]), Err(PhotoError::Damaged));
    }
}
