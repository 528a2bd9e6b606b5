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

/// As `decode`, into `out` (a stack buffer for short values such as a signature); returns
/// the decoded bytes, or None when `out` is too small (the caller then uses `decode`).
pub fn decode_into<'o>(input: &[u8], out: &'o mut [std::mem::MaybeUninit<u8>], what: &str) -> Option<Result<&'o [u8]>> {
    let engine = base64_simd::URL_SAFE_NO_PAD;
    let need = engine.decoded_length(input).ok()?;
    if need > out.len() {
        return None;
    }
    Some(engine.decode(input, base64_simd::Out::from_uninit_slice(out)).map(|b| &*b).map_err(|_| refused(what)))
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
    /// with the same bytes, and `decode_into` agrees with `decode`.
    #[test]
    fn strict_like_the_base64_crate() {
        let mut chars: Vec<u8> = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".to_vec();
        chars.extend_from_slice(b"=+/ .\n\0\x80\xff");
        let check = |s: &[u8]| {
            let reference = URL_SAFE_NO_PAD.decode(s).ok();
            let ours = decode(s, "x").ok();
            assert_eq!(reference, ours, "{s:?}");
            let mut buf = [std::mem::MaybeUninit::uninit(); 64];
            if let Some(r) = decode_into(s, &mut buf, "x") {
                assert_eq!(r.ok().map(<[u8]>::to_vec), reference, "decode_into {s:?}");
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
