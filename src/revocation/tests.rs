//! Unit tests of the revocation list, and of the verifier and session decoder with one.

use super::*;

fn ids(jti: Option<&str>, sub: Option<&str>, iat: Option<f64>) -> TokenIds {
    TokenIds { jti: jti.map(Box::from), sub: sub.map(Box::from), iat }
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
fn from_values_reads_only_strings() {
    let j = serde_json::json!({"jti": 5, "sub": "u"});
    let i = TokenIds::from_values(j.get("jti"), j.get("sub"), Some(3.0));
    assert_eq!(i, ids(None, Some("u"), Some(3.0)));
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
    let fresh = a.encode(&json!({"sub": "u9"}), None, 1002.0).unwrap();
    assert!(a.decode(&fresh, 1002.0).is_ok());
}
