//! `JwtVerifier`: a verifier built once from its options (keys prepared, validation
//! fixed), then used for every token.

use std::sync::Arc;

use serde_json::Value;

use super::cache::{Entry, VerifyCache};
use super::claims::{normalize_typ, Validation};
use crate::alg::{parse_algorithms, Algorithm};
use crate::error::{Error, Result};
use crate::json::value_or_text;
use crate::jws::{self, VerifiedJws, DEFAULT_MAX_TOKEN_LENGTH};
use crate::key::{KeyStore, VerifyKey};
use crate::options::{length_option, non_empty_list, seconds_option};
use crate::revocation::{IdKeys, RevocationList};
use crate::token::{Claims, Header};

/// Where the verification key comes from.
pub enum KeySource {
    /// An HMAC secret, or a PEM public key / certificate.
    Bytes(Vec<u8>),
    /// One JWK (an object, or JSON text).
    Jwk(Value),
    /// A JWK Set (an object, or JSON text); the token's kid selects the key.
    Jwks(Value),
    /// A key set kept current from the network, shared with other verifiers.
    Remote(std::sync::Arc<crate::remote::RemoteKeys>),
}

/// The options of `new JwtVerifier(options)`, already converted from JS.
#[derive(Default)]
pub struct VerifierOptions {
    pub algorithms: Vec<String>,
    pub key: Option<KeySource>,
    pub issuer: Option<Vec<String>>,
    pub audience: Option<Vec<String>>,
    pub subject: Option<String>,
    pub typ: Option<String>,
    pub clock_tolerance: Option<f64>,
    pub max_age: Option<f64>,
    pub required_claims: Option<Vec<String>>,
    pub max_token_length: Option<f64>,
    pub allow_weak_secret: bool,
    /// Entries kept in the verified-token cache; None or 0: no cache.
    pub cache: Option<f64>,
    /// Skip the exp check, and do not require exp unless requiredClaims says so.
    pub ignore_expiration: bool,
    /// Skip the nbf check.
    pub ignore_not_before: bool,
    /// Enforce the JWT access-token profile (RFC 9068): typ at+jwt and the claims it requires.
    pub rfc9068: bool,
    /// Refuse revoked tokens (ERR_TOKEN_REVOKED), checked after signature and claims.
    pub revocation: Option<Arc<RevocationList>>,
}

/// The claims RFC 9068 section 2.2 requires in an access token.
pub const RFC9068_CLAIMS: [&str; 7] = ["iss", "exp", "aud", "sub", "client_id", "iat", "jti"];

/// The revocation ids (jti, sub) of a claims set already verified, by the id rule
/// (borrowed from `json` where they can be).
fn revocation_ids(json: &[u8], iat: Option<f64>) -> Result<IdKeys<'_>> {
    let mut raw = [None, None];
    crate::token::claim_members_raw(json, "claims set (payload)", &["jti", "sub"], &mut raw)?;
    let [jti, sub] = raw;
    IdKeys::from_members(jti, sub, iat)
}

/// A verification's outcome: a cache hit, or a token verified now (header, claims JSON).
enum Verified {
    Hit(Arc<Entry>),
    Fresh(Arc<Header>, Vec<u8>),
}

pub struct JwtVerifier {
    headers: crate::token::HeaderCache,
    cache: Option<VerifyCache>,
    algorithms: Vec<Algorithm>,
    keys: KeyStore,
    validation: Validation,
    max_len: usize,
    allow_weak: bool,
    /// The remote set's generation the verified-token cache was filled under.
    cache_generation: std::sync::atomic::AtomicU64,
    revocation: Option<Arc<RevocationList>>,
}

/// The claim checks of a verifier's options (after its algorithms, clockTolerance, maxAge
/// and maxTokenLength, in that order: the first bad option is the one reported).
fn validation_of(options: &mut VerifierOptions, clock_tolerance: f64, max_age: Option<f64>) -> Result<Validation> {
    let issuer = non_empty_list("issuer", options.issuer.take())?;
    let audience = non_empty_list("audience", options.audience.take())?;
    let mut typ = options.typ.as_deref().map(normalize_typ);
    let ignore_expiration = options.ignore_expiration;
    let mut required = options
        .required_claims
        .take()
        .unwrap_or_else(|| if ignore_expiration { vec![] } else { vec!["exp".to_string()] });
    if options.rfc9068 {
        if matches!(&typ, Some(t) if t != "at+jwt") {
            return Err(Error::options("rfc9068 requires typ 'at+jwt': leave typ unset or set it to 'at+jwt'"));
        }
        if issuer.is_none() || audience.is_none() {
            return Err(Error::options("rfc9068 requires the issuer and audience options (RFC 9068 section 4: the resource server must check both)"));
        }
        if ignore_expiration {
            return Err(Error::options("rfc9068 cannot be combined with ignoreExpiration"));
        }
        typ = Some("at+jwt".to_string());
        for c in RFC9068_CLAIMS {
            if !required.iter().any(|r| r == c) {
                required.push(c.to_string());
            }
        }
    }
    Ok(Validation {
        issuer,
        audience,
        subject: options.subject.take(),
        typ,
        clock_tolerance,
        max_age,
        required,
        ignore_expiration,
        ignore_not_before: options.ignore_not_before,
        names: Default::default(),
    })
}

/// Construction.
impl JwtVerifier {
    pub fn new(mut options: VerifierOptions) -> Result<JwtVerifier> {
        // Options first, keys after: a bad option never reaches key parsing.
        let algorithms = parse_algorithms(&options.algorithms)?;
        let clock_tolerance = seconds_option("clockTolerance", options.clock_tolerance)?.unwrap_or(0.0);
        let max_age = seconds_option("maxAge", options.max_age)?;
        let max_len = length_option("maxTokenLength", options.max_token_length, DEFAULT_MAX_TOKEN_LENGTH)?;
        let validation = validation_of(&mut options, clock_tolerance, max_age)?;
        let source = options.key.ok_or_else(|| Error::options("one of key, jwk or jwks is required"))?;
        let keys = build_keys(&source, &algorithms, options.allow_weak_secret)?;
        let cache = match length_option("cache", options.cache.filter(|c| *c != 0.0), 0)? {
            0 => None,
            n => Some(VerifyCache::new(n)),
        };
        Ok(JwtVerifier {
            cache_generation: Default::default(),
            headers: crate::token::HeaderCache::default(),
            cache,
            algorithms,
            keys,
            validation,
            max_len,
            allow_weak: options.allow_weak_secret,
            revocation: options.revocation,
        })
    }
}

/// Its keys.
impl JwtVerifier {
    /// Replaces the keys with a new JWK Set. Either the whole set is accepted and
    /// swapped in, or nothing changes.
    pub fn set_jwks(&mut self, jwks: &Value) -> Result<()> {
        self.keys = KeyStore::from_jwks(&*value_or_text(jwks, "jwks")?, &self.algorithms, self.allow_weak)?;
        if let Some(c) = &self.cache {
            c.clear();
        }
        Ok(())
    }

}

/// Verification.
impl JwtVerifier {
    /// Verifies signature and claims; returns (header, claims).
    pub fn verify(&self, token: &str, now: f64) -> Result<(Arc<Header>, Claims)> {
        Ok(match self.verified(token, now)? {
            Verified::Hit(hit) => (hit.header.clone(), Claims { json: hit.json.to_vec() }),
            Verified::Fresh(header, json) => (header, Claims { json }),
        })
    }

    /// As `verify`, handing the claims' JSON text to `f` (a cached one without a copy).
    pub fn verify_with<R>(&self, token: &str, now: f64, f: impl FnOnce(&[u8]) -> R) -> Result<R> {
        Ok(match self.verified(token, now)? {
            Verified::Hit(hit) => f(&hit.json),
            Verified::Fresh(_, json) => f(&json),
        })
    }

    fn verified(&self, token: &str, now: f64) -> Result<Verified> {
        if let Some(cache) = &self.cache {
            if let KeyStore::Remote(r) = &self.keys {
                // A hit must not outlive the key that verified it, nor a stale set.
                r.snapshot()?;
                let g = r.generation();
                if self.cache_generation.swap(g, std::sync::atomic::Ordering::AcqRel) != g {
                    cache.clear();
                }
            }
            if let Some(hit) = cache.get(token) {
                self.validation.check_clock(&hit.times, now)?;
                if let Some(list) = self.revocation.as_ref().filter(|l| l.consulted()) {
                    // A hit put while the list was empty has no ids: read them now.
                    match &hit.ids {
                        Some(ids) => list.check(ids, now)?,
                        None => list.check_keys(&revocation_ids(&hit.json, hit.times.iat)?, now)?,
                    }
                }
                return Ok(Verified::Hit(hit));
            }
        }
        let jws = jws::verify_compact_cached(token, &self.algorithms, &self.keys, self.max_len, &self.headers)?;
        // The ids are read only when the list can refuse something (an empty list costs
        // no claim reading).
        let want_ids = self.revocation.as_ref().is_some_and(|l| l.consulted());
        let (times, ids) = self.validation.check_ids(&jws.header, &jws.payload, now, want_ids)?;
        if let (Some(list), Some(ids)) = (&self.revocation, &ids) {
            list.check_keys(ids, now)?;
        }
        if let Some(cache) = &self.cache {
            let ids = ids.map(IdKeys::into_owned);
            cache.put(token, Entry { header: jws.header.clone(), json: jws.payload.as_slice().into(), times, ids });
        }
        Ok(Verified::Fresh(jws.header, jws.payload))
    }

}

/// Its settings.
impl JwtVerifier {
    pub fn clock_tolerance(&self) -> f64 {
        self.validation.clock_tolerance
    }

    pub fn revocation(&self) -> Option<&Arc<RevocationList>> {
        self.revocation.as_ref()
    }

    /// Sets (or removes) the revocation list; the cache keeps working, as every hit is
    /// checked against the list in use.
    pub fn set_revocation(&mut self, list: Option<Arc<RevocationList>>) {
        self.revocation = list;
        if let Some(c) = &self.cache {
            c.clear();
        }
    }
}

/// The options of `verifyJws(token, options)`: a JWS checked once, no claim checks.
#[derive(Default)]
pub struct JwsOptions {
    pub algorithms: Vec<String>,
    pub key: Option<KeySource>,
    pub max_token_length: Option<f64>,
    pub allow_weak_secret: bool,
}

/// Verifies one JWS (keys prepared for this call only): any payload bytes, no claim checks.
pub fn verify_jws(token: &str, options: &JwsOptions) -> Result<VerifiedJws> {
    let algorithms = parse_algorithms(&options.algorithms)?;
    let max_len = length_option("maxTokenLength", options.max_token_length, DEFAULT_MAX_TOKEN_LENGTH)?;
    let source = options.key.as_ref().ok_or_else(|| Error::options("one of key, jwk or jwks is required"))?;
    let keys = build_keys(source, &algorithms, options.allow_weak_secret)?;
    jws::verify_compact(token, &algorithms, &keys, max_len)
}

pub fn build_keys(source: &KeySource, algorithms: &[Algorithm], allow_weak: bool) -> Result<KeyStore> {
    Ok(match source {
        KeySource::Bytes(b) => KeyStore::Single(VerifyKey::from_bytes(b, algorithms, allow_weak)?),
        KeySource::Jwk(v) => KeyStore::Single(VerifyKey::from_jwk(&*value_or_text(v, "jwk")?, algorithms, allow_weak, true)?),
        KeySource::Jwks(v) => KeyStore::from_jwks(&*value_or_text(v, "jwks")?, algorithms, allow_weak)?,
        KeySource::Remote(r) => {
            if algorithms[0].family() == crate::alg::Family::Hmac {
                return Err(Error::options("a remote JWK Set holds public keys only: pin RS*, PS*, ES*, EdDSA or Ed25519 algorithms"));
            }
            KeyStore::Remote(r.clone())
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;
    use crate::jwt::{JwtSigner, SignOptions};
    use crate::key::KeyInput;
    use serde_json::json;

    const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";

    fn token(exp: f64) -> String {
        let s = JwtSigner::new(SignOptions { algorithm: Some("HS256".into()), ..Default::default() }, KeyInput::Bytes(SECRET)).unwrap();
        s.sign(&json!({"sub": "u", "exp": exp}), 1000.0).unwrap()
    }

    fn verifier(cache: Option<f64>) -> JwtVerifier {
        JwtVerifier::new(VerifierOptions {
            algorithms: vec!["HS256".into()],
            key: Some(KeySource::Bytes(SECRET.to_vec())),
            cache,
            ..Default::default()
        })
        .unwrap()
    }

    #[test]
    fn cache_rechecks_the_clock_and_keeps_only_successes() {
        let v = verifier(Some(2.0));
        let t = token(2000.0);
        assert!(v.verify(&t, 1000.0).is_ok());
        // A hit: still valid before exp, expired after it.
        assert!(v.verify(&t, 1500.0).is_ok());
        let e = v.verify(&t, 2500.0).unwrap_err();
        assert_eq!((e.code, e.claim.as_deref()), (ErrorCode::JwtExpired, Some("exp")));
        // A tampered token is never served from the cache.
        let bad = format!("{}x", &t[..t.len() - 1]);
        assert!(v.verify(&bad, 1000.0).is_err());
        // Bounded: more tokens than capacity still verify.
        for exp in [3000.0, 3001.0, 3002.0, 3003.0] {
            assert!(v.verify(&token(exp), 1000.0).is_ok());
        }
    }

    #[test]
    fn cache_is_emptied_when_keys_change() {
        let mut v = verifier(Some(10.0));
        let t = token(2000.0);
        assert!(v.verify(&t, 1000.0).is_ok());
        let other = json!({"keys": [{"kty": "oct", "k": crate::b64::encode(b"another-secret-another-secret-32")}]});
        v.set_jwks(&other).unwrap();
        assert_eq!(v.verify(&t, 1000.0).unwrap_err().code, ErrorCode::JwsSignatureInvalid);
    }
}
