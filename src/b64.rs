//! Strict base64url (RFC 7515 section 2): no padding, no `+` or `/`, no whitespace,
//! and no non-zero trailing bits, so every byte string has exactly one encoding.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

use crate::error::{Error, Result};

/// Decodes with base64-simd (AVX2/SSE4.1/NEON chosen at run time), which is as strict as
/// base64's `URL_SAFE_NO_PAD` (the `strict_like_the_base64_crate` test compares them).
pub fn decode(input: &[u8], what: &str) -> Result<Vec<u8>> {
    base64_simd::URL_SAFE_NO_PAD.decode_to_vec(input).map_err(|_| refused(what))
}

/// As `decode`, into `out` (a stack buffer for short values: a signature, an IV, a tag)
/// when it fits, into a `Vec` otherwise.
pub fn decode_small<'o>(input: &[u8], out: &'o mut [std::mem::MaybeUninit<u8>], what: &str) -> Result<std::borrow::Cow<'o, [u8]>> {
    let engine = base64_simd::URL_SAFE_NO_PAD;
    match engine.decoded_length(input) {
        Ok(need) if need <= out.len() => engine
            .decode(input, base64_simd::Out::from_uninit_slice(out))
            .map(|b| std::borrow::Cow::Borrowed(&*b))
            .map_err(|_| refused(what)),
        _ => decode(input, what).map(std::borrow::Cow::Owned),
    }
}

fn refused(what: &str) -> Error {
    Error::malformed(format!("the {what} is not strict base64url"))
}

pub fn encode(input: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(input)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every string of up to 3 characters over the alphabet plus the usual wrong ones, and
    /// random longer ones: base64-simd accepts exactly what base64's URL_SAFE_NO_PAD
    /// accepts (padding, `+`, `/`, white space, non-canonical trailing bits all refused),
    /// with the same bytes, and `decode_small` agrees with `decode`.
    #[test]
    fn strict_like_the_base64_crate() {
        let mut chars: Vec<u8> = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".to_vec();
        chars.extend_from_slice(b"=+/ .\n\0\x80\xff");
        let check = |s: &[u8]| {
            let reference = URL_SAFE_NO_PAD.decode(s).ok();
            let ours = decode(s, "x").ok();
            assert_eq!(reference, ours, "{s:?}");
            // Both sides of decode_small: the stack buffer, and the Vec when it does not fit.
            for size in [64, 2] {
                let mut buf = vec![std::mem::MaybeUninit::uninit(); size];
                assert_eq!(decode_small(s, &mut buf, "x").ok().map(|c| c.into_owned()), reference, "decode_small {s:?}");
            }
        };
        check(b"");
        for &a in &chars {
            check(&[a]);
            for &b in &chars {
                check(&[a, b]);
                for &c in &chars {
                    check(&[a, b, c]);
                }
            }
        }
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for len in 4..90 {
            for _ in 0..400 {
                let s: Vec<u8> = (0..len)
                    .map(|_| {
                        let r = next();
                        // Mostly alphabet characters, so that whole valid strings occur.
                        if r % 25 == 0 { chars[(r >> 8) as usize % chars.len()] } else { chars[(r >> 8) as usize % 64] }
                    })
                    .collect();
                check(&s);
            }
        }
    }
}
