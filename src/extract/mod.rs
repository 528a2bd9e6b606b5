//! Finding a token where callers and clients put it: the `Bearer` scheme, cookies
//! (`cookie`) and percent-encoding. Used by the verifiers' messages (`token`), the
//! session decoder (`authjs`), the handshake authenticator and `inspect`.

pub mod cookie;

/// True when `s` starts with the `Bearer ` scheme (any case, RFC 7235).
pub fn has_bearer_prefix(s: &str) -> bool {
    s.len() >= 7 && s.as_bytes()[..7].eq_ignore_ascii_case(b"bearer ")
}

/// Strips an optional `Bearer ` prefix (any case) and surrounding whitespace.
pub fn strip_bearer(s: &str) -> &str {
    let t = s.trim();
    if has_bearer_prefix(t) {
        t[7..].trim_start()
    } else {
        t
    }
}

/// The token of an `Authorization: Bearer <token>` header (scheme case-insensitive,
/// RFC 7235); None for another scheme or an empty token.
pub fn bearer_token(header: &str) -> Option<&str> {
    if !has_bearer_prefix(header.trim()) {
        return None;
    }
    let t = strip_bearer(header);
    (!t.is_empty()).then_some(t)
}

/// Percent-decodes a string, or None when it is not valid percent-encoded UTF-8.
pub fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = b.get(i + 1..i + 3)?;
            let hex = std::str::from_utf8(hex).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_parsing() {
        assert_eq!(bearer_token("Bearer abc"), Some("abc"));
        assert_eq!(bearer_token("bearer  abc "), Some("abc"));
        assert_eq!(bearer_token(" BEARER abc"), Some("abc"));
        assert_eq!(bearer_token("Basic abc"), None);
        assert_eq!(bearer_token("Bearer "), None);
        assert_eq!(bearer_token("Bearerabc"), None);
        assert_eq!(strip_bearer("  Bearer  a.b.c "), "a.b.c");
        assert_eq!(strip_bearer(" a.b.c "), "a.b.c");
        assert!(has_bearer_prefix("bEaReR x") && !has_bearer_prefix("bearer"));
    }

    #[test]
    fn percent_decoding() {
        assert_eq!(percent_decode("a%20b%C3%A9").as_deref(), Some("a bé"));
        assert_eq!(percent_decode("plain").as_deref(), Some("plain"));
        assert_eq!(percent_decode("%zz"), None);
        assert_eq!(percent_decode("%4"), None);
        assert_eq!(percent_decode("%E0%A4"), None, "not UTF-8");
    }
}

/// White space as a JavaScript RegExp's `\s` matches it (ECMAScript WhiteSpace and
/// LineTerminator), which differs from `char::is_whitespace` (U+FEFF yes, U+0085 no).
pub fn is_js_space(c: char) -> bool {
    matches!(
        c,
        '\t' | '\n' | '\u{0B}' | '\u{0C}' | '\r' | ' ' | '\u{A0}' | '\u{1680}' | '\u{2000}'..='\u{200A}' | '\u{2028}' | '\u{2029}' | '\u{202F}' | '\u{205F}' | '\u{3000}' | '\u{FEFF}'
    )
}

/// passport-jwt's reading of an Authorization header, `/(\S+)\s+(\S+)/` (js/passport/extract-jwt.js):
/// the first run of non-space characters and the run after it, or None.
pub fn auth_header_parts(value: &str) -> Option<(&str, &str)> {
    let start = find_js(value, 0, false)?;
    let end = find_js(value, start, true)?;
    let v_start = find_js(value, end, false)?;
    let v_end = find_js(value, v_start, true).unwrap_or(value.len());
    Some((&value[start..end], &value[v_start..v_end]))
}

/// The byte offset of the first character at or after `from` (a char boundary) that is
/// (`space`) or is not (`!space`) JS white space. ASCII is decided per byte.
fn find_js(s: &str, from: usize, space: bool) -> Option<usize> {
    let b = s.as_bytes();
    let mut i = from;
    while i < b.len() {
        if space {
            // Skip eight bytes at a time while none is a control, a space or non-ASCII
            // (the test may flag more than those, never fewer).
            while let Some(chunk) = b.get(i..i + 8) {
                let x = u64::from_le_bytes(chunk.try_into().ok()?);
                if (x.wrapping_sub(0x2121_2121_2121_2121) | x) & 0x8080_8080_8080_8080 != 0 {
                    break;
                }
                i += 8;
            }
            if i >= b.len() {
                return None;
            }
        }
        let c = b[i];
        if c < 0x80 {
            if matches!(c, b'\t' | b'\n' | 0x0B | 0x0C | b'\r' | b' ') == space {
                return Some(i);
            }
            i += 1;
        } else {
            let ch = s[i..].chars().next()?;
            if is_js_space(ch) == space {
                return Some(i);
            }
            i += ch.len_utf8();
        }
    }
    None
}

#[cfg(test)]
mod auth_header_tests {
    use super::*;

    #[test]
    fn reads_as_the_passport_regexp_does() {
        assert_eq!(auth_header_parts("Bearer abc"), Some(("Bearer", "abc")));
        assert_eq!(auth_header_parts("  bearer\t\r\n abc def "), Some(("bearer", "abc")));
        assert_eq!(auth_header_parts("Bearer\u{FEFF}abc"), Some(("Bearer", "abc")));
        assert_eq!(auth_header_parts("Bearer\u{85}abc"), None);
        assert_eq!(auth_header_parts("Bearer"), None);
        assert_eq!(auth_header_parts("Bearer   "), None);
        assert_eq!(auth_header_parts(""), None);
        assert_eq!(auth_header_parts("a\u{3000}b\u{2028}c"), Some(("a", "b")));
        let long = "x".repeat(37);
        for ws in [" ", "\t", "\u{A0}", "\u{FEFF}", "\u{2009}", "\u{3000}"] {
            for cut in 0..37 {
                let v = format!("Bearer {}{ws}{}", &long[..cut], &long[cut..]);
                assert_eq!(auth_header_parts(&v), Some(("Bearer", &long[..cut.max(0)])).filter(|_| cut > 0).or(Some(("Bearer", &long[cut..]))));
            }
        }
        assert_eq!(auth_header_parts(&format!("Bearer {long}\u{85}{long}")).map(|p| p.1.len()), Some(37 * 2 + 2));
    }
}
