//! The key set behind a `RemoteJwks`: fetched and refreshed by the JS side (js/jwks/index.js),
//! parsed and filtered here, and shared by every verifier built with it. A verification
//! reads the current set once (a read lock and an `Arc` clone): a refresh reaches every
//! verifier at once, and a cache hit costs what a static `jwks` costs.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use serde_json::Value;

use crate::error::{Error, ErrorCode, Result};
use crate::key::KeyStore;

pub struct RemoteKeys {
    current: RwLock<Option<Arc<KeyStore>>>,
    /// Seconds since the epoch after which the set is stale (f64 bits); +inf while the
    /// last refresh succeeded.
    fresh_until: AtomicU64,
    /// Bumped on every new set: verified-token caches are emptied when it changes.
    generation: AtomicU64,
}

impl Default for RemoteKeys {
    fn default() -> Self {
        RemoteKeys { current: RwLock::new(None), fresh_until: AtomicU64::new(f64::INFINITY.to_bits()), generation: AtomicU64::new(0) }
    }
}

impl RemoteKeys {
    pub fn new() -> RemoteKeys {
        RemoteKeys::default()
    }

    /// Parses a fetched set and swaps it in; on any error the current set stays.
    /// Returns the kids of the usable keys.
    pub fn load(&self, jwks: &Value, max_keys: usize) -> Result<Vec<String>> {
        let store = KeyStore::from_remote_jwks(jwks, max_keys)?;
        let mut kids: Vec<String> = Vec::new();
        if let KeyStore::Set(keys) = &store {
            for k in keys {
                if let Some(kid) = &k.kid {
                    if !kids.contains(kid) {
                        kids.push(kid.clone());
                    }
                }
            }
        }
        let mut guard = self.current.write().unwrap_or_else(|p| p.into_inner());
        *guard = Some(Arc::new(store));
        self.generation.fetch_add(1, Ordering::AcqRel);
        self.fresh_until.store(f64::INFINITY.to_bits(), Ordering::Release);
        Ok(kids)
    }

    /// A refresh succeeded without a new set (304): the set is fresh again.
    pub fn mark_fresh(&self) {
        self.fresh_until.store(f64::INFINITY.to_bits(), Ordering::Release);
    }

    /// A refresh failed: the set stays usable until `until` (seconds since the epoch),
    /// counted from the first failure; later failures do not move it.
    pub fn mark_failing(&self, until: f64) {
        let _ = self.fresh_until.fetch_update(Ordering::AcqRel, Ordering::Acquire, |cur| {
            if f64::from_bits(cur).is_infinite() {
                Some(until.to_bits())
            } else {
                None
            }
        });
    }

    pub fn is_loaded(&self) -> bool {
        self.current.read().map(|g| g.is_some()).unwrap_or(false)
    }

    pub fn is_stale(&self, now: f64) -> bool {
        let until = f64::from_bits(self.fresh_until.load(Ordering::Acquire));
        until.is_finite() && now > until
    }

    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// The set to verify with now: ERR_JWKS_NOT_READY before the first good load,
    /// ERR_JWKS_STALE once refreshes have failed for longer than staleWhileError.
    pub fn snapshot(&self) -> Result<Arc<KeyStore>> {
        let until = f64::from_bits(self.fresh_until.load(Ordering::Acquire));
        if until.is_finite() && crate::util::now_seconds() > until {
            return Err(Error::new(
                ErrorCode::JwksStale,
                "the remote JWK Set could not be refreshed for longer than staleWhileError; tokens are refused until the key endpoint answers again (see RemoteJwks.status().lastError)",
            ));
        }
        let guard = self.current.read().unwrap_or_else(|p| p.into_inner());
        match guard.as_ref() {
            Some(s) => Ok(s.clone()),
            None => Err(Error::new(
                ErrorCode::JwksNotReady,
                "the remote JWK Set has not been loaded yet; await jwks.ready() before serving (or use verifyAsync)",
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rsa_jwk(kid: &str) -> Value {
        let rsa = openssl::rsa::Rsa::generate(2048).unwrap();
        json!({"kty": "RSA", "kid": kid, "n": crate::b64::encode(&rsa.n().to_vec()), "e": crate::b64::encode(&rsa.e().to_vec())})
    }

    #[test]
    fn not_ready_then_loaded_then_stale() {
        let r = RemoteKeys::new();
        assert_eq!(r.snapshot().err().unwrap().code, ErrorCode::JwksNotReady);
        let kids = r.load(&json!({"keys": [rsa_jwk("a"), rsa_jwk("b")]}), 100).unwrap();
        assert_eq!(kids, vec!["a", "b"]);
        assert!(r.snapshot().unwrap().has_kid("a"));
        r.mark_failing(crate::util::now_seconds() - 1.0);
        assert_eq!(r.snapshot().err().unwrap().code, ErrorCode::JwksStale);
        r.mark_fresh();
        assert!(r.snapshot().is_ok());
    }

    #[test]
    fn verification_reads_the_current_set() {
        use crate::alg::Algorithm;
        use crate::jwt::{JwtSigner, SignOptions};
        use crate::key::KeyInput;
        let rsa = openssl::rsa::Rsa::generate(2048).unwrap();
        let pem = openssl::pkey::PKey::from_rsa(rsa.clone()).unwrap().private_key_to_pem_pkcs8().unwrap();
        let jwk = json!({"kty": "RSA", "kid": "a", "alg": "RS256", "n": crate::b64::encode(&rsa.n().to_vec()), "e": crate::b64::encode(&rsa.e().to_vec())});
        let sign_with = |alg: &str, kid: &str| {
            let o = SignOptions { algorithm: Some(alg.into()), keyid: Some(kid.into()), ..Default::default() };
            JwtSigner::new(o, KeyInput::Bytes(&pem)).unwrap().sign(&json!({"sub": "s"}), 1000.0).unwrap()
        };
        let sign = |kid: &str| sign_with("RS256", kid);
        let shared = Arc::new(RemoteKeys::new());
        let store = KeyStore::Remote(shared.clone());
        let verify = |t: &str, algs: &[Algorithm]| crate::jws::verify_compact(t, algs, &store, 16384);
        assert_eq!(verify(&sign("a"), &[Algorithm::RS256]).err().unwrap().code, ErrorCode::JwksNotReady);
        shared.load(&json!({"keys": [jwk]}), 100).unwrap();
        assert!(verify(&sign("a"), &[Algorithm::RS256]).is_ok());
        let unknown = verify(&sign("b"), &[Algorithm::RS256]).err().unwrap();
        assert_eq!(unknown.code, ErrorCode::JwksKidUnknown);
        assert!(unknown.code.retryable());
        // A known kid whose key does not serve the token's alg (its JWK alg is RS256): not retryable.
        let e = verify(&sign_with("PS256", "a"), &[Algorithm::RS256, Algorithm::PS256]).err().unwrap();
        assert_eq!(e.code, ErrorCode::JwksNoMatchingKey);
        assert!(!e.code.retryable());
    }

    #[test]
    fn bad_sets_never_replace_the_good_one() {
        let r = RemoteKeys::new();
        r.load(&json!({"keys": [rsa_jwk("good")]}), 100).unwrap();
        let g = r.generation();
        let oct = json!({"keys": [{"kty": "oct", "k": "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA"}]});
        let mut private = rsa_jwk("p");
        private["d"] = json!("AQAB");
        let small = {
            let rsa = openssl::rsa::Rsa::generate(1024).unwrap();
            json!({"kty": "RSA", "kid": "s", "n": crate::b64::encode(&rsa.n().to_vec()), "e": "AQAB"})
        };
        for bad in [json!({}), json!({"keys": []}), json!({"keys": "x"}), oct, json!({"keys": [private]}), json!({"keys": [small]})] {
            assert_eq!(r.load(&bad, 100).unwrap_err().code, ErrorCode::JwksInvalid, "{bad}");
        }
        let many = json!({"keys": (0..3).map(|i| json!({"kty": "EC", "kid": i.to_string()})).collect::<Vec<_>>()});
        assert_eq!(r.load(&many, 2).unwrap_err().code, ErrorCode::JwksTooLarge);
        assert_eq!(r.generation(), g);
        assert!(r.snapshot().unwrap().has_kid("good"));
    }
}
