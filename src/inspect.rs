//! Diagnostics without a key: `decode_unverified` and `inspect`. Nothing here is
//! trusted, and nothing returned repeats a signature, ciphertext, IV or tag.

use serde_json::{json, Map, Value};

use crate::b64;
use crate::error::Result;
use crate::extract;
use crate::jwt::claims::span_words;
use crate::token::{self, decode_header, parse_json_object, Parts};

/// Upper bound for diagnostics input; larger strings are described, not parsed.
pub const INSPECT_MAX_LENGTH: usize = 1 << 20;

pub struct Decoded {
    pub header: Map<String, Value>,
    /// None for a JWE: its payload is encrypted.
    pub payload: Option<Map<String, Value>>,
}

/// Decodes header and (for a JWS) claims without verifying anything.
pub fn decode_unverified(token: &str) -> Result<Decoded> {
    match token::split(token, INSPECT_MAX_LENGTH)? {
        Parts::Jws([h, p, _]) => {
            let header = decode_header(h)?;
            let bytes = b64::decode(p.as_bytes(), "payload")?;
            let payload = parse_json_object(&bytes, "claims set (payload)")?;
            Ok(Decoded { header, payload: Some(payload) })
        }
        Parts::Jwe([h, ..]) => Ok(Decoded { header: decode_header(h)?, payload: None }),
    }
}

/// Is this header the one Auth.js / NextAuth put on session tokens?
pub fn is_authjs_header(header: &Map<String, Value>) -> bool {
    header.get("alg").and_then(Value::as_str) == Some("dir")
        && matches!(header.get("enc").and_then(Value::as_str), Some("A256CBC-HS512") | Some("A256GCM"))
}

/// A NumericDate as an ISO 8601 UTC string (proleptic Gregorian), for people.
pub fn iso8601(seconds: f64) -> Option<String> {
    if !seconds.is_finite() || seconds.abs() > 253_402_300_799.0 {
        return None;
    }
    let secs = seconds.floor() as i64;
    let days = secs.div_euclid(86400);
    let rem = secs.rem_euclid(86400);
    // Civil-from-days (H. Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + if m <= 2 { 1 } else { 0 };
    Some(format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", rem / 3600, rem % 3600 / 60, rem % 60))
}

fn time_entry(at: f64, words: String) -> Value {
    json!({ "at": at, "iso": iso8601(at), "relative": words })
}

/// The result for input that could not be read at all, with every field `Inspection` has.
pub fn unreadable(hints: Vec<String>, error: &str) -> Value {
    json!({
        "kind": "unknown", "authJsSession": false, "header": null, "alg": null, "enc": null, "kid": null,
        "claims": null, "times": {}, "hints": hints, "error": error,
    })
}

/// Undoes the usual ways a token gets wrapped (whitespace, `Bearer `, quotes,
/// URL-encoding), with a hint for each.
fn unwrap_token(input: &str, hints: &mut Vec<String>) -> String {
    let mut token = input.to_string();
    if token.trim() != token {
        hints.push("the token has whitespace around it: trim it".into());
        token = token.trim().to_string();
    }
    if extract::has_bearer_prefix(&token) {
        hints.push("the token starts with 'Bearer ': pass only the token (verifiers do not strip it; the handshake authenticator does)".into());
        token = extract::strip_bearer(&token).to_string();
    }
    if token.len() >= 2 && ((token.starts_with('"') && token.ends_with('"')) || (token.starts_with('\'') && token.ends_with('\''))) {
        hints.push("the token is wrapped in quotes: remove them (JSON.stringify of a string adds them)".into());
        token = token[1..token.len() - 1].to_string();
    }
    if token.contains('%') {
        if let Some(decoded) = extract::percent_decode(&token) {
            hints.push("the token is URL-encoded: decode it (decodeURIComponent) before verifying".into());
            token = decoded;
        }
    }
    token
}

/// exp, nbf and iat in words, with a hint for each problem.
fn times(claims: &Map<String, Value>, now: f64, hints: &mut Vec<String>) -> Map<String, Value> {
    let mut times = Map::new();
    let num = |n: &str| claims.get(n).and_then(Value::as_f64);
    if let Some(exp) = num("exp") {
        let words = if exp <= now {
            let w = format!("expired {} ago", span_words(now - exp));
            hints.push(format!("the token {w}"));
            w
        } else {
            format!("expires in {}", span_words(exp - now))
        };
        times.insert("exp".into(), time_entry(exp, words));
    } else if claims.contains_key("exp") {
        hints.push("the exp claim is not a number".into());
    } else {
        hints.push("the token has no exp claim: JwtVerifier requires one by default (requiredClaims)".into());
    }
    if let Some(nbf) = num("nbf") {
        let words = if nbf > now {
            let w = format!("not valid until {} from now", span_words(nbf - now));
            hints.push(format!("the token is {w}"));
            w
        } else {
            format!("valid since {} ago", span_words(now - nbf))
        };
        times.insert("nbf".into(), time_entry(nbf, words));
    }
    if let Some(iat) = num("iat") {
        let words = if iat > now {
            format!("issued {} in the future (clock skew?)", span_words(iat - now))
        } else {
            format!("issued {} ago", span_words(now - iat))
        };
        times.insert("iat".into(), time_entry(iat, words));
    }
    times
}

/// Explains a token. Never fails: problems become `error` and `hints`.
pub fn inspect(input: &str, now: f64) -> Value {
    if input.len() > INSPECT_MAX_LENGTH {
        return unreadable(
            vec![format!("the input is {} bytes, far larger than any token; not parsed", input.len())],
            &format!("ERR_TOKEN_TOO_LARGE: the input is over {INSPECT_MAX_LENGTH} bytes"),
        );
    }
    let mut hints: Vec<String> = Vec::new();
    let token = unwrap_token(input, &mut hints);
    let dots = token.matches('.').count();
    let kind = match dots {
        2 => "jws",
        4 => "jwe",
        _ => "unknown",
    };
    let (header, claims, error) = match decode_unverified(&token) {
        Ok(d) => (Some(d.header), d.payload, None),
        // The header alone may still be readable.
        Err(e) => (token.split('.').next().and_then(|h| decode_header(h).ok()), None, Some(e)),
    };
    let get = |name: &str| header.as_ref().and_then(|h| h.get(name)).cloned().unwrap_or(Value::Null);
    let auth_js = kind == "jwe" && header.as_ref().is_some_and(is_authjs_header);
    if kind == "jwe" {
        hints.push(if auth_js {
            "this is an encrypted JWE in the Auth.js / NextAuth session format (alg dir): a JWS verifier cannot read it; decode it with AuthJsSession, or accept it with HandshakeAuthenticator's authjs options".into()
        } else {
            "this is an encrypted JWE, not a signed JWS: a JWS verifier cannot read it".into()
        });
    }
    if get("alg").as_str().is_some_and(|alg| alg.eq_ignore_ascii_case("none")) {
        hints.push("alg is 'none': the token is unsigned and is never accepted".into());
    }
    let times = claims.as_ref().map(|c| times(c, now, &mut hints)).unwrap_or_default();
    if error.is_some() {
        if kind == "unknown" && !token.is_empty() {
            hints.push(format!("a compact token has 3 parts (JWS) or 5 (JWE); this has {}", dots + 1));
        }
        if token.is_empty() {
            hints.push("the token is empty".into());
        }
    }
    let (alg, enc, kid) = (get("alg"), get("enc"), get("kid"));
    json!({
        "kind": kind,
        "authJsSession": auth_js,
        "header": header.map(Value::Object).unwrap_or(Value::Null),
        "alg": alg,
        "enc": enc,
        "kid": kid,
        "claims": claims.map(Value::Object).unwrap_or(Value::Null),
        "times": Value::Object(times),
        "hints": hints,
        "error": error.map(|e| Value::String(format!("{}: {}", e.code, e.message))).unwrap_or(Value::Null),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_dates() {
        assert_eq!(iso8601(0.0).unwrap(), "1970-01-01T00:00:00Z");
        assert_eq!(iso8601(1_700_000_000.0).unwrap(), "2023-11-14T22:13:20Z");
        assert_eq!(iso8601(951_782_400.0).unwrap(), "2000-02-29T00:00:00Z");
        assert!(iso8601(1e300).is_none());
    }

    #[test]
    fn inspect_never_fails() {
        for s in ["", ".", "....", "a.b.c", "Bearer x", "\"a.b.c\"", "%zz", "\u{0}", "ééééé", "€€€a.b.c", "bearer€x"] {
            let v = inspect(s, 0.0);
            assert!(v["hints"].is_array(), "{s}");
        }
        let big = inspect(&"a".repeat(INSPECT_MAX_LENGTH + 1), 0.0);
        let fallback = unreadable(vec![], "x");
        let keys = |v: &Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
        assert_eq!(keys(&big), keys(&inspect("a.b.c", 0.0)), "every path gives the same fields");
        assert_eq!(keys(&fallback), keys(&big));
    }

    #[test]
    fn inspect_hints_bearer_and_jwe() {
        let h = b64::encode(br#"{"alg":"dir","enc":"A256CBC-HS512"}"#);
        let v = inspect(&format!("Bearer {h}..aaaa.bbbb.cccc"), 0.0);
        assert_eq!(v["kind"], "jwe");
        assert_eq!(v["authJsSession"], true);
        let hints = v["hints"].to_string();
        assert!(hints.contains("Bearer"));
        assert!(hints.contains("AuthJsSession"));
        assert!(!v.to_string().contains("bbbb"), "ciphertext must not be repeated");
    }
}
