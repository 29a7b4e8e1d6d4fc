//! 64-bit FNV-1a (Fowler, Noll & Vo), the one hash of the project: record checksums of
//! the grid store, and the fingerprints that tell whether a sweep log or a run folder
//! belongs to a config. Not cryptographic; chosen because it is tiny, fixed and the
//! same on every machine, so a fingerprint written once is recognised forever.

/// The FNV-1a 64 offset basis: the state before any byte.
pub const FNV1A64_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
/// The FNV-1a 64 prime.
const FNV1A64_PRIME: u64 = 0x0000_0100_0000_01b3;

/// FNV-1a 64 of `bytes`. Any single changed byte changes the hash (every step is a
/// bijection of the state), and an all-zero input never hashes to 0 (the state stays
/// odd).
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    fnv1a64_extend(FNV1A64_OFFSET, bytes)
}

/// Continues an FNV-1a 64 hash whose state is `h` over `bytes`, so
/// `fnv1a64_extend(fnv1a64(a), b) == fnv1a64(a ++ b)`: several pieces hash as their
/// concatenation without copying them together.
pub fn fnv1a64_extend(mut h: u64, bytes: &[u8]) -> u64 {
    for &b in bytes {
        h ^= b as u64;
        h = h.wrapping_mul(FNV1A64_PRIME);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_published_test_vectors() {
        // From the FNV reference test suite (draft-eastlake-fnv, fnv1a64).
        assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a64(b"foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn extending_is_hashing_the_concatenation() {
        assert_eq!(fnv1a64_extend(fnv1a64(b"foo"), b"bar"), fnv1a64(b"foobar"));
        assert_eq!(
            fnv1a64_extend(FNV1A64_OFFSET, b"foobar"),
            fnv1a64(b"foobar")
        );
        assert_eq!(fnv1a64_extend(12345, b""), 12345);
    }
}
