//! Against cookies that real better-auth 1.7.29 set (sign-in through its own handler,
//! memory adapter): __test__/fixtures/better-auth/vectors.json, made by make-vectors.mjs
//! beside it. Every case there was also accepted by better-auth's own getSession when made.

use super::*;
use serde_json::json;

fn vectors() -> Value {
    serde_json::from_str(include_str!("../../__test__/fixtures/better-auth/vectors.json")).unwrap()
}

fn case<'v>(v: &'v Value, label: &str) -> &'v Value {
    v["cases"].as_array().unwrap().iter().find(|c| c["label"] == label).unwrap_or_else(|| panic!("no case {label}"))
}

fn opts(v: &Value) -> BetterAuthOptions {
    BetterAuthOptions { secret: Some(v["secret"].as_str().unwrap().to_string()), ..Default::default() }
}

fn session(o: BetterAuthOptions) -> BetterAuthSession {
    BetterAuthSession::new(o).unwrap()
}

/// Seconds since the epoch a little after the case was made.
fn at(c: &Value, later: f64) -> f64 {
    c["now"].as_f64().unwrap() / 1000.0 + later
}

/// The value of one cookie (URL-decoded, chunks joined) from the case's Cookie header.
fn cookie(c: &Value, name: &str) -> String {
    crate::extract::cookie::session_token(c["cookieHeader"].as_str().unwrap(), name, 1 << 20).unwrap().unwrap().into_owned()
}

fn data_name(c: &Value) -> String {
    dirjwe::cookie_name("better-auth.session_data", c["secure"].as_bool().unwrap())
}

fn code(r: Result<BetterAuthCache>) -> (ErrorCode, Option<String>) {
    let e = r.unwrap_err();
    (e.code, e.claim)
}

#[test]
fn every_real_cookie_decodes_from_its_cookie_header() {
    let v = vectors();
    let mut seen = 0;
    for c in v["cases"].as_array().unwrap() {
        let strategy = c["strategy"].as_str().unwrap();
        let mut o = opts(&v);
        o.secure_cookie = c["secure"].as_bool().unwrap();
        o.version = Some(c["version"].as_str().unwrap().to_string());
        if let Some(s) = c["secrets"].as_str() {
            o.secrets = Some(parse_secrets(s).unwrap());
        }
        // Pinned and detected alike.
        for pinned in [Some(strategy.to_string()), None] {
            let s = session(BetterAuthOptions { strategy: pinned, ..o.clone() });
            let got = s.from_cookie_header(c["cookieHeader"].as_str().unwrap(), at(c, 1.0)).unwrap().unwrap();
            let label = c["label"].as_str().unwrap();
            assert_eq!(got.strategy.name(), strategy, "{label}");
            assert_eq!(got.user_id, c["userId"].as_str().unwrap(), "{label}");
            assert_eq!(got.session_id, c["sessionId"].as_str().unwrap(), "{label}");
            assert_eq!(got.token, c["token"].as_str().unwrap(), "{label}");
            let created = iso_date_ms(serde_json::from_slice::<Value>(&got.json).unwrap()["session"]["createdAt"].as_str().unwrap()).unwrap();
            assert_eq!(got.issued_at, Some(created / 1000.0), "{label}");
            let out: Value = serde_json::from_slice(&got.json).unwrap();
            assert_eq!(out["user"]["id"], c["userId"], "{label}");
            assert_eq!(out["version"], c["version"], "{label}");
            assert_eq!(out["strategy"], strategy, "{label}");
            // The cache lives 300 s (better-auth's default maxAge), the session 7 days.
            let cache_exp = out["cacheExpiresAt"].as_f64().unwrap() / 1000.0;
            assert!((cache_exp - at(c, 300.0)).abs() < 3.0, "{label}: {cache_exp}");
            assert_eq!(out["expiresAt"], out["cacheExpiresAt"], "{label}");
            assert_eq!(got.exp, cache_exp, "{label}");
            seen += 1;
        }
    }
    assert_eq!(seen, 24);
}

#[test]
fn escapes_and_number_forms_are_verified_over_the_exact_bytes() {
    let v = vectors();
    let c = case(&v, "compact");
    let got = session(opts(&v)).decode(&cookie(c, "better-auth.session_data"), at(c, 1.0)).unwrap();
    let out: Value = serde_json::from_slice(&got.json).unwrap();
    // The name holds every escape JSON.stringify writes (\" \\ \t \n \u0001 \u001f)
    // and characters it leaves alone (U+2028, '/', emoji).
    let raw = String::from_utf8(got.json.clone()).unwrap();
    assert!(raw.contains(r#"\"quoted\" \\ back\tslash\n\u0001\u001f"#), "{raw}");
    assert!(raw.contains("\u{2028}\u{2029} / </script> 😀"), "{raw}");
    assert_eq!(out["user"]["score"], json!(1e21));
    assert!(raw.contains(r#""score":1e+21"#), "{raw}");
    let big = case(&v, "compact chunked");
    let got = session(opts(&v)).decode(&cookie(big, "better-auth.session_data"), at(big, 1.0)).unwrap();
    assert!(String::from_utf8(got.json).unwrap().contains(r#""score":-0.000001"#));
}

/// Re-encodes a compact cookie with `edit` applied to its JSON text.
fn recompact(value: &str, edit: impl Fn(String) -> String) -> String {
    let text = String::from_utf8(b64::decode(value.as_bytes(), "x").unwrap()).unwrap();
    b64::encode(edit(text).as_bytes())
}

#[test]
fn tampered_cookies_are_refused() {
    let v = vectors();
    let s = session(opts(&v));
    let c = case(&v, "compact");
    let now = at(c, 1.0);
    let value = cookie(c, "better-auth.session_data");
    // Same value, other bytes (an escape better-auth would not write): refused.
    let escaped = recompact(&value, |t| t.replacen("\"Zo", "\"\\u005Ao", 1));
    assert_eq!(code(s.decode(&escaped, now)).0, ErrorCode::JwsSignatureInvalid);
    let other_user = recompact(&value, |t| t.replacen("vectors@example.com", "admin@example.com", 1));
    assert_eq!(code(s.decode(&other_user, now)).0, ErrorCode::JwsSignatureInvalid);
    let later = recompact(&value, |t| {
        let i = t.rfind("\"expiresAt\":").unwrap() + 12;
        format!("{}9{}", &t[..i], &t[i..])
    });
    assert_eq!(code(s.decode(&later, now)).0, ErrorCode::JwsSignatureInvalid);
    assert_eq!(code(s.decode(&recompact(&value, |t| t.replacen("{", "{\"session\":{},", 1)), now)).0, ErrorCode::TokenMalformed);
    assert_eq!(code(s.decode(&format!("{value}A"), now)).0, ErrorCode::TokenMalformed);
    for label in ["jwt", "jwe"] {
        let c = case(&v, label);
        let mut value = cookie(c, "better-auth.session_data").into_bytes();
        let i = value.len() - 5;
        value[i] = if value[i] == b'A' { b'B' } else { b'A' };
        let want = if label == "jwt" { ErrorCode::JwsSignatureInvalid } else { ErrorCode::JweDecryptionFailed };
        assert_eq!(code(s.decode(std::str::from_utf8(&value).unwrap(), at(c, 1.0))).0, want, "{label}");
    }
}

#[test]
fn expiry_with_each_strategy_tolerance() {
    let v = vectors();
    let s = session(opts(&v));
    for (label, tolerance, claim) in [("compact", 0.0, "expiresAt"), ("jwt", 0.0, "exp"), ("jwe", 15.0, "exp")] {
        let c = case(&v, label);
        let value = cookie(c, "better-auth.session_data");
        let exp = serde_json::from_slice::<Value>(&s.decode(&value, at(c, 1.0)).unwrap().json).unwrap()["cacheExpiresAt"].as_f64().unwrap() / 1000.0;
        assert!(s.decode(&value, exp + tolerance - 1.0).is_ok(), "{label}");
        assert_eq!(code(s.decode(&value, exp + tolerance + 1.0)), (ErrorCode::JwtExpired, Some(claim.to_string())), "{label}");
        // An explicit tolerance replaces better-auth's.
        let lax = session(BetterAuthOptions { clock_tolerance: Some(60.0), ..opts(&v) });
        assert!(lax.decode(&value, exp + 59.0).is_ok(), "{label}");
    }
}

#[test]
fn session_expiry_inside_a_live_cache_is_refused() {
    // A jwe cache (sealed here with the real key, hand-made payload) whose session ended.
    let v = vectors();
    let s = session(opts(&v));
    let now = 2_000_000_000.0;
    let payload = json!({
        "session": { "id": "s1", "userId": "u1", "token": "t1", "expiresAt": "2033-05-18T03:33:19.000Z" },
        "user": { "id": "u1", "email": "a@b.c", "name": "A" },
        "updatedAt": 1, "version": "1", "iat": now as i64, "exp": now as i64 + 300,
    });
    let t = s.jwe.encrypt(payload.to_string().as_bytes()).unwrap();
    // (jwe: 15 s of tolerance)
    assert!(s.decode(&t, now + 14.0).is_ok());
    assert_eq!(code(s.decode(&t, now + 16.0)), (ErrorCode::JwtExpired, Some("session.expiresAt".into())));
    let got = s.decode(&t, 2_000_000_000.0 - 200.0).unwrap();
    assert_eq!(got.exp, 1_999_999_999.0);
    let mut missing = payload.clone();
    missing["user"].as_object_mut().unwrap().remove("id");
    let t = s.jwe.encrypt(missing.to_string().as_bytes()).unwrap();
    assert_eq!(code(s.decode(&t, now - 200.0)), (ErrorCode::JwtClaimMissing, Some("user.id".into())));
    let mut bad = payload.clone();
    bad["session"]["expiresAt"] = json!("2033-05-18 03:33:19");
    let t = s.jwe.encrypt(bad.to_string().as_bytes()).unwrap();
    assert_eq!(code(s.decode(&t, now - 200.0)), (ErrorCode::JwtClaimInvalid, Some("session.expiresAt".into())));
}

#[test]
fn wrong_version_other_secret_and_other_strategy() {
    let v = vectors();
    for label in ["compact", "jwt", "jwe"] {
        let c = case(&v, label);
        let value = cookie(c, "better-auth.session_data");
        let now = at(c, 1.0);
        let v2 = session(BetterAuthOptions { version: Some("v2".into()), ..opts(&v) });
        assert_eq!(code(v2.decode(&value, now)), (ErrorCode::JwtClaimInvalid, Some("version".into())), "{label}");
        let other = session(BetterAuthOptions { secret: Some("another-secret-another-secret-another".into()), ..Default::default() });
        let want = match label {
            "compact" => ErrorCode::JwsSignatureInvalid,
            "jwt" => ErrorCode::JwsSignatureInvalid,
            _ => ErrorCode::JweNoMatchingSecret,
        };
        assert_eq!(code(other.decode(&value, now)).0, want, "{label}");
        for pinned in ["compact", "jwt", "jwe"].iter().filter(|p| **p != label) {
            let s = session(BetterAuthOptions { strategy: Some(pinned.to_string()), ..opts(&v) });
            assert_eq!(code(s.decode(&value, now)).0, ErrorCode::TokenWrongKind, "{label} given to {pinned}");
        }
    }
    let c = case(&v, "compact version v2");
    let value = cookie(c, "better-auth.session_data");
    assert!(session(BetterAuthOptions { version: Some("v2".into()), ..opts(&v) }).decode(&value, at(c, 1.0)).is_ok());
    assert_eq!(code(session(opts(&v)).decode(&value, at(c, 1.0))).1.as_deref(), Some("version"));
}

#[test]
fn secret_versions_and_rotation() {
    let v = vectors();
    let rotated = "2:second-secret-second-secret-second-secret,1:first-secret-first-secret-first-secret-1";
    let current = case(&v, "jwe secrets v2 current");
    let old = case(&v, "jwe secrets v1 current");
    let s = session(BetterAuthOptions { secrets: Some(parse_secrets(rotated).unwrap()), ..opts(&v) });
    // Both caches decode (by kid): the one made before the rotation with version 1.
    for c in [current, old] {
        assert!(s.decode(&cookie(c, "better-auth.session_data"), at(c, 1.0)).is_ok(), "{}", c["label"]);
    }
    // The legacy secret is tried too (after the versions): the plain jwe case.
    let plain = case(&v, "jwe");
    assert!(s.decode(&cookie(plain, "better-auth.session_data"), at(plain, 1.0)).is_ok());
    // Version 1 retired: its cache is refused.
    let only2 = session(BetterAuthOptions { secrets: Some(parse_secrets("2:second-secret-second-secret-second-secret").unwrap()), secret: None, ..Default::default() });
    assert_eq!(code(only2.decode(&cookie(old, "better-auth.session_data"), at(old, 1.0))).0, ErrorCode::JweNoMatchingSecret);
    // The session token is signed with the current secret only (better-auth's
    // ctx.context.secret): the pre-rotation token no longer verifies, in better-auth either.
    let token = cookie(old, "better-auth.session_token");
    assert_eq!(s.verify_session_token(&token).unwrap_err().code, ErrorCode::JwsSignatureInvalid);
    assert_eq!(s.verify_session_token(&cookie(current, "better-auth.session_token")).unwrap(), current["token"].as_str().unwrap());
    // Option errors.
    for bad in ["", "x", "a:b", "1:", "-1:s"] {
        let r = parse_secrets(bad).map(|l| BetterAuthSession::new(BetterAuthOptions { secrets: Some(l), ..Default::default() }));
        assert!(matches!(r, Err(_) | Ok(Err(_))), "{bad}");
    }
    let dup = BetterAuthSession::new(BetterAuthOptions { secrets: Some(parse_secrets("1:aaaa,1:bbbb").unwrap()), ..Default::default() });
    assert_eq!(dup.err().unwrap().code, ErrorCode::InvalidOptions);
    assert_eq!(BetterAuthSession::new(BetterAuthOptions::default()).err().unwrap().code, ErrorCode::InvalidOptions);
    assert_eq!(BetterAuthSession::new(BetterAuthOptions { strategy: Some("jws".into()), ..opts(&v) }).err().unwrap().code, ErrorCode::InvalidOptions);
}

#[test]
fn session_token_cookie() {
    let v = vectors();
    let s = session(opts(&v));
    let c = case(&v, "jwt");
    let set = c["setCookies"].as_array().unwrap().iter().find(|x| x.as_str().unwrap().starts_with("better-auth.session_token=")).unwrap();
    // As set (URL-encoded) and as a cookie parser gives it (decoded).
    let encoded = set.as_str().unwrap().split(';').next().unwrap().split_once('=').unwrap().1;
    assert!(encoded.contains("%3D"));
    assert_eq!(s.verify_session_token(encoded).unwrap(), c["token"].as_str().unwrap());
    let decoded = cookie(c, "better-auth.session_token");
    assert_eq!(s.verify_session_token(&decoded).unwrap(), c["token"].as_str().unwrap());
    // atob ignores the last character's 2 unused bits: so does better-call, so does this.
    let (token, sig) = decoded.rsplit_once('.').unwrap();
    let last = sig.as_bytes()[42];
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let i = alphabet.iter().position(|b| *b == last).unwrap();
    let sibling = alphabet[i ^ 1] as char;
    assert_eq!(s.verify_session_token(&format!("{token}.{}{sibling}=", &sig[..42])).unwrap(), token);
    let flipped = alphabet[i ^ 4] as char;
    assert_eq!(s.verify_session_token(&format!("{token}.{}{flipped}=", &sig[..42])).unwrap_err().code, ErrorCode::JwsSignatureInvalid);
    assert_eq!(s.verify_session_token(&format!("{token}x.{sig}")).unwrap_err().code, ErrorCode::JwsSignatureInvalid);
    for bad in ["", "nodot", ".abc", &format!("{token}.{}", &sig[..43]), &format!("{token}.{}", sig.replace('=', "A"))] {
        assert_eq!(s.verify_session_token(bad).unwrap_err().code, ErrorCode::TokenMalformed, "{bad}");
    }
}

#[test]
fn cookie_header_rules() {
    let v = vectors();
    let s = session(opts(&v));
    let c = case(&v, "compact");
    let now = at(c, 1.0);
    let header = c["cookieHeader"].as_str().unwrap();
    let token_part = header.split("; ").find(|p| p.starts_with("better-auth.session_token=")).unwrap();
    let data_part = header.split("; ").find(|p| p.starts_with("better-auth.session_data=")).unwrap();
    assert!(s.from_cookie_header("other=1", now).unwrap().is_none());
    assert_eq!(s.from_cookie_header(data_part, now).unwrap_err().code, ErrorCode::TokenMissing);
    assert_eq!(s.from_cookie_header(token_part, now).unwrap_err().code, ErrorCode::SessionLookupRequired);
    // What a lookup is keyed by: the verified token.
    assert_eq!(s.session_token_from_header(token_part).unwrap().as_deref(), c["token"].as_str());
    assert_eq!(s.session_token_from_header(data_part).unwrap(), None);
    let forged = token_part.replacen("=", "=x", 1);
    assert_eq!(s.session_token_from_header(&forged).unwrap_err().code, ErrorCode::JwsSignatureInvalid);
    // A cache of another session (the jwt case's) with this token.
    let other = case(&v, "jwt")["cookieHeader"].as_str().unwrap().split("; ").find(|p| p.starts_with("better-auth.session_data=")).unwrap().to_string();
    assert_eq!(s.from_cookie_header(&format!("{token_part}; {other}"), now).unwrap_err().code, ErrorCode::SessionLookupRequired);
    // __Secure- cookies are other names: absent for a plain-HTTP decoder, and the reverse.
    let secure = case(&v, "compact secure");
    assert!(s.from_cookie_header(secure["cookieHeader"].as_str().unwrap(), now).unwrap().is_none());
    let ss = session(BetterAuthOptions { secure_cookie: true, ..opts(&v) });
    assert!(ss.from_cookie_header(header, now).unwrap().is_none());
    assert_eq!(ss.data_cookie_name(), "__Secure-better-auth.session_data");
    // A prefix renames both.
    let p = session(BetterAuthOptions { cookie_prefix: Some("app".into()), ..opts(&v) });
    assert_eq!((p.data_cookie_name(), p.token_cookie_name()), ("app.session_data", "app.session_token"));
    let renamed = header.replace("better-auth.", "app.");
    assert!(p.from_cookie_header(&renamed, now).unwrap().is_some());
    // Chunked: three chunks joined; one missing is malformed.
    let big = case(&v, "compact chunked");
    let bh = big["cookieHeader"].as_str().unwrap();
    assert!(bh.contains(&format!("{}.2=", data_name(big))));
    let gap: Vec<&str> = bh.split("; ").filter(|p| !p.starts_with("better-auth.session_data.1=")).collect();
    assert_eq!(s.from_cookie_header(&gap.join("; "), at(big, 1.0)).unwrap_err().code, ErrorCode::TokenMalformed);
    let small = session(BetterAuthOptions { max_token_length: Some(4096.0), ..opts(&v) });
    assert_eq!(small.from_cookie_header(bh, at(big, 1.0)).unwrap_err().code, ErrorCode::TokenTooLarge);
}

#[test]
fn iso_dates_as_v8_reads_them() {
    // Values printed by Node 22's `new Date(s).getTime()`.
    let cases: [(&str, Option<f64>); 12] = [
        ("2026-02-30T00:00:00Z", Some(1772409600000.0)),
        ("2026-01-01T24:00:00Z", Some(1767312000000.0)),
        ("2026-01-01T23:59:60Z", None),
        ("2026-01-01T24:00:01Z", None),
        ("2026-01-01T00:00:00.9999Z", Some(1767225600999.0)),
        ("2026-01-01T00:00:00.1Z", Some(1767225600100.0)),
        ("0000-01-01T00:00:00Z", Some(-62167219200000.0)),
        ("2024-02-29T00:00:00Z", Some(1709164800000.0)),
        ("2026-04-31T00:00:00Z", Some(1777593600000.0)),
        ("2026-12-14T12:30:24.567Z", Some(1797251424567.0)),
        ("2026-12-14T12:30:24.Z", None),
        ("2026-13-01T00:00:00Z", None),
    ];
    for (s, want) in cases {
        assert_eq!(iso_date_ms(s), want, "{s}");
    }
    assert_eq!(iso_date_ms("2026-12-14 12:30:24Z"), None);
    assert_eq!(iso_date_ms("2026-12-14T12:30:24+00:00"), None);
}

#[test]
fn claims_shaped_for_guards_and_revocation_by_session_and_user() {
    let v = vectors();
    for label in ["compact", "jwt", "jwe"] {
        let c = case(&v, label);
        let mut s = session(opts(&v));
        let got = s.from_cookie_header(c["cookieHeader"].as_str().unwrap(), at(c, 1.0)).unwrap().unwrap();
        let exp = got.exp;
        let issued = got.issued_at.unwrap();
        let claims: Value = serde_json::from_slice(&s.claims(got.clone(), at(c, 1.0)).unwrap().json).unwrap();
        assert_eq!(claims["sub"], c["userId"], "{label}");
        assert_eq!(claims["sid"], c["sessionId"], "{label}");
        assert_eq!(claims["jti"], c["sessionId"], "{label}");
        assert_eq!(claims["user"]["id"], c["userId"], "{label}");
        assert_eq!(claims["email"], claims["user"]["email"], "{label}");
        assert_eq!(claims["name"], claims["user"]["name"], "{label}");
        assert_eq!(claims["session"]["id"], c["sessionId"], "{label}");
        assert!(claims["session"].get("token").is_none(), "{label}: the session token is no claim");
        assert_eq!(claims["exp"].as_f64().unwrap(), exp, "{label}");
        assert_eq!(claims["iat"].as_f64().unwrap(), issued, "{label}");

        // Revocation: by session id (a token id), by user id (a subject, sessions created before).
        let list = std::sync::Arc::new(crate::revocation::RevocationList::new(None).unwrap());
        s.set_revocation(Some(list.clone()));
        assert!(s.claims(got.clone(), at(c, 1.0)).is_ok());
        list.revoke_token(c["sessionId"].as_str().unwrap(), at(c, 100.0), at(c, 1.0)).unwrap();
        assert_eq!(s.claims(got.clone(), at(c, 1.0)).unwrap_err().code, ErrorCode::TokenRevoked, "{label}");
        let list = std::sync::Arc::new(crate::revocation::RevocationList::new(None).unwrap());
        s.set_revocation(Some(list.clone()));
        list.revoke_subject(c["userId"].as_str().unwrap(), issued - 1.0, at(c, 1.0)).unwrap();
        assert!(s.claims(got.clone(), at(c, 1.0)).is_ok(), "{label}: revoked before it was created");
        list.revoke_subject(c["userId"].as_str().unwrap(), issued + 1.0, at(c, 1.0)).unwrap();
        assert_eq!(s.claims(got, at(c, 1.0)).unwrap_err().code, ErrorCode::TokenRevoked, "{label}");
    }
}

#[test]
fn looked_up_sessions_are_checked_as_caches_are() {
    let v = vectors();
    let c = case(&v, "compact");
    let s = session(opts(&v));
    let got = s.from_cookie_header(c["cookieHeader"].as_str().unwrap(), at(c, 1.0)).unwrap().unwrap();
    let data: Value = serde_json::from_slice(&got.json).unwrap();
    let found = json!({ "session": data["session"], "user": data["user"] }).to_string();
    let token = c["token"].as_str().unwrap();
    let l = s.from_lookup(found.as_bytes(), Some(token), None, at(c, 1.0)).unwrap();
    assert_eq!((l.strategy, l.user_id.as_str(), l.session_id.as_str()), (Strategy::Lookup, got.user_id.as_str(), got.session_id.as_str()));
    // The session's own expiry, not a cache's.
    let session_exp = iso_date_ms(data["session"]["expiresAt"].as_str().unwrap()).unwrap() / 1000.0;
    assert_eq!(l.exp, session_exp);
    // Capped by when the lookup is to be asked again.
    let capped = s.from_lookup(found.as_bytes(), Some(token), Some(at(c, 60.0)), at(c, 1.0)).unwrap();
    assert_eq!(capped.exp, at(c, 60.0));
    assert_eq!(code(s.from_lookup(found.as_bytes(), Some("another-token"), None, at(c, 1.0))).0, ErrorCode::JwtClaimInvalid);
    assert_eq!(code(s.from_lookup(found.as_bytes(), Some(token), None, session_exp + 1.0)), (ErrorCode::JwtExpired, Some("session.expiresAt".into())));
    assert_eq!(code(s.from_lookup(b"{\"session\":{}}", None, None, at(c, 1.0))).0, ErrorCode::TokenMalformed);
    assert_eq!(code(s.from_lookup(b"null", None, None, at(c, 1.0))).0, ErrorCode::TokenMalformed);
    let no_user_id = json!({ "session": data["session"], "user": { "email": "a@b.c", "name": "x" } }).to_string();
    assert_eq!(code(s.from_lookup(no_user_id.as_bytes(), None, None, at(c, 1.0))), (ErrorCode::JwtClaimMissing, Some("user.id".into())));
}

#[test]
fn session_and_user_members_read_in_one_borrowed_pass() {
    use super::{fields, Scalar};
    let text = r#"{"id":"u1","nested":{"id":"x","a":[1,{"b":null}]},"name":"Ad\u0061","image":null,"emailVerified":true,"n":1.5e3}"#;
    let got = fields(text, &["id", "name", "image", "emailVerified", "email", "n"]).unwrap();
    assert!(matches!(&got[0], Scalar::Str(std::borrow::Cow::Borrowed("u1"))), "no escape: borrowed");
    assert!(matches!(&got[1], Scalar::Str(s) if s == "Ada"), "an escape is decoded");
    assert!(matches!(got[2], Scalar::Null));
    assert!(matches!(got[3], Scalar::Bool(true)));
    assert!(matches!(got[4], Scalar::Absent));
    assert!(matches!(got[5], Scalar::Other));
    // A member asked for, repeated: refused (JSON.parse would keep the last one).
    assert!(matches!(fields(r#"{"id":"a","id":"b"}"#, &["id"]), Err(Some(_))));
    // Not an object, not JSON, trailing bytes.
    assert!(matches!(fields(r#"["id"]"#, &["id"]), Err(None)));
    assert!(matches!(fields(r#"{"id":"a""#, &["id"]), Err(Some(_))));
    assert!(matches!(fields(r#"{"id":"a"} x"#, &["id"]), Err(Some(_))));
    assert!(matches!(fields(r#"{"x":[1,}"#, &["id"]), Err(Some(_))), "skipped members are checked as JSON too");
}
