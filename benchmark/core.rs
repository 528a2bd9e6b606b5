//! The Rust core alone (no Node): `cargo bench --no-default-features --bench core`.
//! Shows how much of a verify is the core and how much is the napi boundary; also
//! the target to profile with `valgrind --tool=callgrind`.

use std::hint::black_box;
use std::time::Instant;

use authbridge::authjs::{AuthJsOptions, AuthJsSession};
use authbridge::jwt::{JwtSigner, JwtVerifier, KeySource, SignOptions, Span, VerifierOptions};
use authbridge::key::KeyInput;
use serde_json::json;

fn bench(name: &str, n: u32, mut f: impl FnMut()) {
    for _ in 0..n / 10 {
        f();
    }
    let t = Instant::now();
    for _ in 0..n {
        f();
    }
    println!("{name:<32} {:>8.3} us", t.elapsed().as_secs_f64() * 1e6 / n as f64);
}

fn main() {
    let n: u32 = std::env::var("N").ok().and_then(|s| s.parse().ok()).unwrap_or(200_000);
    if std::env::var_os("CHECK").is_some() {
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs_f64();
        return check_only(now, n);
    }
    if std::env::var_os("BA").is_some() {
        return better_auth(n);
    }
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs_f64();
    let secret = b"ssssssssssssssssssssssssssssssss";
    let signer = JwtSigner::new(
        SignOptions { algorithm: Some("HS256".into()), expires_in: Some(Span::Text("15m".into())), issuer: Some("https://app".into()), ..Default::default() },
        KeyInput::Bytes(secret),
    )
    .unwrap();
    let token = signer.sign(&json!({"sub": "user-42", "email": "ada@example.com", "name": "Ada", "role": "admin", "aud": "api"}), now).unwrap();
    let verifier = JwtVerifier::new(VerifierOptions { algorithms: vec!["HS256".into()], key: Some(KeySource::Bytes(secret.to_vec())), ..Default::default() }).unwrap();
    bench("HS256 verify (core)", n, || {
        black_box(verifier.verify(black_box(&token), now).unwrap());
    });
    parts(&token, n);
    if let Ok(which) = std::env::var("LIST") {
        list(&which, secret, now, n);
    }
    let session = AuthJsSession::new(AuthJsOptions { secrets: vec!["s".repeat(32)], ..Default::default() }).unwrap();
    let st = session.encode(&json!({"sub": "u", "name": "Ada", "email": "a@b.c"}), None, now).unwrap();
    bench("Auth.js decode (core)", n, || {
        black_box(session.decode(black_box(&st), now).unwrap());
    });
    better_auth(n);
}

#[allow(dead_code)]
fn parts(token: &str, n: u32) {
    let mut it = token.split('.');
    let (h, p) = (it.next().unwrap(), it.next().unwrap());
    bench("  b64 header+payload+sig", n, || {
        black_box(authbridge::b64::decode(black_box(h.as_bytes()), "x").unwrap());
        black_box(authbridge::b64::decode(black_box(p.as_bytes()), "x").unwrap());
    });
    bench("  Header::decode", n, || {
        black_box(authbridge::token::Header::decode(black_box(h)).unwrap());
    });
    let pb = authbridge::b64::decode(p.as_bytes(), "x").unwrap();
    bench("  claim_members (registered)", n, || {
        black_box(authbridge::token::claim_members(black_box(&pb), "x", &["exp", "nbf", "iat", "iss", "sub", "aud"]).unwrap());
    });
    bench("  json_fast::members (time claims)", n, || {
        black_box(authbridge::json_fast::members(black_box(&pb), &["exp", "nbf", "iat"]).unwrap());
    });
    bench("  json::members_serde (time claims)", n, || {
        black_box(authbridge::json::members_serde(black_box(&pb), &["exp", "nbf", "iat"]).unwrap());
    });
    bench("  serde_json IgnoredAny", n, || {
        black_box(serde_json::from_slice::<serde::de::IgnoredAny>(black_box(&pb)).unwrap());
    });
    use hmac::Mac;
    let mac = <hmac::Hmac<sha2::Sha256> as hmac::digest::KeyInit>::new_from_slice(b"ssssssssssssssssssssssssssssssss").unwrap();
    let input = &token.as_bytes()[..h.len() + 1 + p.len()];
    bench("  hmac-sha256 (prepared)", n, || {
        let mut m = mac.clone();
        m.update(black_box(input));
        black_box(m.finalize());
    });
}

/// HS256 verify with no list, an empty list and a list of 1 M token ids + 100 k subjects
/// (the same token each time, as benchmark/scale/list.mjs): `LIST=all cargo bench ...`;
/// `LIST=none|empty|full` times that one only (`valgrind --tool=callgrind
/// --toggle-collect='*verify_loop*'` counts its instructions).
fn list(which: &str, secret: &[u8], now: f64, n: u32) {
    use authbridge::revocation::{Entry, RevocationList};
    use std::sync::Arc;
    let signer = JwtSigner::new(SignOptions { algorithm: Some("HS256".into()), expires_in: Some(Span::Text("1h".into())), ..Default::default() }, KeyInput::Bytes(secret)).unwrap();
    let token = signer.sign(&json!({"sub": "bench-user", "jti": "0d6f1c1e-5d0b-4a57-9d43-3c2f0e2b8a11"}), now).unwrap();
    let full = Arc::new(RevocationList::default());
    if which == "full" || which == "all" {
        let mut slices = Vec::new();
        for chunk in 0..110 {
            let entries: Vec<Entry> = (chunk * 10_000..(chunk + 1) * 10_000)
                .map(|j| if j < 1_000_000 { Entry::Token { jti: format!("{j:08x}-5d0b-4a57-9d43-3c2f0e2b8a11"), exp: now + 3600.0 } } else { Entry::Subject { sub: format!("user-{j}"), before: now - 10.0 } })
                .collect();
            let t = Instant::now();
            full.merge(&entries, now).unwrap();
            slices.push(t.elapsed().as_secs_f64() * 1e3);
        }
        if std::env::var("SLICES").is_ok() {
            println!("{slices:.1?}");
        }
        slices.sort_by(f64::total_cmp);
        println!("merge of 10,000 entries (core): median {:.2} ms, worst {:.2} ms", slices[slices.len() / 2], slices[slices.len() - 1]);
    }
    let make = |list: Option<Arc<RevocationList>>| JwtVerifier::new(VerifierOptions { algorithms: vec!["HS256".into()], key: Some(KeySource::Bytes(secret.to_vec())), revocation: list, ..Default::default() }).unwrap();
    let variants = [("none", make(None)), ("empty", make(Some(Arc::new(RevocationList::default())))), ("full", make(Some(full)))];
    for _ in 0..if which == "all" { 3 } else { 1 } {
        for (name, v) in variants.iter().filter(|(name, _)| which == "all" || which == *name) {
            let t = Instant::now();
            verify_loop(v, &token, now, n);
            println!("HS256 verify, list {name:<18} {:>8.3} us", t.elapsed().as_secs_f64() * 1e6 / n as f64);
        }
    }
}

#[inline(never)]
fn verify_loop(v: &JwtVerifier, token: &str, now: f64, n: u32) {
    for _ in 0..n {
        black_box(v.verify_with(black_box(token), now, |j| j.len()).unwrap());
    }
}
/// Better Auth cookie caches from real better-auth (the test vectors), decoded by the core,
/// with the parts of a compact decode alone (`BA=1` runs only these).
#[allow(dead_code)]
fn better_auth(n: u32) {
    use authbridge::betterauth::{BetterAuthOptions, BetterAuthSession};
    // BA_COOKIES=file: cookies of that form ({ secret, cases: [{ label, now, cookieHeader }] }),
    // e.g. the plain ones bench.mjs measures; default the test vectors (escapes, 1e+21).
    let text = match std::env::var("BA_COOKIES") {
        Ok(path) => std::fs::read_to_string(path).unwrap(),
        Err(_) => include_str!("../__test__/fixtures/better-auth/vectors.json").to_string(),
    };
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let secret = v["secret"].as_str().unwrap().to_string();
    // BA=compact (or jwt, jwe): that strategy alone, without the parts (to profile it).
    let only = std::env::var("BA").ok().filter(|s| ["compact", "jwt", "jwe"].contains(&s.as_str()));
    for label in ["compact", "jwt", "jwe"] {
        if only.as_ref().is_some_and(|o| o != label) {
            continue;
        }
        let c = v["cases"].as_array().unwrap().iter().find(|c| c["label"] == label).unwrap();
        let now = c["now"].as_f64().unwrap() / 1000.0 + 1.0;
        let header = c["cookieHeader"].as_str().unwrap();
        let value = authbridge::extract::cookie::session_token(header, "better-auth.session_data", 1 << 20).unwrap().unwrap().into_owned();
        let s = BetterAuthSession::new(BetterAuthOptions { secret: Some(secret.clone()), strategy: Some(label.into()), ..Default::default() }).unwrap();
        bench(&format!("Better Auth {label} decode (core)"), n, || {
            black_box(s.decode(black_box(&value), now).unwrap());
        });
        if label == "compact" && only.is_none() {
            let bytes = authbridge::b64::decode(value.as_bytes(), "x").unwrap();
            bench("  b64 decode", n, || {
                black_box(authbridge::b64::decode(black_box(value.as_bytes()), "x").unwrap());
            });
            bench("  serde_json IgnoredAny", n, || {
                black_box(serde_json::from_slice::<serde::de::IgnoredAny>(black_box(&bytes)).unwrap());
            });
            bench("  json_fast::scan", n, || {
                let mut k = 0;
                let r = authbridge::json_fast::scan(black_box(&bytes), &["session", "expiresAt", "signature"], |i, r, _| {
                    k += i + r.len();
                    Some(())
                });
                black_box((r, k));
            });
            bench("  dots", n, || {
                black_box(black_box(&value).bytes().filter(|b| *b == b'.').count());
            });
            use hmac::Mac;
            let mac = <hmac::Hmac<sha2::Sha256> as hmac::digest::KeyInit>::new_from_slice(secret.as_bytes()).unwrap();
            bench(&format!("  hmac-sha256 {} bytes", bytes.len()), n, || {
                let mut m = mac.clone();
                m.update(black_box(&bytes));
                black_box(m.finalize());
            });
        }
    }
}

/// The list's check alone, a miss on 1.1 M entries vs an empty list: `CHECK=1 cargo bench ...`.
fn check_only(now: f64, n: u32) {
    use authbridge::revocation::{Entry, IdKeys, RevocationList};
    use std::borrow::Cow;
    let full = RevocationList::default();
    for chunk in 0..110 {
        let entries: Vec<Entry> = (chunk * 10_000..(chunk + 1) * 10_000)
            .map(|j| if j < 1_000_000 { Entry::Token { jti: format!("{j:08x}-5d0b-4a57-9d43-3c2f0e2b8a11"), exp: now + 3600.0 } } else { Entry::Subject { sub: format!("user-{j}"), before: now - 10.0 } })
            .collect();
        full.merge(&entries, now).unwrap();
    }
    let empty = RevocationList::default();
    let jtis: Vec<String> = (0..4096).map(|j| format!("{:08x}-1111-4a57-9d43-3c2f0e2b8a11", j * 7919)).collect();
    for &(label, count) in &[("1 key", 1usize), ("256 keys", 256), ("4096 keys", 4096)] {
        for (name, list) in [("empty", &empty), ("full", &full)] {
            let t = Instant::now();
            let mut i = 0usize;
            for _ in 0..n {
                let k = IdKeys { jti: Some(Cow::Borrowed(jtis[i & (count - 1)].as_str())), sub: Some(Cow::Borrowed("bench-user")), iat: Some(now) };
                black_box(list.check_keys(black_box(&k), now).is_ok());
                i += 1;
            }
            println!("check {label:<28} {name:<6} {:>8.1} ns", t.elapsed().as_secs_f64() * 1e9 / n as f64);
        }
    }
}
