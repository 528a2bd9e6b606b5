//! Unit tests of the revocation list, and of the verifier and session decoder with one.

use super::*;
use crate::session::SessionDecoder;

fn ids(jti: Option<&str>, sub: Option<&str>, iat: Option<f64>) -> TokenIds {
    TokenIds { jti: jti.map(Box::from), sub: sub.map(Box::from), iat, ..Default::default() }
}

#[test]
fn by_jti_until_exp() {
    let l = RevocationList::default();
    assert!(l.is_empty());
    let v0 = l.version();
    assert!(l.revoke_token("a", 2000.0, 1000.0).unwrap());
    assert!(l.version() > v0);
    assert_eq!(l.check(&ids(Some("a"), Some("u"), Some(900.0)), 1000.0).unwrap_err().code, ErrorCode::TokenRevoked);
    assert!(l.check(&ids(Some("b"), Some("u"), Some(900.0)), 1000.0).is_ok());
    assert!(l.check(&ids(None, Some("u"), None), 1000.0).is_ok());
    // The same entry again (or an earlier exp) is no change.
    let v1 = l.version();
    assert!(!l.revoke_token("a", 1500.0, 1000.0).unwrap());
    assert_eq!(l.version(), v1);
    // Past exp the entry no longer counts, and prune drops it.
    assert!(l.check(&ids(Some("a"), None, None), 2000.0).is_ok());
    assert_eq!(l.prune(2000.0), 1);
    assert!(l.is_empty());
    // Already expired: nothing to keep.
    assert!(!l.revoke_token("c", 999.0, 1000.0).unwrap());
}

#[test]
fn by_subject_before() {
    let l = RevocationList::new(Some(100.0)).unwrap();
    assert!(l.revoke_subject("u1", 1000.0, 1000.0).unwrap());
    let code = |i: TokenIds, now| l.check(&i, now).err().map(|e| e.code);
    assert_eq!(code(ids(None, Some("u1"), Some(999.0)), 1000.0), Some(ErrorCode::TokenRevoked));
    assert_eq!(code(ids(None, Some("u1"), Some(1000.0)), 1000.0), None);
    // No iat: issued before any revocation.
    assert_eq!(code(ids(Some("x"), Some("u1"), None), 1000.0), Some(ErrorCode::TokenRevoked));
    assert_eq!(code(ids(None, Some("u2"), Some(1.0)), 1000.0), None);
    // A later revocation moves the bound forward; an earlier one is no change.
    assert!(l.revoke_subject("u1", 1050.0, 1050.0).unwrap());
    assert!(!l.revoke_subject("u1", 1010.0, 1050.0).unwrap());
    assert_eq!(code(ids(None, Some("u1"), Some(1020.0)), 1050.0), Some(ErrorCode::TokenRevoked));
    // Lifetime: before + subjectTtl.
    assert_eq!(code(ids(None, Some("u1"), Some(1020.0)), 1150.0), None);
    assert_eq!(l.prune(1149.0), 0);
    assert_eq!(l.prune(1150.0), 1);
}

#[test]
fn replace_is_all_or_nothing() {
    let l = RevocationList::default();
    l.revoke_token("old", 5000.0, 0.0).unwrap();
    let good = vec![
        Entry::Token { jti: "a".into(), exp: 5000.0 },
        Entry::Token { jti: "gone".into(), exp: 10.0 },
        Entry::Subject { sub: "u".into(), before: 100.0 },
    ];
    l.replace(&good, 1000.0).unwrap();
    assert_eq!(l.len(), (1, 1));
    assert!(l.check(&ids(Some("old"), None, None), 1000.0).is_ok());
    assert!(l.check(&ids(Some("a"), None, None), 1000.0).is_err());
    let bad = vec![Entry::Token { jti: "b".into(), exp: 5000.0 }, Entry::Subject { sub: "".into(), before: 1.0 }];
    assert_eq!(l.replace(&bad, 1000.0).unwrap_err().code, ErrorCode::InvalidOptions);
    assert_eq!(l.len(), (1, 1));
    l.replace(&[], 1000.0).unwrap();
    assert!(l.is_empty());
}

#[test]
fn merge_keeps_the_stricter_and_removes_nothing() {
    let l = RevocationList::new(Some(100.0)).unwrap();
    l.revoke_token("a", 2000.0, 1000.0).unwrap();
    l.revoke_subject("u", 1000.0, 1000.0).unwrap();
    let v0 = l.version();
    let m = l
        .merge(
            &[
                Entry::Token { jti: "a".into(), exp: 1500.0 },  // earlier: no change
                Entry::Token { jti: "b".into(), exp: 3000.0 },  // added
                Entry::Token { jti: "b".into(), exp: 3500.0 },  // the stricter of two
                Entry::Token { jti: "old".into(), exp: 900.0 }, // already past
                Entry::Subject { sub: "u".into(), before: 1050.0 }, // stricter
                Entry::Subject { sub: "v".into(), before: 1000.0 }, // added
            ],
            1000.0,
        )
        .unwrap();
    assert_eq!((m.added, m.stricter, m.changed.overflow), (2, 1, false));
    let mut changed = m.changed.entries.clone();
    changed.sort_by(|x, y| format!("{x:?}").cmp(&format!("{y:?}")));
    assert_eq!(
        changed,
        vec![
            Entry::Subject { sub: "u".into(), before: 1050.0 },
            Entry::Subject { sub: "v".into(), before: 1000.0 },
            Entry::Token { jti: "b".into(), exp: 3500.0 },
        ]
    );
    assert!(l.version() > v0);
    assert_eq!(l.len(), (2, 2));
    assert!(l.is_revoked(&ids(Some("a"), None, None), 1900.0), "a kept its later exp");
    // Nothing new: no change, the version stays.
    let v1 = l.version();
    let m = l.merge(&[Entry::Token { jti: "b".into(), exp: 3000.0 }], 1000.0).unwrap();
    assert_eq!((m.added, m.stricter), (0, 0));
    assert_eq!(l.version(), v1);
    // All or nothing.
    let bad = [Entry::Token { jti: "c".into(), exp: 3000.0 }, Entry::Subject { sub: "".into(), before: 1.0 }];
    assert_eq!(l.merge(&bad, 1000.0).unwrap_err().code, ErrorCode::InvalidOptions);
    assert_eq!(l.len(), (2, 2));
    // More than MAX_CHANGED changed: overflow and no list.
    let many: Vec<Entry> = (0..MAX_CHANGED + 1).map(|i| Entry::Token { jti: format!("m{i}"), exp: 5000.0 }).collect();
    let m = l.merge(&many, 1000.0).unwrap();
    assert_eq!((m.added, m.changed.overflow, m.changed.entries.len()), (MAX_CHANGED + 1, true, 0));
    // replace reports what it added or made stricter compared with before.
    let r = l.replace(&[Entry::Token { jti: "a".into(), exp: 2000.0 }, Entry::Token { jti: "z".into(), exp: 2000.0 }, Entry::Subject { sub: "u".into(), before: 1060.0 }], 1000.0).unwrap();
    let mut got = r.entries.clone();
    got.sort_by(|x, y| format!("{x:?}").cmp(&format!("{y:?}")));
    assert_eq!(got, vec![Entry::Subject { sub: "u".into(), before: 1060.0 }, Entry::Token { jti: "z".into(), exp: 2000.0 }]);
    assert_eq!(l.len(), (2, 1));
}

#[test]
fn bad_input_is_an_options_error() {
    let l = RevocationList::default();
    assert_eq!(l.revoke_token("", 5.0, 0.0).unwrap_err().code, ErrorCode::InvalidOptions);
    assert_eq!(l.revoke_token("a", f64::NAN, 0.0).unwrap_err().code, ErrorCode::InvalidOptions);
    assert_eq!(l.revoke_subject(&"x".repeat(MAX_ID_LENGTH + 1), 5.0, 0.0).unwrap_err().code, ErrorCode::InvalidOptions);
    assert_eq!(l.revoke_subject("u", f64::INFINITY, 0.0).unwrap_err().code, ErrorCode::InvalidOptions);
    assert!(RevocationList::new(Some(0.0)).is_err());
    assert!(l.is_empty());
}

#[test]
fn inserts_drop_expired_entries_without_a_timer() {
    let l = RevocationList::new(Some(10.0)).unwrap();
    for i in 0..3000 {
        // Each entry lives 5 s; time moves 1 s per 100 inserts.
        let now = 1000.0 + (i / 100) as f64;
        l.revoke_token(&format!("t{i}"), now + 5.0, now).unwrap();
    }
    let (tokens, _) = l.len();
    assert!(tokens < 2048, "expired entries were dropped ({tokens} kept)");
    // The live ones are all still there.
    for i in 2600..3000 {
        assert!(l.is_revoked(&ids(Some(&format!("t{i}")), None, None), 1029.0), "t{i}");
    }
}

#[test]
fn refuse_all_while_stale() {
    let l = RevocationList::default();
    assert!(l.set_refuse_all(true));
    assert!(!l.set_refuse_all(true));
    assert_eq!(l.check(&ids(Some("a"), Some("u"), Some(1.0)), 10.0).unwrap_err().code, ErrorCode::RevocationStale);
    assert!(l.set_refuse_all(false));
    assert!(l.check(&ids(Some("a"), Some("u"), Some(1.0)), 10.0).is_ok());
}

#[test]
fn id_rule() {
    use serde_json::json;
    let key = |v: serde_json::Value| match value_key(Some(&v)) {
        IdKey::Key(k) => Ok(k.into_owned()),
        IdKey::Absent => Err("absent"),
        IdKey::Invalid => Err("invalid"),
    };
    assert_eq!(key(json!("u1")), Ok("u1".to_string()));
    assert_eq!(key(json!(1)), Ok("1".to_string()));
    assert_eq!(key(json!(-42)), Ok("-42".to_string()));
    assert_eq!(key(json!(1.0)), Ok("1".to_string()));
    assert_eq!(key(json!(-0.0)), Ok("0".to_string()));
    assert_eq!(key(json!(9007199254740991u64)), Ok("9007199254740991".to_string()));
    assert_eq!(key(json!(-9007199254740991i64)), Ok("-9007199254740991".to_string()));
    assert_eq!(key(json!(9007199254740992u64)), Err("invalid"));
    assert_eq!(key(json!(18446744073709551615u64)), Err("invalid"));
    assert_eq!(key(json!(1.5)), Err("invalid"));
    assert_eq!(key(json!(1e300)), Err("invalid"));
    assert_eq!(key(json!("")), Err("absent"));
    assert_eq!(key(json!("x".repeat(MAX_ID_LENGTH))), Ok("x".repeat(MAX_ID_LENGTH)));
    assert_eq!(key(json!("x".repeat(MAX_ID_LENGTH + 1))), Err("invalid"));
    for v in [json!(null), json!(true), json!({}), json!([1]), json!(["u"])] {
        assert_eq!(key(v), Err("invalid"));
    }
    assert_eq!(value_key(None), IdKey::Absent);
    assert_eq!(number_key(1.0), IdKey::Key("1".into()));
    assert_eq!(number_key(f64::NAN), IdKey::Invalid);
    // From claims: numbers keyed, other types an error naming the claim.
    let j = json!({"jti": 5, "sub": "u"});
    assert_eq!(TokenIds::from_values(j.get("jti"), j.get("sub"), Some(3.0)).unwrap(), ids(Some("5"), Some("u"), Some(3.0)));
    let j = json!({"jti": "a", "sub": {"id": 1}});
    let e = TokenIds::from_values(j.get("jti"), j.get("sub"), None).unwrap_err();
    assert_eq!((e.code, e.claim.as_deref()), (ErrorCode::JwtClaimInvalid, Some("sub")));
}

/// R02: a revoked subject's token whose iat is ahead of the clock (beyond the tolerance)
/// cannot be ordered against the revocation, and is refused.
#[test]
fn future_iat_of_a_revoked_subject_is_refused() {
    for (tol, l) in [(60.0, RevocationList::default()), (0.0, RevocationList::with_tolerance(None, Some(0.0)).unwrap())] {
        assert!(l.check(&ids(None, Some("u"), Some(1e12)), 1000.0).is_ok());
        l.revoke_subject("u", 1000.0, 1000.0).unwrap();
        let code = |iat: f64| l.check(&ids(None, Some("u"), Some(iat)), 1000.0).err().map(|e| e.code);
        assert_eq!(code(1e12), Some(ErrorCode::TokenRevoked));
        assert_eq!(code(1000.0 + tol + 1.0), Some(ErrorCode::TokenRevoked));
        assert_eq!(code(1000.0 + tol), None);
        assert_eq!(code(1000.0), None);
        assert_eq!(code(999.0), Some(ErrorCode::TokenRevoked));
        // Other subjects are not concerned.
        assert!(l.check(&ids(None, Some("v"), Some(1e12)), 1000.0).is_ok());
    }
    assert!(RevocationList::with_tolerance(None, Some(-1.0)).is_err());
}

/// R06: a session is ordered by auth_time (kept on re-encode), not iat; a session of a
/// revoked subject without auth_time is refused while the entry lives.
#[test]
fn sessions_are_ordered_by_auth_time() {
    let l = RevocationList::new(Some(100.0)).unwrap();
    l.revoke_subject("u", 1000.0, 1000.0).unwrap();
    let s = |iat: Option<f64>, auth_time: Option<f64>| TokenIds { sub: Some("u".into()), iat, auth_time, session: true, ..Default::default() };
    let code = |i: TokenIds, now: f64| l.check(&i, now).err().map(|e| e.code);
    // Re-encoded after the revocation: fresh iat, old auth_time.
    assert_eq!(code(s(Some(1010.0), Some(900.0)), 1010.0), Some(ErrorCode::TokenRevoked));
    assert_eq!(code(s(Some(1010.0), Some(1005.0)), 1010.0), None);
    assert_eq!(code(s(Some(1010.0), None), 1010.0), Some(ErrorCode::TokenRevoked));
    assert_eq!(code(s(Some(1010.0), Some(1071.0)), 1010.0), Some(ErrorCode::TokenRevoked));
    // Past the entry's life, nothing is refused.
    assert_eq!(code(s(Some(1101.0), None), 1101.0), None);
}

/// Both verifiers refuse a revoked token after signature and claims, the verified-
/// token cache included, and accept it again when the entry is gone.
#[test]
fn verifiers_and_cache_honour_the_list() {
    use crate::authjs::{AuthJsOptions, AuthJsSession};
    use crate::jwt::{JwtSigner, JwtVerifier, KeySource, SignOptions, VerifierOptions};
    use serde_json::json;
    use std::sync::Arc;
    const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";
    let list = Arc::new(RevocationList::default());
    let signer = JwtSigner::new(SignOptions { algorithm: Some("HS256".into()), ..Default::default() }, crate::key::KeyInput::Bytes(SECRET)).unwrap();
    let t1 = signer.sign(&json!({"sub": "u1", "jti": "t1", "exp": 5000}), 1000.0).unwrap();
    let t2 = signer.sign(&json!({"sub": "u1", "jti": "t2", "exp": 5000}), 1000.0).unwrap();
    let later = signer.sign(&json!({"sub": "u1", "jti": "t3", "exp": 5000}), 1200.0).unwrap();
    for cache in [None, Some(10.0)] {
        list.replace(&[], 0.0).unwrap();
        let v = JwtVerifier::new(VerifierOptions {
            algorithms: vec!["HS256".into()],
            key: Some(KeySource::Bytes(SECRET.to_vec())),
            cache,
            revocation: Some(list.clone()),
            ..Default::default()
        })
        .unwrap();
        assert!(v.verify(&t1, 1100.0).is_ok());
        assert!(v.verify(&t1, 1100.0).is_ok());
        list.revoke_token("t1", 5000.0, 1100.0).unwrap();
        assert_eq!(v.verify(&t1, 1100.0).unwrap_err().code, ErrorCode::TokenRevoked);
        assert!(v.verify(&t2, 1100.0).is_ok());
        list.revoke_subject("u1", 1100.0, 1100.0).unwrap();
        assert_eq!(v.verify(&t2, 1150.0).unwrap_err().code, ErrorCode::TokenRevoked);
        assert!(v.verify(&later, 1250.0).is_ok());
        // Signature and claims come first: an expired revoked token is expired.
        assert_eq!(v.verify(&t1, 6000.0).unwrap_err().code, ErrorCode::JwtExpired);
    }
    list.replace(&[], 0.0).unwrap();
    let mut a = AuthJsSession::new(AuthJsOptions { secrets: vec!["session-secret".into()], ..Default::default() }).unwrap();
    a.set_revocation(Some(list.clone()));
    let s = a.encode(&json!({"sub": "u9"}), None, 1000.0).unwrap();
    let jti = a.decode(&s, 1000.0).unwrap().to_map()["jti"].as_str().unwrap().to_string();
    list.revoke_token(&jti, 1000.0 + crate::authjs::DEFAULT_MAX_AGE, 1000.0).unwrap();
    assert_eq!(a.decode(&s, 1000.0).unwrap_err().code, ErrorCode::TokenRevoked);
    list.replace(&[Entry::Subject { sub: "u9".into(), before: 1001.0 }], 1000.0).unwrap();
    assert_eq!(a.decode(&s, 1001.0).unwrap_err().code, ErrorCode::TokenRevoked);
    // A session cannot be ordered by iat (fresh on every re-encode): without auth_time
    // it is refused while the subject's entry lives; with a later auth_time it is not.
    let fresh = a.encode(&json!({"sub": "u9"}), None, 1002.0).unwrap();
    assert_eq!(a.decode(&fresh, 1002.0).unwrap_err().code, ErrorCode::TokenRevoked);
    let signed_in_again = a.encode(&json!({"sub": "u9", "auth_time": 1002}), None, 1002.0).unwrap();
    assert!(a.decode(&signed_in_again, 1002.0).is_ok());
    // R01: numeric ids through both decoders, the cache included.
    let num = signer.sign(&json!({"sub": 1, "jti": 77, "exp": 5000}), 1000.0).unwrap();
    let odd = signer.sign(&json!({"sub": {"id": 1}, "exp": 5000}), 1000.0).unwrap();
    let v = JwtVerifier::new(VerifierOptions {
        algorithms: vec!["HS256".into()],
        key: Some(KeySource::Bytes(SECRET.to_vec())),
        cache: Some(10.0),
        revocation: Some(list.clone()),
        ..Default::default()
    })
    .unwrap();
    list.replace(&[], 0.0).unwrap();
    assert!(v.verify(&num, 1100.0).is_ok());
    // An empty list refuses nothing, so the ids are not read.
    assert!(v.verify(&odd, 1100.0).is_ok());
    list.revoke_subject("1", 1100.0, 1100.0).unwrap();
    assert_eq!(v.verify(&num, 1100.0).unwrap_err().code, ErrorCode::TokenRevoked);
    let e = v.verify(&odd, 1100.0).unwrap_err();
    assert_eq!((e.code, e.claim.as_deref()), (ErrorCode::JwtClaimInvalid, Some("sub")));
    list.replace(&[Entry::Token { jti: "77".into(), exp: 5000.0 }], 1100.0).unwrap();
    assert_eq!(v.verify(&num, 1100.0).unwrap_err().code, ErrorCode::TokenRevoked);
    list.replace(&[Entry::Subject { sub: "2".into(), before: 1100.0 }], 1100.0).unwrap();
    let s = a.encode(&json!({"sub": 2, "auth_time": 1050}), None, 1200.0).unwrap();
    assert_eq!(a.decode(&s, 1200.0).unwrap_err().code, ErrorCode::TokenRevoked);
    let s = a.encode(&json!({"sub": 2, "auth_time": 1150}), None, 1200.0).unwrap();
    assert!(a.decode(&s, 1200.0).is_ok());
}

#[test]
fn merge_pairs_skips_what_is_not_an_entry() {
    let l = RevocationList::new(Some(100.0)).unwrap();
    l.revoke_token("a", 2000.0, 1000.0).unwrap();
    let long = "x".repeat(MAX_ID_LENGTH + 1);
    let pairs = ["a", "1500", "b", "3000", "", "3000", long.as_str(), "3000", "c", "-1", "d", "inf", "e", "nan", "f", " 3000", "g", "900", "h", "3000.5", "odd"];
    let v0 = l.version();
    let (m, skipped) = l.merge_pairs(true, &pairs, 1000.0).unwrap();
    // "a" keeps its later exp, "g" is already past: neither is skipped, neither changes.
    assert_eq!((m.added, m.stricter), (2, 0));
    assert_eq!(skipped, vec![4, 6, 8, 10, 12, 14, 20]);
    assert_eq!(l.len(), (3, 0));
    assert!(l.version() > v0);
    assert!(l.is_revoked(&ids(Some("h"), None, None), 3000.0));
    assert!(!l.is_revoked(&ids(Some("h"), None, None), 3000.5));
    let mut changed = m.changed.entries.clone();
    changed.sort_by(|x, y| format!("{x:?}").cmp(&format!("{y:?}")));
    assert_eq!(changed, vec![Entry::Token { jti: "b".into(), exp: 3000.0 }, Entry::Token { jti: "h".into(), exp: 3000.5 }]);
    // Subjects: live while before + subjectTtl is ahead; a later before is stricter.
    let (m, skipped) = l.merge_pairs(false, &["u", "950", "v", "800", "u", "990"], 1000.0).unwrap();
    assert_eq!((m.added, m.stricter, skipped.len()), (1, 1, 0));
    assert_eq!(l.len(), (3, 1));
    assert!(l.is_revoked(&ids(None, Some("u"), Some(980.0)), 1000.0));
    // Nothing new: no change, the version stays.
    let v1 = l.version();
    let (m, _) = l.merge_pairs(true, &["b", "3000"], 1000.0).unwrap();
    assert_eq!((m.added, m.stricter, l.version()), (0, 0, v1));
}
