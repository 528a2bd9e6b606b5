//! Cookie headers as @auth/core reads them (its vendored `cookie` parser and its
//! SessionStore), plus the chunk rules: `<name>` or `<name>.0`, `<name>.1`, ...

use crate::error::{Error, Result};
use super::percent_decode;
use std::borrow::Cow;

/// Splits a Cookie header into (name, value) pairs in order: pairs separated by ';',
/// name and value split at the first '=', trimmed of spaces and tabs; a segment
/// without '=' is skipped. A value with '%' is percent-decoded when it decodes as
/// UTF-8 (kept as it is otherwise), and a value in double quotes loses its quotes.
pub fn pairs(header: &str) -> impl Iterator<Item = (&str, Cow<'_, str>)> {
    raw_pairs(header).map(|(name, value)| (name, cookie_value(value)))
}

/// The pairs of a Cookie header with the names trimmed and the values as they are (the
/// value's work is done only for the cookies a caller wants).
fn raw_pairs(header: &str) -> impl Iterator<Item = (&str, &str)> {
    header.split(';').filter_map(|seg| {
        let (name, value) = seg.split_once('=')?;
        Some((name.trim_matches([' ', '\t']), value))
    })
}

/// One raw cookie value as `pairs` gives it: trimmed, unquoted, percent-decoded.
fn cookie_value(value: &str) -> Cow<'_, str> {
    let mut value = value.trim_matches([' ', '\t']);
    if value.len() >= 2 && value.starts_with('"') && value.ends_with('"') {
        value = &value[1..value.len() - 1];
    }
    if value.contains('%') {
        match percent_decode(value) {
            Some(d) => Cow::Owned(d),
            None => Cow::Borrowed(value),
        }
    } else {
        Cow::Borrowed(value)
    }
}

/// The session token in a Cookie header: None when no cookie of that name is present.
/// The plain cookie counts unless chunks (`<name>.<digits>`) exist; chunks are joined in
/// numeric order and must be exactly 0..n-1 (a gap or a repeated index is malformed).
/// For the plain name the first occurrence wins, as in @auth/core's parser.
/// The token borrows from the header unless it had to be decoded or joined.
pub fn session_token<'h>(header: &'h str, name: &str, max_len: usize) -> Result<Option<Cow<'h, str>>> {
    let mut plain: Option<Cow<'h, str>> = None;
    let mut chunks: Vec<(u64, Cow<'h, str>)> = Vec::new();
    let mut total = 0usize;
    for (n, raw) in raw_pairs(header) {
        if n == name {
            if plain.is_none() {
                let v = cookie_value(raw);
                if !v.is_empty() {
                    plain = Some(v);
                }
            }
            continue;
        }
        if !is_chunk_of(n, name) {
            continue;
        }
        let v = cookie_value(raw);
        let index: u64 = n[name.len() + 1..]
            .parse()
            .map_err(|_| Error::malformed(format!("the session cookie chunk index of {name} is out of range")))?;
        if chunks.iter().any(|(i, _)| *i == index) {
            return Err(Error::malformed(format!("the session cookie chunk {name}.{index} appears twice")));
        }
        total += v.len();
        if total > max_len {
            return Err(Error::new(
                crate::error::ErrorCode::TokenTooLarge,
                format!("the session cookie chunks add up to more than the limit of {max_len} bytes"),
            ));
        }
        chunks.push((index, v));
    }
    if chunks.is_empty() {
        return Ok(plain);
    }
    chunks.sort_by_key(|(i, _)| *i);
    for (expected, (i, _)) in chunks.iter().enumerate() {
        if *i != expected as u64 {
            return Err(Error::malformed(format!(
                "the session cookie chunks of {name} are not numbered 0..{} (chunk {expected} is missing)",
                chunks.len() - 1
            )));
        }
    }
    Ok(Some(Cow::Owned(chunks.into_iter().map(|(_, v)| v).collect())))
}

/// True for `<base>.<digits>`, a chunk of the cookie `base`.
fn is_chunk_of(name: &str, base: &str) -> bool {
    name.strip_prefix(base)
        .and_then(|r| r.strip_prefix('.'))
        .is_some_and(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()))
}

/// For ERR_TOKEN_MISSING: the NAMES (never the values) of the cookies in a header, and,
/// given the session cookie's name, a hint when the session came under its other name
/// (`__Secure-` behind HTTPS, or without it), the usual cause of a missing session.
pub fn names_seen(header: &str, session: Option<&str>) -> String {
    names_seen_for(header, session.map(|s| (s, "authjs")))
}

/// As `names_seen`, the hint naming the options object (`authjs` or `betterAuth`) whose
/// `secureCookie` to set.
pub fn names_seen_for(header: &str, session: Option<(&str, &str)>) -> String {
    const MAX_NAMES: usize = 12;
    let mut names: Vec<&str> = Vec::new();
    for (n, _) in pairs(header) {
        if !n.is_empty() && !names.contains(&n) {
            names.push(n);
        }
    }
    if names.is_empty() {
        return String::new();
    }
    let shown: Vec<String> = names.iter().take(MAX_NAMES).map(|n| crate::util::printable(n, 48)).collect();
    let more = if names.len() > MAX_NAMES { format!(" and {} more", names.len() - MAX_NAMES) } else { String::new() };
    let mut out = format!("; cookies present (names only): {}{more}", shown.join(", "));
    let Some((want, option)) = session else { return out };
    let other = |name: &str| if option == "authjs" { format!(" (or cookieName: '{name}')") } else { String::new() };
    let is_or_chunk = |n: &str, base: &str| n == base || is_chunk_of(n, base);
    match want.strip_prefix("__Secure-") {
        None => {
            let secure = format!("__Secure-{want}");
            if names.iter().any(|n| is_or_chunk(n, &secure)) {
                out.push_str(&format!(
                    "; a {secure} cookie was present: the front end is served over HTTPS, so set {option}.secureCookie: true{}",
                    other(&secure)
                ));
            }
        }
        Some(plain) => {
            if names.iter().any(|n| is_or_chunk(n, plain)) {
                out.push_str(&format!(
                    "; a {plain} cookie was present: the front end is served over plain HTTP, so set {option}.secureCookie: false{}",
                    other(plain)
                ));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;

    const N: &str = "authjs.session-token";

    #[test]
    fn parser_rules_match_auth_core() {
        let got: Vec<(String, String)> = pairs("a=1;a=2; b=\"q%20v\" ;c=%E0%A4%A;d=x%20y;e=f=g;=h;junk;  t\t=\tv ")
            .map(|(n, v)| (n.to_string(), v.into_owned()))
            .collect();
        let want = [("a", "1"), ("a", "2"), ("b", "q v"), ("c", "%E0%A4%A"), ("d", "x y"), ("e", "f=g"), ("", "h"), ("t", "v")];
        assert_eq!(got, want.map(|(a, b)| (a.to_string(), b.to_string())));
    }

    #[test]
    fn plain_and_chunks() {
        assert_eq!(session_token("x=1", N, 1000).unwrap(), None);
        assert_eq!(session_token(&format!("x=1; {N}=abc"), N, 1000).unwrap().unwrap(), "abc");
        let h = format!("{N}.2=C; other=1; {N}.0=A; {N}.1=B; {N}=P");
        assert_eq!(session_token(&h, N, 1000).unwrap().unwrap(), "ABC");
        let h = format!("{N}.10=K; {N}.0=0; {N}.1=1; {N}.2=2; {N}.3=3; {N}.4=4; {N}.5=5; {N}.6=6; {N}.7=7; {N}.8=8; {N}.9=9");
        assert_eq!(session_token(&h, N, 1000).unwrap().unwrap(), "0123456789K");
    }

    #[test]
    fn chunk_errors() {
        let code = |h: String| session_token(&h, N, 1000).unwrap_err().code;
        assert_eq!(code(format!("{N}.0=A; {N}.2=C")), ErrorCode::TokenMalformed);
        assert_eq!(code(format!("{N}.0=A; {N}.0=B")), ErrorCode::TokenMalformed);
        assert_eq!(code(format!("{N}.99999999999=A")), ErrorCode::TokenMalformed);
        assert_eq!(code(format!("{N}.999999999999999999999999=A")), ErrorCode::TokenMalformed);
        assert_eq!(code(format!("{N}.0={}; {N}.1={}", "a".repeat(600), "b".repeat(600))), ErrorCode::TokenTooLarge);
        // Non-numeric suffixes are other cookies, not chunks.
        assert_eq!(session_token(&format!("{N}.x=A; {N}.1a=B; {N}=P"), N, 1000).unwrap().unwrap(), "P");
        // The __Secure- cookie is a different name.
        assert_eq!(session_token(&format!("__Secure-{N}=S"), N, 1000).unwrap(), None);
    }

    #[test]
    fn names_only_and_the_other_session_name() {
        assert_eq!(names_seen("", Some(N)), "");
        let seen = names_seen(&format!("a=secret-value; __Secure-{N}.0=x; a=2"), Some(N));
        assert!(seen.starts_with(&format!("; cookies present (names only): a, __Secure-{N}.0;")), "{seen}");
        assert!(seen.contains("secureCookie: true") && !seen.contains("secret-value"), "{seen}");
        let plain = names_seen(&format!("{N}=x"), Some(&format!("__Secure-{N}")));
        assert!(plain.contains("secureCookie: false"), "{plain}");
        assert!(!names_seen(&format!("{N}.x=1"), Some(&format!("__Secure-{N}"))).contains("secureCookie"));
        let many: Vec<String> = (0..15).map(|i| format!("c{i}=1")).collect();
        assert!(names_seen(&many.join("; "), None).ends_with("c11 and 3 more"));
    }
}
