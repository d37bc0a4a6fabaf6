//! Cheap checks that run before any parser sees the bytes: size, emptiness, binary content.
//! They exist so that a dropped photo or a 2 GB dump gets a clear message instead of a
//! frozen tab or a confusing parse error on "line 1".
//!
//! Text formats go through [`check_content`], which turns away ZIP archives like any
//! binary; Inspect `.eval` logs, which are ZIP archives, go through [`check_archive`].

use super::error::{ErrorKind, ImportError};

/// Largest file the importers accept. The browser can check this from `File.size`
/// before reading a single byte.
pub const MAX_FILE_BYTES: u64 = 200 * 1024 * 1024;

/// How much of the start of a file is inspected for binary content.
const SNIFF_BYTES: usize = 64 * 1024;

/// Reject a file by its size alone (call this before reading it).
pub fn check_size(file: &str, size: u64) -> Result<(), ImportError> {
    if size > MAX_FILE_BYTES {
        return Err(ImportError::new(
            file,
            ErrorKind::TooLarge {
                size,
                limit: MAX_FILE_BYTES,
            },
        ));
    }
    Ok(())
}

/// Size, emptiness and binary checks on the whole content.
pub fn check_content(file: &str, bytes: &[u8]) -> Result<(), ImportError> {
    check_size(file, bytes.len() as u64)?;
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(ImportError::new(file, ErrorKind::Empty));
    }
    if let Some(what) = binary_signature(bytes) {
        return Err(ImportError::new(
            file,
            ErrorKind::Binary {
                what: what.to_string(),
            },
        ));
    }
    Ok(())
}

/// Size and emptiness checks for a ZIP archive (an Inspect `.eval` log), and that it
/// starts like one: a local file header, or the end record of an empty archive.
pub fn check_archive(file: &str, bytes: &[u8]) -> Result<(), ImportError> {
    check_size(file, bytes.len() as u64)?;
    if bytes.is_empty() {
        return Err(ImportError::new(file, ErrorKind::Empty));
    }
    if bytes.starts_with(ZIP_LOCAL_HEADER) || bytes.starts_with(b"PK\x05\x06") {
        return Ok(());
    }
    let found = binary_signature(bytes).unwrap_or("text");
    Err(ImportError::new(
        file,
        ErrorKind::BadArchive {
            detail: format!("an .eval log is a ZIP archive, but this file is not one ({found})"),
        },
    ))
}

const ZIP_LOCAL_HEADER: &[u8] = b"PK\x03\x04";

/// Known signatures first (more helpful message), then NUL bytes, which never occur in
/// the text formats we read.
fn binary_signature(bytes: &[u8]) -> Option<&'static str> {
    const SIGNATURES: &[(&[u8], &str)] = &[
        (&[0x1f, 0x8b], "gzip"),
        (ZIP_LOCAL_HEADER, "zip / xlsx"),
        (b"%PDF", "PDF"),
        (b"\x89PNG", "PNG image"),
        (&[0xff, 0xd8, 0xff], "JPEG image"),
        (b"PAR1", "Parquet"),
        (b"\0asm", "WebAssembly"),
    ];
    for (magic, what) in SIGNATURES {
        if bytes.starts_with(magic) {
            return Some(what);
        }
    }
    let head = &bytes[..bytes.len().min(SNIFF_BYTES)];
    head.contains(&0).then_some("contains NUL bytes")
}

/// 1-based line number of a byte offset (for errors found by scanning raw bytes).
pub fn line_of_offset(bytes: &[u8], offset: usize) -> u64 {
    1 + bytes[..offset.min(bytes.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count() as u64
}
