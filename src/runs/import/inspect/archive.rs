//! The `.eval` side of the Inspect importer: what an archive holds (its header, its
//! sample entries), and unpacking one entry under limits. A real log lists a few entries
//! per sample and each unpacks to kilobytes; a zip bomb declares (or hides) gigabytes.
//! Declared sizes are checked before anything is unpacked, actual sizes while unpacking.
//!
//! inspect-ai 0.3.285 writes every entry with zstd (ZIP method 93; older versions used
//! deflate). `zip` is built without its zstd (a C library, no wasm32), so a zstd entry is
//! read raw, decoded with `ruzstd` and its CRC-32 checked here.

use std::fmt;
use std::io::{Cursor, Read};
use std::sync::Arc;

use ruzstd::decoding::FrameDecoder;
use ruzstd::decoding::errors::FrameDecoderError;
use zip::{CompressionMethod, ZipArchive};

use crate::runs::error::{ErrorKind, ImportError};
use crate::runs::sniff;

/// Most entries an archive may list.
pub const MAX_ENTRIES: usize = 100_000;
/// Largest single entry, unpacked: one sample is parsed from memory at a time.
pub const MAX_ENTRY_BYTES: u64 = sniff::MAX_FILE_BYTES;
/// Most bytes the entries read may unpack to together.
pub const MAX_UNPACKED_BYTES: u64 = 1024 * 1024 * 1024;

/// One entry, as the archive's central directory describes it.
pub struct Entry {
    pub name: String,
    /// Compressed size, for progress.
    pub compressed: u64,
    index: usize,
    size: u64,
    crc32: u32,
    method: CompressionMethod,
}

/// An open `.eval` archive.
pub struct EvalArchive {
    zip: ZipArchive<Cursor<Arc<[u8]>>>,
    /// `header.json`, or `_journal/start.json` when a crashed run left no header.
    pub spec: Option<Entry>,
    /// `samples/*.json`, in archive order.
    pub samples: Vec<Entry>,
}

impl EvalArchive {
    /// Read the directory and check the limits; nothing is unpacked yet.
    pub fn open(file: &str, data: Arc<[u8]>) -> Result<Self, ImportError> {
        sniff::check_archive(file, &data)?;
        let err = |kind| ImportError::new(file, kind);
        let zip = ZipArchive::new(Cursor::new(data)).map_err(|e| {
            err(ErrorKind::BadArchive {
                detail: format!("cannot read the ZIP directory (file cut off or damaged?): {e}"),
            })
        })?;
        if zip.len() > MAX_ENTRIES {
            return Err(err(ErrorKind::TooManyEntries {
                count: zip.len() as u64,
                limit: MAX_ENTRIES as u64,
            }));
        }
        let (mut header, mut start, mut samples) = (None, None, Vec::new());
        for index in 0..zip.len() {
            let meta = zip.by_index_data(index).map_err(|e| {
                err(ErrorKind::BadArchive {
                    detail: format!("entry {index} of the directory is unreadable: {e}"),
                })
            })?;
            let entry = Entry {
                name: String::from_utf8_lossy(meta.name_raw()).into_owned(),
                compressed: meta.compressed_size(),
                index,
                size: meta.size(),
                crc32: meta.crc32(),
                method: meta.compression(),
            };
            match entry.name.as_str() {
                "header.json" => header = Some(entry),
                "_journal/start.json" => start = Some(entry),
                n if n.starts_with("samples/") && n.ends_with(".json") => samples.push(entry),
                _ => {}
            }
        }
        let spec = header.or(start);
        let mut unpacked = 0u64;
        for e in samples.iter().chain(spec.iter()) {
            if e.size > MAX_ENTRY_BYTES {
                return Err(err(ErrorKind::TooLargeUnpacked {
                    size: e.size,
                    limit: MAX_ENTRY_BYTES,
                })
                .in_entry(&e.name));
            }
            unpacked = unpacked.saturating_add(e.size);
        }
        if unpacked > MAX_UNPACKED_BYTES {
            return Err(err(ErrorKind::TooLargeUnpacked {
                size: unpacked,
                limit: MAX_UNPACKED_BYTES,
            }));
        }
        Ok(Self { zip, spec, samples })
    }

    /// Unpack the header (`spec`), when there is one.
    pub fn read_spec(&mut self, file: &str) -> Option<Result<Vec<u8>, ImportError>> {
        let e = self.spec.as_ref()?;
        Some(unpack(&mut self.zip, e).map_err(|k| ImportError::new(file, k).in_entry(&e.name)))
    }

    /// Unpack the `i`th sample entry.
    pub fn read_sample(&mut self, file: &str, i: usize) -> Result<Vec<u8>, ImportError> {
        let e = &self.samples[i];
        unpack(&mut self.zip, e).map_err(|k| ImportError::new(file, k).in_entry(&e.name))
    }
}

/// Unpack one entry, checked against its declared size and CRC-32.
fn unpack(zip: &mut ZipArchive<Cursor<Arc<[u8]>>>, e: &Entry) -> Result<Vec<u8>, ErrorKind> {
    let damaged = |what: &str, err: &dyn fmt::Display| ErrorKind::BadArchive {
        detail: format!("entry is damaged ({what}: {err})"),
    };
    let too_big = || ErrorKind::BadArchive {
        detail: format!(
            "entry unpacks to more than the {} bytes its header declares (a zip bomb?)",
            e.size
        ),
    };
    // `open` checked every declared size against MAX_ENTRY_BYTES.
    let mut out = Vec::with_capacity(e.size as usize);
    if e.method == CompressionMethod::ZSTD {
        let mut raw = Vec::with_capacity(e.compressed.min(sniff::MAX_FILE_BYTES) as usize);
        zip.by_index_raw(e.index)
            .and_then(|mut f| f.read_to_end(&mut raw).map_err(Into::into))
            .map_err(|err| damaged("cannot read it", &err))?;
        // The buffer holds exactly the declared size: a frame that unpacks to more
        // fails with "target too small" instead of growing it. inspect-ai may write
        // several frames per entry; `decode_all` reads them all.
        match FrameDecoder::new().decode_all_to_vec(&raw, &mut out) {
            Ok(()) => {}
            Err(FrameDecoderError::TargetTooSmall) => return Err(too_big()),
            Err(err) => return Err(damaged("zstd data does not decode", &err)),
        }
        if out.len() as u64 != e.size {
            return Err(ErrorKind::BadArchive {
                detail: format!(
                    "entry is damaged (unpacks to {} bytes, its header says {})",
                    out.len(),
                    e.size
                ),
            });
        }
        let crc = crc32fast::hash(&out);
        if crc != e.crc32 {
            return Err(damaged(
                "checksum mismatch",
                &format_args!("CRC-32 is {crc:08x}, the header says {:08x}", e.crc32),
            ));
        }
    } else if e.method == CompressionMethod::Stored || e.method == CompressionMethod::DEFLATE {
        let f = zip
            .by_index(e.index)
            .map_err(|err| damaged("cannot open it", &err))?;
        // zip checks the CRC-32 at the end; `take` stops an entry that unpacks to
        // more than it declares.
        f.take(e.size.saturating_add(1))
            .read_to_end(&mut out)
            .map_err(|err| damaged("does not unpack", &err))?;
        if out.len() as u64 > e.size {
            return Err(too_big());
        }
    } else {
        return Err(ErrorKind::BadArchive {
            detail: format!(
                "entry is compressed with {}; .eval logs are read when stored, deflate \
                 or zstd",
                e.method
            ),
        });
    }
    Ok(out)
}
