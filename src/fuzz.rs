//! Entry points for fuzzing (fuzz/, cargo fuzz) and for replaying the committed corpus
//! in `cargo test` (tests/fuzz_corpus.rs). Each takes arbitrary bytes and must return
//! without panicking, whatever they hold.

use once_cell::sync::Lazy;

use crate::authjs::{AuthJsOptions, AuthJsSession};
use crate::handshake::{Field, Handshake, HandshakeAuthenticator};
use crate::jwt::{JwtVerifier, KeySource, VerifierOptions};

const HS_SECRET: &[u8] = b"fuzzing-secret-fuzzing-secret-fuzzing-secret-64-bytes-long-12345";
pub const AUTH_SECRET: &str = "fuzzing-auth-secret";
pub const NOW: f64 = 1_800_000_000.0;

fn verifier() -> JwtVerifier {
    let opts = VerifierOptions {
        algorithms: vec!["HS256".into(), "HS512".into()],
        key: Some(KeySource::Bytes(HS_SECRET.to_vec())),
        issuer: Some(vec!["https://issuer".into()]),
        audience: Some(vec!["api".into()]),
        clock_tolerance: Some(5.0),
        max_age: Some(86400.0),
        ..Default::default()
    };
    match JwtVerifier::new(opts) {
        Ok(v) => v,
        Err(e) => panic!("fuzz setup: {e}"),
    }
}

fn session() -> AuthJsSession {
    let opts = AuthJsOptions { secrets: vec![AUTH_SECRET.into(), "older-secret".into()], ..Default::default() };
    match AuthJsSession::new(opts) {
        Ok(s) => s,
        Err(e) => panic!("fuzz setup: {e}"),
    }
}

static VERIFIER: Lazy<JwtVerifier> = Lazy::new(verifier);
static SESSION: Lazy<AuthJsSession> = Lazy::new(session);
static HANDSHAKE: Lazy<HandshakeAuthenticator> = Lazy::new(|| match HandshakeAuthenticator::new(
    Some(verifier()),
    Some(session()),
    Some(better_auth()),
    Some(vec!["auth".into(), "header".into(), "cookie".into(), "query".into()]),
    None,
) {
    Ok(h) => h,
    Err(e) => panic!("fuzz setup: {e}"),
});

fn text(data: &[u8]) -> String {
    String::from_utf8_lossy(data).into_owned()
}

/// A token, verified as a JWS (signature, alg pinning, claims).
pub fn jws_verify(data: &[u8]) {
    let t = text(data);
    let _ = VERIFIER.verify(&t, NOW);
    let _ = crate::jws::verify_compact(&t, &[crate::Algorithm::HS256], &crate::key::KeyStore::Single(
        match crate::key::VerifyKey::from_bytes(HS_SECRET, &[crate::Algorithm::HS256], false) {
            Ok(k) => k,
            Err(e) => panic!("fuzz setup: {e}"),
        },
    ), 1 << 20);
}

/// A token, decoded as an Auth.js session.
pub fn authjs_decode(data: &[u8]) {
    let _ = SESSION.decode(&text(data), NOW);
}

fn better_auth() -> crate::betterauth::BetterAuthSession {
    let opts = crate::betterauth::BetterAuthOptions {
        secret: Some(BETTER_AUTH_SECRET.into()),
        secrets: Some(vec![(2, "fuzzing-better-auth-secret-v2".into())]),
        ..Default::default()
    };
    match crate::betterauth::BetterAuthSession::new(opts) {
        Ok(s) => s,
        Err(e) => panic!("fuzz setup: {e}"),
    }
}

static BETTER_AUTH: Lazy<crate::betterauth::BetterAuthSession> = Lazy::new(better_auth);

/// The secret of the Better Auth corpus seeds (__test__/fixtures/better-auth/vectors.json).
pub const BETTER_AUTH_SECRET: &str = "better-auth-test-secret-0123456789abcdefghij";

/// A Better Auth cookie-cache value (any strategy), Cookie header, or session token cookie.
pub fn betterauth_decode(data: &[u8]) {
    let t = text(data);
    let _ = BETTER_AUTH.decode(&t, NOW);
    let _ = BETTER_AUTH.from_cookie_header(&t, NOW);
    let _ = BETTER_AUTH.verify_session_token(&t);
    let _ = crate::betterauth::iso_date_ms(&t);
    // As a lookupSession answer (`{ session, user }` JSON), and its claims.
    if let Ok(c) = BETTER_AUTH.from_lookup(t.as_bytes(), None, Some(NOW + 60.0), NOW) {
        let _ = BETTER_AUTH.claims(c, NOW);
    }
}

/// A Cookie header, searched for the session cookie and its chunks.
pub fn cookie_header(data: &[u8]) {
    let t = text(data);
    let _ = crate::extract::cookie::session_token(&t, "authjs.session-token", 65536);
    let _ = SESSION.from_cookie_header(&t, NOW);
    for (name, value) in crate::extract::cookie::pairs(&t) {
        std::hint::black_box((name, value));
    }
}

/// A handshake: the input is split on 0xff into auth.token, Authorization, Cookie and query.
pub fn handshake(data: &[u8]) {
    let mut parts = data.split(|b| *b == 0xff).map(text);
    let auth = parts.next();
    let authorization = parts.next();
    let cookie = parts.next();
    let query = parts.next();
    let h = Handshake { auth: field(&auth), authorization: authorization.as_deref(), cookie: cookie.as_deref(), query: field(&query) };
    let _ = HANDSHAKE.authenticate(&h, crate::handshake::Clocks::all(NOW));
}

fn field(s: &Option<String>) -> Field<'_> {
    match s {
        Some(s) if s == "\u{1}" => Field::NotString("number"),
        Some(s) => Field::Str(s.as_str()),
        None => Field::Absent,
    }
}

/// Diagnostics on any text.
pub fn inspect(data: &[u8]) {
    let t = text(data);
    std::hint::black_box(crate::inspect::inspect(&t, NOW));
    let _ = crate::inspect::decode_unverified(&t);
}

/// The member names the verifiers ask `json::members` for (claims and header), and
/// short ones a fuzzer writes easily.
const NAMES: [&str; 18] = [
    "exp", "nbf", "iat", "iss", "sub", "aud", "jti", "alg", "enc", "kid", "typ", "crit", "b64", "zip", "a", "b", "", "\u{e9}",
];

/// A JWT payload (or header) as bytes: the fast claim scanner (`json_fast`) against the
/// strict serde_json path (`json::members_serde`), the reference. When the scanner
/// answers (it may give up), serde_json must accept the same text and give the same
/// values; `json::members`, the path used in production, must give exactly what the
/// reference gives, error text included. Any difference panics.
pub fn json_fast(data: &[u8]) {
    differential(data, &NAMES);
}

/// The same check on a JSON text built from the bytes (`JsonGen`): objects with members
/// named as claims, nested containers, strings with escapes, numbers of every form,
/// and a little corruption, so the deep paths of the scanner come quickly.
pub fn json_fast_structured(data: &[u8]) {
    let text = JsonGen::build(data);
    differential(&text, &NAMES);
}

fn differential(text: &[u8], names: &[&str]) {
    let reference = crate::json::members_serde(text, names);
    let used = crate::json::members(text, names);
    match (&used, &reference) {
        (Ok(u), Ok(r)) => same_values(u, r, text),
        (Err(u), Err(r)) if u == r => {}
        _ => panic!("json::members {used:?} but serde_json {reference:?} on {:?}", String::from_utf8_lossy(text)),
    }
    if std::str::from_utf8(text).is_err() {
        return; // json::members only runs the scanner on UTF-8
    }
    if let Some(fast) = crate::json_fast::members(text, names) {
        match &reference {
            Ok(r) => same_values(&fast, r, text),
            Err(why) => panic!("json_fast accepts what serde_json refuses ({why}): {:?}", String::from_utf8_lossy(text)),
        }
    }
}

/// Equal values, and equal as JSON text (which also tells -0.0 from 0 and member order).
fn same_values(a: &[Option<serde_json::Value>], b: &[Option<serde_json::Value>], text: &[u8]) {
    let as_text = |v: &[Option<serde_json::Value>]| -> Vec<Option<String>> {
        v.iter().map(|x| x.as_ref().map(|x| serde_json::to_string(x).unwrap_or_default())).collect()
    };
    if a != b || as_text(a) != as_text(b) {
        panic!("values differ: {a:?} against serde_json {b:?} on {:?}", String::from_utf8_lossy(text));
    }
}

/// Builds a JSON text (mostly valid, sometimes not) from the fuzzer's bytes, read as a
/// stream of choices; 0 (also what an exhausted input reads as) ends the current
/// container, so every input gives a finite text.
struct JsonGen<'a> {
    b: &'a [u8],
    i: usize,
    out: Vec<u8>,
}

/// Pieces of strings, then pieces JSON refuses in a string.
const GEN_STRINGS: [&str; 20] = [
    "a", "exp", "Ada Lovelace", "\\\"", "\\\\", "\\n\\t\\/\\b\\f\\r", "\\u00e9", "\u{e9}\u{2028}", "\\ud83d\\ude00", "\\uD83D\\uDE00",
    "\\udbff\\udfff", "\\ud7ff\\ue000", "\\u0000", "\u{7f}", "\u{1f600}", "\\u0065xp", " ", "\\u2028", "https://issuer", "{}[],:",
];
const GEN_BAD_STRINGS: [&str; 6] = ["\u{1}", "\\x", "\\u12", "\n", "\\ud800", "\\udc00\\ud800"];

/// Numbers, then texts JSON refuses as numbers.
const GEN_NUMBERS: [&str; 22] = [
    "0", "-0", "1", "-1", "1.5", "-12.25", "0.0", "1e3", "1E-3", "-0.0e+0", "18446744073709551615", "18446744073709551616",
    "-9223372036854775808", "-9223372036854775809", "123456789012345678", "1234567890123456789",
    "12345678901234567890123456789012345678901", "1795960841", "0.1", "1e-400", "-1.7976931348623157e308", "5e-324",
];
const GEN_BAD_NUMBERS: [&str; 7] = ["1e400", "01", "1.", ".5", "-", "+1", "0x1"];

const GEN_LITERALS: [&str; 3] = ["true", "false", "null"];
const GEN_BAD_LITERALS: [&str; 4] = ["tru", "nul", "True", "NaN"];

/// The generator and the JSON structure (containers, white space).
impl<'a> JsonGen<'a> {
    fn build(data: &'a [u8]) -> Vec<u8> {
        let mut g = JsonGen { b: data, i: 0, out: Vec::with_capacity(data.len() * 4) };
        g.ws();
        g.container(1, true);
        g.ws();
        g.out
    }

    fn byte(&mut self) -> u8 {
        let v = self.b.get(self.i).copied().unwrap_or(0);
        self.i += 1;
        v
    }

    /// One of `good`, or, for a byte from 0xf8 up, one of `bad`.
    fn pick(&mut self, good: &[&str], bad: &[&str]) {
        let c = self.byte();
        let s = if c >= 0xf8 { bad[usize::from(c) % bad.len()] } else { good[usize::from(c) % good.len()] };
        self.out.extend_from_slice(s.as_bytes());
    }

    /// Whitespace, usually none.
    fn ws(&mut self) {
        if self.b.get(self.i).is_some_and(|c| c & 0xf0 == 0xf0) {
            let c = self.byte();
            let w: &[u8] = match c {
                0xff => b"\xc2\xa0", // not JSON whitespace
                0xfe => b"\x0c",
                _ => [&b" "[..], b"\t", b"\n", b"\r", b"  \r\n", b" \t", b"\n  ", b"\r\n"][usize::from(c & 7)],
            };
            self.out.extend_from_slice(w);
        }
    }

    /// An object (members) or an array (values), until a zero byte; the input bytes are
    /// read the same way for both.
    fn container(&mut self, depth: usize, object: bool) {
        self.out.push(if object { b'{' } else { b'[' });
        let mut first = true;
        loop {
            let c = self.byte();
            if c == 0 {
                break;
            }
            if !first {
                self.out.push(b',');
            }
            first = false;
            self.ws();
            if object {
                self.key(c);
                self.ws();
                self.out.push(b':');
                self.ws();
            }
            self.value(depth);
            self.ws();
        }
        self.out.push(if object { b'}' } else { b']' });
    }
}

/// The texts inside: member names, strings and values.
impl<'a> JsonGen<'a> {
    /// A member name: one the verifiers ask for (so duplicates and wanted members come
    /// often), or one with escapes, or any string.
    fn key(&mut self, c: u8) {
        match c % 4 {
            0 | 1 => {
                let n = NAMES[usize::from(c >> 2) % NAMES.len()];
                self.out.push(b'"');
                self.out.extend_from_slice(n.as_bytes());
                self.out.push(b'"');
            }
            2 => {
                let n = NAMES[usize::from(c >> 2) % NAMES.len()];
                self.out.push(b'"');
                for ch in n.chars() {
                    self.out.extend_from_slice(format!("\\u{:04x}", u32::from(ch)).as_bytes());
                }
                self.out.push(b'"');
            }
            _ => self.string(),
        }
    }

    fn string(&mut self) {
        self.out.push(b'"');
        let n = self.byte() % 6;
        for _ in 0..n {
            if self.b.get(self.i) == Some(&0xff) {
                // A raw byte from the input (may be a control character, a quote, not UTF-8).
                self.i += 1;
                let raw = self.byte();
                self.out.push(raw);
            } else {
                self.pick(&GEN_STRINGS, &GEN_BAD_STRINGS);
            }
        }
        self.out.push(b'"');
    }

    fn value(&mut self, depth: usize) {
        let c = self.byte();
        match c % 16 {
            0 | 1 | 12 | 13 => self.pick(&GEN_NUMBERS, &GEN_BAD_NUMBERS),
            2 => {
                // An integer of any length: digits from the input.
                let n = 1 + usize::from(self.byte() % 24);
                for k in 0..n {
                    let d = self.byte() % 10;
                    self.out.push(if k == 0 && n > 1 { b'1' + d % 9 } else { b'0' + d });
                }
            }
            3 | 4 | 14 => self.string(),
            5 => self.pick(&GEN_LITERALS, &GEN_BAD_LITERALS),
            6 | 7 if depth < 140 => self.container(depth + 1, true),
            8 | 9 if depth < 140 => self.container(depth + 1, false),
            10 if c >= 0xf0 => {
                // A few bytes of the input as they are (corruption).
                let n = self.byte() % 4;
                for _ in 0..n {
                    let raw = self.byte();
                    self.out.push(raw);
                }
            }
            11 => {
                // A deep chain of arrays or objects (past the scanner's depth, near serde_json's limit).
                let n = if c & 0x40 != 0 { self.byte() % 140 } else { self.byte() % 20 };
                let n = usize::from(n).min(140 - depth.min(140));
                let obj = c & 0x80 != 0;
                for _ in 0..n {
                    self.out.extend_from_slice(if obj { b"{\"a\":" } else { b"[" });
                }
                self.out.push(b'1');
                for _ in 0..n {
                    self.out.push(if obj { b'}' } else { b']' });
                }
            }
            _ => self.out.extend_from_slice(b"null"),
        }
    }
}

/// All targets, by name, for the corpus replay.
pub const TARGETS: [(&str, fn(&[u8])); 8] = [
    ("jws_verify", jws_verify),
    ("authjs_decode", authjs_decode),
    ("betterauth_decode", betterauth_decode),
    ("cookie_header", cookie_header),
    ("handshake", handshake),
    ("inspect", inspect),
    ("json_fast", json_fast),
    ("json_fast_structured", json_fast_structured),
];

#[cfg(test)]
mod tests {
    use super::*;

    /// The structure-aware generator reaches both sides: texts the scanner reads itself
    /// (wanted members included), and texts serde_json refuses; the differential check
    /// holds on all of them.
    #[test]
    fn generated_texts_reach_the_scanner_and_the_refusals() {
        let mut rng: u64 = 0x2545f4914f6cdd1d;
        let (mut fast, mut with_claim, mut refused, mut samples) = (0, 0, 0, Vec::new());
        for n in 0..3000 {
            let len = n % 64 + 1;
            let data: Vec<u8> = (0..len)
                .map(|_| {
                    rng ^= rng << 13;
                    rng ^= rng >> 7;
                    rng ^= rng << 17;
                    (rng >> 24) as u8
                })
                .collect();
            json_fast_structured(&data);
            let text = JsonGen::build(&data);
            if samples.len() < 8 {
                samples.push(String::from_utf8_lossy(&text).into_owned());
            }
            match crate::json_fast::members(&text, &NAMES) {
                Some(v) => {
                    fast += 1;
                    with_claim += usize::from(v.iter().any(Option::is_some));
                }
                None if crate::json::members_serde(&text, &NAMES).is_err() => refused += 1,
                None => {}
            }
        }
        assert!(fast > 200 && with_claim > 150 && refused > 300, "fast {fast}, with a claim {with_claim}, refused {refused}: {samples:#?}");
    }
}
