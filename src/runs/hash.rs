//! The one content hash of the app's stable ids: user files' answer ids, the hash labels keep
//! of the text their annotator saw, compare's draws, the base model's provenance.

/// FNV-1a: tiny, dependency-free and identical on every platform.
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= b as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}
