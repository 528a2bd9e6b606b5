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
