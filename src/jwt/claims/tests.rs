//! Unit tests of the claim checks, and of the revocation ids read with them.

use super::*;
use serde_json::json;

fn check(v: &Validation, h: &Header, claims: Value, now: f64) -> Result<Times> {
    v.check(h, claims.to_string().as_bytes(), now)
}

#[test]
fn exp_with_tolerance() {
    let v = Validation { clock_tolerance: 10.0, ..Default::default() };
    let h = Header::default();
    assert!(check(&v, &h, json!({"exp": 995}), 1000.0).is_ok());
    let e = check(&v, &h, json!({"exp": 990}), 1000.0).unwrap_err();
    assert_eq!((e.code, e.claim.as_deref()), (ErrorCode::JwtExpired, Some("exp")));
}

#[test]
fn required_and_types() {
    let v = Validation::default();
    let h = Header::default();
    let e = check(&v, &h, json!({"sub": "a"}), 1000.0).unwrap_err();
    assert_eq!((e.code, e.claim.as_deref()), (ErrorCode::JwtClaimMissing, Some("exp")));
    let e = check(&v, &h, json!({"exp": "2000"}), 1000.0).unwrap_err();
    assert_eq!(e.code, ErrorCode::JwtClaimInvalid);
    assert!(check(&v, &h, json!({"exp": 1e300}), 1000.0).is_ok());
    let e = check(&v, &h, json!({"exp": -5}), 1000.0).unwrap_err();
    assert_eq!(e.code, ErrorCode::JwtExpired);
    let custom = Validation { required: vec!["exp".into(), "role".into()], ..Default::default() };
    let e = check(&custom, &h, json!({"exp": 2000}), 1000.0).unwrap_err();
    assert_eq!((e.code, e.claim.as_deref()), (ErrorCode::JwtClaimMissing, Some("role")));
    assert!(check(&custom, &h, json!({"exp": 2000, "role": null}), 1000.0).is_ok());
    assert_eq!(v.check(&h, b"[1]", 0.0).unwrap_err().code, ErrorCode::TokenMalformed);
    assert_eq!(v.check(&h, br#"{"exp":1,"exp":2}"#, 0.0).unwrap_err().code, ErrorCode::TokenMalformed);
}

#[test]
fn many_required_claims() {
    // 3 time claims + 20 required names: past the 16 names json_fast keeps on the stack.
    let names: Vec<String> = (0..20).map(|i| format!("c{i}")).collect();
    let v = Validation { required: names.clone(), ..Default::default() };
    let h = Header::default();
    let mut all = serde_json::Map::new();
    for n in &names {
        all.insert(n.clone(), json!(1));
    }
    assert!(check(&v, &h, Value::Object(all.clone()), 1000.0).is_ok());
    all.remove("c19");
    let e = check(&v, &h, Value::Object(all), 1000.0).unwrap_err();
    assert_eq!((e.code, e.claim.as_deref()), (ErrorCode::JwtClaimMissing, Some("c19")));
    assert_eq!(v.names().plain.len(), 23);
    assert_eq!((v.names().with_ids.len(), v.names().ids), (25, [23, 24]));
}

#[test]
fn ignore_expiration_and_not_before() {
    let v = Validation { ignore_expiration: true, ignore_not_before: true, required: vec![], ..Default::default() };
    let h = Header::default();
    assert!(check(&v, &h, json!({"exp": 1, "nbf": 5000}), 1000.0).is_ok());
    assert_eq!(check(&v, &h, json!({"exp": "1"}), 1000.0).unwrap_err().code, ErrorCode::JwtClaimInvalid);
    let only_exp = Validation { ignore_expiration: true, required: vec![], ..Default::default() };
    assert_eq!(check(&only_exp, &h, json!({"exp": 1, "nbf": 5000}), 1000.0).unwrap_err().code, ErrorCode::JwtNotActive);
}

#[test]
fn audience_forms() {
    let v = Validation { audience: Some(vec!["api".into()]), required: vec![], ..Default::default() };
    let h = Header::default();
    assert!(check(&v, &h, json!({"aud": "api"}), 0.0).is_ok());
    assert!(check(&v, &h, json!({"aud": ["x", "api"]}), 0.0).is_ok());
    assert_eq!(check(&v, &h, json!({"aud": ["x"]}), 0.0).unwrap_err().code, ErrorCode::JwtClaimInvalid);
    assert_eq!(check(&v, &h, json!({"aud": [["api"]]}), 0.0).unwrap_err().code, ErrorCode::JwtClaimInvalid);
    assert_eq!(check(&v, &h, json!({}), 0.0).unwrap_err().code, ErrorCode::JwtClaimMissing);
}

#[test]
fn max_age_uses_iat() {
    let v = Validation { max_age: Some(60.0), required: vec![], ..Default::default() };
    let h = Header::default();
    assert!(check(&v, &h, json!({"iat": 950}), 1000.0).is_ok());
    let e = check(&v, &h, json!({"iat": 900}), 1000.0).unwrap_err();
    assert_eq!((e.code, e.claim.as_deref()), (ErrorCode::JwtExpired, Some("iat")));
    assert_eq!(check(&v, &h, json!({"iat": 2000}), 1000.0).unwrap_err().code, ErrorCode::JwtClaimInvalid);
}

#[test]
fn typ_normalized() {
    let v = Validation { typ: Some(normalize_typ("at+jwt")), required: vec![], ..Default::default() };
    let ok = Header { typ: Some("application/AT+JWT".into()), ..Default::default() };
    assert!(check(&v, &ok, json!({}), 0.0).is_ok());
    let bad = Header { typ: Some("JWT".into()), ..Default::default() };
    assert_eq!(check(&v, &bad, json!({}), 0.0).unwrap_err().claim.as_deref(), Some("typ"));
}

/// The ids `check_ids` reads for the list, and whether each was borrowed from the text.
fn ids_of(v: &Validation, text: &str) -> Result<(Option<String>, Option<String>, [bool; 2])> {
    let (_, ids) = v.check_ids(&Header::default(), text.as_bytes(), 1000.0, true)?;
    let ids = ids.unwrap();
    let borrowed = |k: &Option<std::borrow::Cow<'_, str>>| matches!(k, Some(std::borrow::Cow::Borrowed(_)));
    let b = [borrowed(&ids.jti), borrowed(&ids.sub)];
    Ok((ids.jti.map(|k| k.into_owned()), ids.sub.map(|k| k.into_owned()), b))
}

/// The reference: the members built by serde_json, keyed by `TokenIds::from_values`.
fn reference(v: &Validation, text: &str) -> Result<(Option<String>, Option<String>)> {
    v.check(&Header::default(), text.as_bytes(), 1000.0)?;
    let m = crate::token::claim_members(text.as_bytes(), "claims set (payload)", &["jti", "sub"])?;
    let m2 = crate::json::members_serde(text.as_bytes(), &["jti", "sub"]).unwrap();
    assert_eq!(m, m2);
    let ids = crate::revocation::TokenIds::from_values(m[0].as_ref(), m[1].as_ref(), None)?;
    Ok((ids.jti.map(String::from), ids.sub.map(String::from)))
}

#[test]
fn ids_are_borrowed_when_plain() {
    let v = Validation { required: vec![], ..Default::default() };
    assert_eq!(ids_of(&v, r#"{"jti":"abc","sub":"u-1","exp":2000}"#).unwrap(), (Some("abc".into()), Some("u-1".into()), [true, true]));
    // Escapes undone exactly (a copy, as before); keys compared after unescaping.
    assert_eq!(ids_of(&v, r#"{"jti":"a\u0062c","sub":"q\"\\/"}"#).unwrap(), (Some("abc".into()), Some("q\"\\/".into()), [false, false]));
    assert_eq!(ids_of(&v, r#"{"jti":"\ud83d\ude00"}"#).unwrap().0.as_deref(), Some("\u{1f600}"));
    // Integers keyed by their decimal text; other numbers refused.
    assert_eq!(ids_of(&v, r#"{"jti":42,"sub":-0}"#).unwrap(), (Some("42".into()), Some("0".into()), [false, false]));
    assert_eq!(ids_of(&v, r#"{"jti":1.0,"sub":1e3}"#).unwrap(), (Some("1".into()), Some("1000".into()), [false, false]));
    assert_eq!(ids_of(&v, r#"{"jti":9007199254740991}"#).unwrap().0.as_deref(), Some("9007199254740991"));
    for bad in [r#"{"jti":9007199254740992}"#, r#"{"jti":1.5}"#, r#"{"sub":null}"#, r#"{"sub":true}"#, r#"{"jti":["a"]}"#, r#"{"jti":{}}"#] {
        assert_eq!(ids_of(&v, bad).unwrap_err().code, ErrorCode::JwtClaimInvalid, "{bad}");
    }
    // No id: absent, or an empty string.
    assert_eq!(ids_of(&v, r#"{"jti":"","x":1}"#).unwrap(), (None, None, [false, false]));
    // Up to 1024 bytes (after unescaping); longer is refused.
    let long = "a".repeat(1024);
    assert_eq!(ids_of(&v, &format!(r#"{{"jti":"{long}"}}"#)).unwrap().0.as_deref(), Some(&long[..]));
    let err = ids_of(&v, &format!(r#"{{"jti":"{long}a"}}"#)).unwrap_err();
    assert_eq!((err.code, err.claim.as_deref()), (ErrorCode::JwtClaimInvalid, Some("jti")));
    let escaped = format!(r#"{{"sub":"\u0061{}"}}"#, &long[1..]);
    assert_eq!(ids_of(&v, &escaped).unwrap().1.as_deref(), Some(&long[..]));
    let two_byte = "\u{e9}".repeat(513);
    assert_eq!(ids_of(&v, &format!(r#"{{"sub":"{two_byte}"}}"#)).unwrap_err().code, ErrorCode::JwtClaimInvalid);
    // Duplicates refused, also when an escape spells the same name.
    for dup in [r#"{"jti":"a","jti":"b"}"#, r#"{"jti":"a","j\u0074i":"a"}"#, r#"{"sub":"a","x":{"sub":1,"sub":2}}"#] {
        assert_eq!(ids_of(&v, dup).unwrap_err().code, ErrorCode::TokenMalformed, "{dup}");
    }
    // A sub the subject check reads is the check's value, taken (not a copy).
    let subject = Validation { subject: Some("u-1".into()), required: vec!["jti".into()], ..Default::default() };
    assert_eq!(ids_of(&subject, r#"{"jti":"j","sub":"u-1"}"#).unwrap(), (Some("j".into()), Some("u-1".into()), [false, false]));
    assert_eq!(subject.names().ids, [4, 3]);
    assert_eq!(ids_of(&subject, r#"{"jti":"j","sub":"u-2"}"#).unwrap_err().code, ErrorCode::JwtClaimInvalid);
    // No list: nothing read for it.
    assert_eq!(v.check_ids(&Header::default(), br#"{"jti":"a"}"#, 1000.0, false).unwrap().1, None);
}

#[test]
fn ids_read_as_the_reference_reads_them() {
    // Mutated claims sets: the ids (or the error code) are those of the serde_json path.
    let seeds = [
        r#"{"jti":"abc","sub":"u","exp":2000,"iat":5}"#,
        r#"{"sub":"\u00e9\n","jti":7,"x":[1,{"jti":2}]}"#,
        r#"{"jti":-12,"sub":"a\\b"}"#,
        r#"{"a":{"sub":"x"},"sub":1.5e1,"jti":"\ud800"}"#,
    ];
    let alphabet = b"{}[]\":,\\ u0123456789abefjtisn.-eE";
    let v = Validation { required: vec![], ..Default::default() };
    let mut rng: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    let (mut same, mut refused) = (0, 0);
    for seed in seeds {
        for _ in 0..3000 {
            let mut t = seed.as_bytes().to_vec();
            for _ in 0..(next() % 3 + 1) {
                let pos = (next() as usize) % (t.len() + 1);
                let c = alphabet[(next() as usize) % alphabet.len()];
                if next() % 2 == 0 && pos < t.len() {
                    t[pos] = c;
                } else {
                    t.insert(pos, c);
                }
            }
            let t = String::from_utf8(t).unwrap();
            match (ids_of(&v, &t), reference(&v, &t)) {
                (Ok((j, s, _)), Ok(r)) => {
                    assert_eq!((j, s), r, "{t}");
                    same += 1;
                }
                (Err(a), Err(b)) => {
                    assert_eq!((a.code, a.claim), (b.code, b.claim), "{t}");
                    refused += 1;
                }
                (a, b) => panic!("{t}: {a:?} but the reference {b:?}"),
            }
        }
    }
    assert!(same > 1000 && refused > 1000, "{same} {refused}");
}
