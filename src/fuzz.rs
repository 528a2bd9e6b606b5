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
    let _ = HANDSHAKE.authenticate(&h, NOW, NOW);
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

/// All targets, by name, for the corpus replay.
pub const TARGETS: [(&str, fn(&[u8])); 5] = [
    ("jws_verify", jws_verify),
    ("authjs_decode", authjs_decode),
    ("cookie_header", cookie_header),
    ("handshake", handshake),
    ("inspect", inspect),
];
