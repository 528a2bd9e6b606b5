//! The Origin rule for handshakes authenticated by a cookie.
//!
//! Browsers attach the session cookie to a WebSocket handshake opened by any page of the
//! same site (another port of the same host, another subdomain), and CORS does not apply
//! to WebSocket: without a check of `Origin`, such a page opens a socket as the signed-in
//! user (cross-site WebSocket hijacking). Tokens sent in `handshake.auth` or an
//! `Authorization` header are not sent by the browser on its own and are not concerned.

use crate::error::{Error, ErrorCode, Result};

/// The serialized origin `scheme://host[:port]`, lowercased, without a default port or a
/// trailing slash; None for `null`, an opaque origin or anything else.
pub fn normalize(origin: &str) -> Option<String> {
    let o = origin.trim();
    let o = o.strip_suffix('/').unwrap_or(o);
    let (scheme, rest) = o.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    if !matches!(scheme.as_str(), "http" | "https" | "ws" | "wss") {
        return None;
    }
    let authority = normalize_authority(&scheme, rest)?;
    Some(format!("{scheme}://{authority}"))
}

/// `host[:port]` lowercased, with the scheme's default port dropped; None when it has a
/// path, user info, whitespace or control characters, or is empty.
fn normalize_authority(scheme: &str, authority: &str) -> Option<String> {
    if authority.is_empty() || authority.bytes().any(|b| b <= b' ' || b == 0x7f || matches!(b, b'/' | b'?' | b'#' | b'@' | b'\\')) {
        return None;
    }
    let lower = authority.to_ascii_lowercase();
    let default_port = match scheme {
        "http" | "ws" => ":80",
        _ => ":443",
    };
    // An IPv6 literal ends with ']' when no port follows.
    let stripped = match lower.strip_suffix(default_port) {
        Some(h) if !h.is_empty() => h.to_string(),
        _ => lower,
    };
    Some(stripped)
}

/// A configured allowed origin, checked and normalized once.
pub fn parse_allowed(origin: &str) -> Result<String> {
    normalize(origin).ok_or_else(|| {
        Error::options(format!(
            "allowedOrigins: '{}' is not an origin (scheme://host[:port], e.g. https://app.example.com)",
            crate::util::printable(origin, 60)
        ))
    })
}

/// Whether `origin` is the origin the request was sent to: the default rule when no
/// origins are configured. Its host[:port] must be the `Host` header and its scheme the
/// request's: `secure` when the request came over TLS (or through a trusted proxy that
/// received it over TLS), so `http://api.example.com` is not the origin of an API reached
/// over https (a page served over plain http can be forged by anyone on the network).
pub fn same_origin(origin: &str, host: Option<&str>, secure: bool) -> bool {
    let (Some(o), Some(host)) = (normalize(origin), host) else { return false };
    let Some((scheme, authority)) = o.split_once("://") else { return false };
    if is_secure_scheme(scheme) != secure {
        return false;
    }
    match normalize_authority(scheme, host.trim()) {
        Some(h) => h == authority,
        None => false,
    }
}

fn is_secure_scheme(scheme: &str) -> bool {
    matches!(scheme, "https" | "wss")
}

/// The refusal of the default rule: as `not_allowed`, and when only the scheme differs
/// (the page's host is the request's Host), says so and how the request's scheme is known.
pub fn not_same_origin(origin: &str, host: Option<&str>, secure: bool) -> Error {
    let host_matches = normalize(origin).zip(host).is_some_and(|(o, h)| {
        let (scheme, authority) = o.split_once("://").unwrap_or(("", ""));
        let other = if is_secure_scheme(scheme) { "http" } else { "https" };
        normalize_authority(scheme, h.trim()).as_deref() == Some(authority) || normalize_authority(other, h.trim()).as_deref() == Some(authority)
    });
    if !host_matches {
        return not_allowed(origin);
    }
    let why = if secure {
        "a page served over plain http, while the request came over https: not the same origin (such a page can be forged by anyone on the network; list it in allowedOrigins to allow it anyway)"
    } else {
        "a page served over https, while the request came over plain http: not the same origin (behind a TLS-terminating proxy, set trustProxy, or trust proxy in Express, so that its X-Forwarded-Proto counts)"
    };
    Error::new(
        ErrorCode::OriginNotAllowed,
        format!("the session cookie came with a handshake from origin '{}', {why}", crate::util::printable(origin, 80)),
    )
}

/// Whether `origin` equals one of the normalized `allowed` origins.
pub fn listed(origin: &str, allowed: &[String]) -> bool {
    match normalize(origin) {
        Some(o) => allowed.contains(&o),
        None => false,
    }
}

/// The refusal of a cookie-authenticated handshake from an origin that is not allowed.
pub fn not_allowed(origin: &str) -> Error {
    Error::new(
        ErrorCode::OriginNotAllowed,
        format!(
            "the session cookie came with a handshake from origin '{}', which is not allowed (see allowedOrigins)",
            crate::util::printable(origin, 80)
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_origins() {
        assert_eq!(normalize("https://App.Example.com").as_deref(), Some("https://app.example.com"));
        assert_eq!(normalize("https://app.example.com:443/").as_deref(), Some("https://app.example.com"));
        assert_eq!(normalize("http://localhost:3000").as_deref(), Some("http://localhost:3000"));
        assert_eq!(normalize("http://[::1]:80").as_deref(), Some("http://[::1]"));
        for bad in ["null", "", "file://", "https://a.example/x", "https://u@a.example", "https://a\n.example", "javascript:x", "https://a b"] {
            assert_eq!(normalize(bad), None, "{bad:?}");
        }
        assert!(parse_allowed("localhost:3000").is_err());
    }

    #[test]
    fn same_origin_compares_with_host() {
        assert!(same_origin("http://localhost:4000", Some("localhost:4000"), false));
        assert!(same_origin("https://api.example.com", Some("API.example.com:443"), true));
        assert!(same_origin("wss://api.example.com", Some("api.example.com"), true));
        assert!(!same_origin("http://localhost:3000", Some("localhost:4000"), false), "another port of the same host");
        assert!(!same_origin("https://evil.example.com", Some("api.example.com"), true), "another subdomain");
        assert!(!same_origin("null", Some("localhost"), false));
        assert!(!same_origin("http://localhost:4000", None, false));
    }

    /// O02: the scheme is part of the origin.
    #[test]
    fn same_origin_compares_the_scheme() {
        assert!(!same_origin("http://api.example.com", Some("api.example.com"), true), "an http page against an API reached over https");
        assert!(!same_origin("http://api.example.com:443", Some("api.example.com"), true));
        assert!(!same_origin("https://api.example.com", Some("api.example.com"), false), "an https page against a request that came over http");
        assert!(!same_origin("ws://api.example.com", Some("api.example.com"), true));
        assert!(same_origin("http://api.example.com:8443", Some("api.example.com:8443"), false));
        assert!(!same_origin("http://api.example.com:8443", Some("api.example.com:8443"), true));
        let e = not_same_origin("http://api.example.com", Some("api.example.com"), true);
        assert!(e.message.contains("a page served over plain http, while the request came over https"), "{}", e.message);
        let e = not_same_origin("https://api.example.com", Some("api.example.com"), false);
        assert!(e.message.contains("trustProxy"), "{}", e.message);
        let e = not_same_origin("https://evil.example", Some("api.example.com"), true);
        assert_eq!(e, not_allowed("https://evil.example"));
    }

    #[test]
    fn listed_is_exact_after_normalization() {
        let allowed = vec![parse_allowed("https://app.example.com/").unwrap()];
        assert!(listed("https://APP.example.com", &allowed));
        assert!(listed("https://app.example.com:443", &allowed));
        assert!(!listed("https://app.example.com.evil.example", &allowed));
        assert!(!listed("http://app.example.com", &allowed));
    }
}
