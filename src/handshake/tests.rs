use super::*;
use crate::session::SessionDecoder;
use crate::authjs::AuthJsOptions;
use crate::jwt::{KeySource, VerifierOptions};
use serde_json::{json, Value};

const SECRET: &str = "an-hs256-secret-of-at-least-32-bytes!!";

fn hs_token(claims: Value) -> String {
    let signer = crate::jwt::JwtSigner::new(
        crate::jwt::SignOptions { algorithm: Some("HS256".into()), ..Default::default() },
        crate::key::KeyInput::Bytes(SECRET.as_bytes()),
    )
    .unwrap();
    signer.sign(&claims, 1000.0).unwrap()
}

fn auth(jwt: bool, authjs: bool) -> HandshakeAuthenticator {
    let v = jwt.then(|| {
        JwtVerifier::new(VerifierOptions {
            algorithms: vec!["HS256".into()],
            key: Some(KeySource::Bytes(SECRET.as_bytes().to_vec())),
            ..Default::default()
        })
        .unwrap()
    });
    let a = authjs.then(|| AuthJsSession::new(AuthJsOptions { secrets: vec!["session-secret".into()], ..Default::default() }).unwrap());
    HandshakeAuthenticator::new(v, a, None, None, None).unwrap()
}

fn hs(auth: Field<'static>, authorization: Option<&'static str>, cookie: Option<&'static str>) -> Handshake<'static> {
    Handshake { auth, authorization, cookie, query: Field::Absent }
}

#[test]
fn sources_in_order_and_first_decides() {
    let a = auth(true, true);
    let t: &'static str = Box::leak(hs_token(json!({"sub": "u1", "exp": 5000})).into_boxed_str());
    let bearer: &'static str = Box::leak(format!("Bearer {t}").into_boxed_str());
    let r = a.authenticate(&hs(Field::Str(bearer), None, None), Clocks::all(1000.0)).unwrap();
    assert_eq!((r.kind, r.source, r.claims.to_map()["sub"].as_str()), (Kind::Jwt, Source::Auth, Some("u1")));
    let r = a.authenticate(&hs(Field::Absent, Some(bearer), None), Clocks::all(1000.0)).unwrap();
    assert_eq!(r.source, Source::Header);
    // A bad token in auth is refused even though the header holds a good one.
    let e = a.authenticate(&hs(Field::Str("x.y.z"), Some(bearer), None), Clocks::all(1000.0)).unwrap_err().error;
    assert_eq!(e.code, ErrorCode::TokenMalformed);
    // Another scheme is ignored.
    let e = a.authenticate(&hs(Field::Absent, Some("Basic abc"), None), Clocks::all(1000.0)).unwrap_err().error;
    assert_eq!(e.code, ErrorCode::TokenMissing);
    assert!(e.message.contains("handshake.auth.token") && e.message.contains("authjs.session-token"));
    let e = a.authenticate(&hs(Field::NotString("number"), None, None), Clocks::all(1000.0)).unwrap_err().error;
    assert_eq!(e.code, ErrorCode::TokenMalformed);
}

#[test]
fn cookie_session_and_wrong_kind() {
    let a = auth(true, true);
    let session = a.authjs.as_ref().unwrap().encode(&json!({"sub": "s1"}), None, 1000.0).unwrap();
    let cookie: &'static str = Box::leak(format!("x=1; authjs.session-token={session}").into_boxed_str());
    let r = a.authenticate(&hs(Field::Absent, None, Some(cookie)), Clocks::all(1000.0)).unwrap();
    assert_eq!((r.kind, r.source), (Kind::AuthJs, Source::Cookie));
    let only_jwt = auth(true, false);
    let s: &'static str = Box::leak(session.into_boxed_str());
    let e = only_jwt.authenticate(&hs(Field::Str(s), None, None), Clocks::all(1000.0)).unwrap_err().error;
    assert_eq!(e.code, ErrorCode::TokenWrongKind);
    assert!(e.message.contains("AuthJsSession"), "{}", e.message);
    let only_authjs = auth(false, true);
    let t: &'static str = Box::leak(hs_token(json!({"exp": 5000})).into_boxed_str());
    assert_eq!(only_authjs.authenticate(&hs(Field::Str(t), None, None), Clocks::all(1000.0)).unwrap_err().error.code, ErrorCode::TokenWrongKind);
}

#[test]
fn missing_token_names_cookies_and_the_secure_variant() {
    let a = auth(true, true);
    let e = a.authenticate(&hs(Field::Absent, None, Some("theme=dark; __Secure-authjs.session-token.0=SECRETVALUE; __Secure-authjs.session-token.1=MORE")), Clocks::all(1000.0)).unwrap_err().error;
    assert_eq!(e.code, ErrorCode::TokenMissing);
    assert!(e.message.contains("cookies present (names only): theme, __Secure-authjs.session-token.0, __Secure-authjs.session-token.1"), "{}", e.message);
    assert!(e.message.contains("secureCookie: true"), "{}", e.message);
    assert!(!e.message.contains("SECRETVALUE") && !e.message.contains("dark") && !e.message.contains("MORE"));
    // No hint when nothing resembles the session cookie; no cookie list without cookies.
    let e = a.authenticate(&hs(Field::Absent, None, Some("theme=dark")), Clocks::all(1000.0)).unwrap_err().error;
    assert!(e.message.contains("names only): theme") && !e.message.contains("secureCookie"), "{}", e.message);
    let e = a.authenticate(&hs(Field::Absent, None, None), Clocks::all(1000.0)).unwrap_err().error;
    assert!(!e.message.contains("cookies present"));
    // The other way round: secureCookie configured, the plain cookie sent.
    let s = AuthJsSession::new(AuthJsOptions { secrets: vec!["session-secret".into()], secure_cookie: true, ..Default::default() }).unwrap();
    let b = HandshakeAuthenticator::new(None, Some(s), None, None, None).unwrap();
    let e = b.authenticate(&hs(Field::Absent, None, Some("authjs.session-token=x")), Clocks::all(1000.0)).unwrap_err().error;
    assert!(e.message.contains("secureCookie: false"), "{}", e.message);
}

fn better_auth_vectors() -> Value {
    serde_json::from_str(include_str!("../../__test__/fixtures/better-auth/vectors.json")).unwrap()
}

fn ba_case<'v>(v: &'v Value, label: &str) -> &'v Value {
    v["cases"].as_array().unwrap().iter().find(|c| c["label"] == label).unwrap()
}

fn ba(v: &Value, jwt: bool, authjs: bool, list: Option<std::sync::Arc<crate::revocation::RevocationList>>) -> HandshakeAuthenticator {
    let mut b = BetterAuthSession::new(crate::betterauth::BetterAuthOptions { secret: Some(v["secret"].as_str().unwrap().into()), ..Default::default() }).unwrap();
    b.set_revocation(list);
    let (j, a) = if jwt || authjs {
        let base = auth(jwt, authjs);
        (base.jwt, base.authjs)
    } else {
        (None, None)
    };
    HandshakeAuthenticator::new(j, a, Some(b), None, None).unwrap()
}

fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

#[test]
fn better_auth_bearer_plugin_session_token() {
    // The signed session token (better-auth's bearer plugin sends the session_token cookie's
    // value): checked, then a lookup is needed; beside jwt and authjs too (one dot is no JWS).
    let v = better_auth_vectors();
    let c = ba_case(&v, "compact");
    let now = Clocks::all(c["now"].as_f64().unwrap() / 1000.0 + 1.0);
    let signed = crate::extract::cookie::session_token(c["cookieHeader"].as_str().unwrap(), "better-auth.session_token", 1 << 20).unwrap().unwrap().into_owned();
    for (jwt, authjs) in [(false, false), (true, true)] {
        let a = ba(&v, jwt, authjs, None);
        // As the cookie holds it (URL-encoded: set-auth-token) and decoded.
        let encoded = signed.replace('+', "%2B").replace('/', "%2F").replace('=', "%3D");
        for value in [signed.clone(), encoded] {
            let bearer = leak(format!("Bearer {value}"));
            let f = a.authenticate(&hs(Field::Absent, Some(bearer), None), now).unwrap_err();
            assert_eq!((f.error.code, f.source), (ErrorCode::SessionLookupRequired, Some(Source::Header)));
            assert!(!f.error.message.contains(&signed[..20]), "the token is not in the message");
            let f = a.authenticate(&hs(Field::Str(leak(value.clone())), None, None), now).unwrap_err();
            assert_eq!((f.error.code, f.source), (ErrorCode::SessionLookupRequired, Some(Source::Auth)));
        }
        // Another signature, another token under the signature: refused as forged.
        let dot = signed.find('.').unwrap();
        let forged = leak(format!("Bearer {}.{}", &signed[..dot], "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUE="));
        assert_eq!(a.authenticate(&hs(Field::Absent, Some(forged), None), now).unwrap_err().error.code, ErrorCode::JwsSignatureInvalid);
        let other = leak(format!("Bearer x{}", &signed[1..]));
        assert_eq!(a.authenticate(&hs(Field::Absent, Some(other), None), now).unwrap_err().error.code, ErrorCode::JwsSignatureInvalid);
    }
    // Without betterAuth a one-dot token is no token of any configured kind.
    let a = auth(true, false);
    let bearer = leak(format!("Bearer {signed}"));
    assert_ne!(a.authenticate(&hs(Field::Absent, Some(bearer), None), now).unwrap_err().error.code, ErrorCode::SessionLookupRequired);
}

#[test]
fn better_auth_cookie_header_values_and_routing() {
    let v = better_auth_vectors();
    for label in ["compact", "jwt", "jwe"] {
        let c = ba_case(&v, label);
        let now = Clocks::all(c["now"].as_f64().unwrap() / 1000.0 + 1.0);
        let header = leak(format!("theme=dark; {}", c["cookieHeader"].as_str().unwrap()));
        // Beside jwt and authjs: the Auth.js cookie is absent, Better Auth's decide.
        let a = ba(&v, true, true, None);
        let r = a.authenticate(&hs(Field::Absent, None, Some(header)), now).unwrap();
        assert_eq!((r.kind, r.source), (Kind::BetterAuth, Source::Cookie), "{label}");
        let m = r.claims.to_map();
        assert_eq!((m["sub"].clone(), m["sid"].clone()), (c["userId"].clone(), c["sessionId"].clone()), "{label}");
        // The cache value itself: compact (one segment) and jwe (its 43-character kid,
        // authjs configured) go to Better Auth; a 3-part jwt cache only without jwt options.
        let value = leak(crate::extract::cookie::session_token(header, "better-auth.session_data", 1 << 20).unwrap().unwrap().into_owned());
        let jwt_and_authjs = a.authenticate(&hs(Field::Str(value), None, None), now);
        match label {
            "jwt" => assert_eq!(jwt_and_authjs.unwrap_err().error.code, ErrorCode::JwsSignatureInvalid),
            _ => assert_eq!(jwt_and_authjs.unwrap().kind, Kind::BetterAuth, "{label}"),
        }
        let only = ba(&v, false, false, None);
        assert_eq!(only.dispatch(value, now).unwrap().1, Kind::BetterAuth, "{label}");
        // The token without its cache: a lookup is needed (the sync path says so).
        let token_only = leak(header.split("; ").filter(|p| p.contains("session_token=")).collect::<Vec<_>>().join("; "));
        let f = only.authenticate(&hs(Field::Absent, None, Some(token_only)), now).unwrap_err();
        assert_eq!((f.error.code, f.source), (ErrorCode::SessionLookupRequired, Some(Source::Cookie)));
        assert!(f.fingerprint.is_some());
    }
    // An Auth.js session still goes to Auth.js when both are configured.
    let a = ba(&v, false, true, None);
    let session = leak(a.authjs.as_ref().unwrap().encode(&json!({"sub": "s1"}), None, 1000.0).unwrap());
    assert_eq!(a.dispatch(session, Clocks::all(1000.0)).unwrap().1, Kind::AuthJs);
    assert_eq!(a.tolerance(Kind::BetterAuth), 0.0);
}

#[test]
fn better_auth_revocation_by_session_and_user() {
    let v = better_auth_vectors();
    let c = ba_case(&v, "compact");
    let t = c["now"].as_f64().unwrap() / 1000.0 + 1.0;
    let header = leak(c["cookieHeader"].as_str().unwrap().to_string());
    let list = std::sync::Arc::new(crate::revocation::RevocationList::new(None).unwrap());
    let a = ba(&v, false, false, Some(list.clone()));
    assert!(a.authenticate(&hs(Field::Absent, None, Some(header)), Clocks::all(t)).is_ok());
    list.revoke_token(c["sessionId"].as_str().unwrap(), t + 600.0, t).unwrap();
    assert_eq!(a.authenticate(&hs(Field::Absent, None, Some(header)), Clocks::all(t)).unwrap_err().error.code, ErrorCode::TokenRevoked);
    let list = std::sync::Arc::new(crate::revocation::RevocationList::new(None).unwrap());
    let a = ba(&v, false, false, Some(list.clone()));
    list.revoke_subject(c["userId"].as_str().unwrap(), t, t).unwrap();
    assert_eq!(a.authenticate(&hs(Field::Absent, None, Some(header)), Clocks::all(t)).unwrap_err().error.code, ErrorCode::TokenRevoked);
}

#[test]
fn better_auth_missing_cookie_hint() {
    let v = better_auth_vectors();
    let a = ba(&v, false, false, None);
    let e = a.authenticate(&hs(Field::Absent, None, Some("__Secure-better-auth.session_token=abc")), Clocks::all(1000.0)).unwrap_err().error;
    assert_eq!(e.code, ErrorCode::TokenMissing);
    assert!(e.message.contains("the better-auth.session_token cookie"), "{}", e.message);
    assert!(e.message.contains("set betterAuth.secureCookie: true") && !e.message.contains("cookieName"), "{}", e.message);
    assert!(!e.message.contains("abc"));
}

#[test]
fn options_checked() {
    assert_eq!(HandshakeAuthenticator::new(None, None, None, None, None).err().unwrap().code, ErrorCode::InvalidOptions);
    let v = auth(true, false).jwt;
    assert_eq!(HandshakeAuthenticator::new(v, None, None, Some(vec!["body".into()]), None).err().unwrap().code, ErrorCode::InvalidOptions);
}
