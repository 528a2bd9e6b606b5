//! Key sets: a single key, a static JWK Set, and the parsing of a remote one.

use serde_json::Value;

use super::jwk::as_jwk_object;
use super::VerifyKey;
use crate::alg::{Algorithm, Family};
use crate::error::{Error, Result};

/// The keys a verifier holds: one key (kid ignored) or a JWK Set (kid selects).
pub enum KeyStore {
    Single(VerifyKey),
    Set(Vec<VerifyKey>),
    /// A key set kept current from the network (`RemoteJwks`), shared by every verifier
    /// built with it; read once per verification (`crate::remote`).
    Remote(std::sync::Arc<crate::remote::RemoteKeys>),
}

/// A static JWK Set (the verifier's own `jwks` option).
impl KeyStore {
    /// Parses a JWK Set. Keys that cannot serve the listed algorithms, or whose
    /// `use`/`key_ops`/`alg` forbid verification with them, are skipped; a set with
    /// no usable key at all is refused.
    pub fn from_jwks(value: &Value, algorithms: &[Algorithm], allow_weak: bool) -> Result<KeyStore> {
        let keys = value
            .as_object()
            .and_then(|o| o.get("keys"))
            .and_then(Value::as_array)
            .ok_or_else(|| Error::key("a JWK Set must be an object with a keys array"))?;
        let mut out = Vec::new();
        let mut first_err: Option<Error> = None;
        for k in keys {
            match VerifyKey::from_jwk(k, algorithms, allow_weak, false) {
                Ok(key) => out.push(key),
                Err(e) => {
                    first_err.get_or_insert(e);
                }
            }
        }
        if out.is_empty() {
            let why = first_err.map(|e| format!(" (first problem: {})", e.message)).unwrap_or_default();
            return Err(Error::key(format!("the JWK Set has no key usable with the allowed algorithms{why}")));
        }
        Ok(KeyStore::Set(out))
    }
}

/// A fetched JWK Set (`RemoteJwks`, `crate::remote`).
impl KeyStore {
    /// Parses a JWK Set fetched from an identity provider, by the rules of `from_jwks`
    /// for every asymmetric algorithm (each verifier's own pinning then applies per
    /// token), and more strictly: symmetric (`oct`) keys and keys carrying private
    /// members are skipped. Any failure is ERR_JWKS_INVALID (or ERR_JWKS_TOO_LARGE for
    /// more than `max_keys` keys); the caller keeps its current set.
    pub fn from_remote_jwks(value: &Value, max_keys: usize) -> Result<KeyStore> {
        use crate::error::ErrorCode;
        let invalid = |m: String| Error::new(ErrorCode::JwksInvalid, m);
        let keys = value
            .as_object()
            .and_then(|o| o.get("keys"))
            .and_then(Value::as_array)
            .ok_or_else(|| invalid("the fetched JWK Set is not an object with a keys array".into()))?;
        if keys.len() > max_keys {
            return Err(Error::new(
                ErrorCode::JwksTooLarge,
                format!("the fetched JWK Set has {} keys, more than maxKeys ({max_keys})", keys.len()),
            ));
        }
        const PRIVATE: [&str; 8] = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"];
        let algorithms: Vec<Algorithm> = Algorithm::ALL.iter().copied().filter(|a| a.family() != Family::Hmac).collect();
        let mut out = Vec::new();
        let mut first_err: Option<String> = None;
        for k in keys {
            let checked = as_jwk_object(k).and_then(|map| {
                if map.get("kty").and_then(Value::as_str) == Some("oct") {
                    return Err(Error::key("a symmetric (oct) key is never taken from a remote set"));
                }
                if let Some(member) = PRIVATE.iter().find(|m| map.contains_key(**m)) {
                    return Err(Error::key(format!("a key carries the private member '{member}'")));
                }
                VerifyKey::from_jwk(k, &algorithms, false, false)
            });
            match checked {
                Ok(key) => out.push(key),
                Err(e) => {
                    first_err.get_or_insert(e.message);
                }
            }
        }
        if out.is_empty() {
            let why = first_err.map(|m| format!(" (first problem: {m})")).unwrap_or_default();
            return Err(invalid(format!("the fetched JWK Set has no usable signing key{why}")));
        }
        Ok(KeyStore::Set(out))
    }
}

/// Reading a store: the keys a token's `alg` and `kid` select.
impl KeyStore {
    /// True when some key of a set carries this kid (whatever the algorithm).
    pub fn has_kid(&self, kid: &str) -> bool {
        match self {
            KeyStore::Set(keys) => keys.iter().any(|k| k.kid.as_deref() == Some(kid)),
            _ => false,
        }
    }

    /// Keys to try for a token's `alg` and `kid`, in order. A single key ignores kid;
    /// in a set, a kid selects the keys with that kid, and no kid means every key that
    /// serves the algorithm (each is tried, as jose does with several matching keys).
    pub fn candidates<'a>(&'a self, alg: Algorithm, kid: Option<&'a str>) -> Box<dyn Iterator<Item = &'a VerifyKey> + 'a> {
        match self {
            KeyStore::Single(k) => Box::new(std::iter::once(k).filter(move |k| k.supports(alg))),
            KeyStore::Set(keys) => Box::new(
                keys.iter()
                    .filter(move |k| k.supports(alg))
                    .filter(move |k| kid.is_none() || k.kid.as_deref() == kid),
            ),
            // Resolved to its current Set before candidates are asked for (jws.rs).
            KeyStore::Remote(_) => Box::new(std::iter::empty()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;
    use serde_json::json;

    fn ed_jwk(kid: &str) -> Value {
        let ed = openssl::pkey::PKey::generate_ed25519().unwrap();
        json!({"kty": "OKP", "crv": "Ed25519", "kid": kid, "x": crate::b64::encode(&ed.raw_public_key().unwrap())})
    }

    #[test]
    fn a_static_set_keeps_usable_keys_and_refuses_an_empty_result() {
        let algs = [Algorithm::EdDSA];
        let set = json!({"keys": [ed_jwk("a"), {"kty": "EC", "crv": "P-256", "x": "", "y": ""}]});
        let store = KeyStore::from_jwks(&set, &algs, false).unwrap();
        assert!(store.has_kid("a") && !store.has_kid("b"));
        assert_eq!(store.candidates(Algorithm::EdDSA, Some("b")).count(), 0);
        assert_eq!(store.candidates(Algorithm::EdDSA, None).count(), 1);
        assert!(KeyStore::from_jwks(&json!({"keys": []}), &algs, false).is_err());
        assert!(KeyStore::from_jwks(&json!([ed_jwk("a")]), &algs, false).is_err());
        let e = KeyStore::from_jwks(&json!({"keys": [{"kty": "RSA"}]}), &algs, false).err().unwrap();
        assert!(e.message.contains("first problem"), "{}", e.message);
    }

    #[test]
    fn a_remote_set_skips_symmetric_and_private_keys() {
        let oct = json!({"kty": "oct", "k": crate::b64::encode(&[1u8; 32])});
        let mut private = ed_jwk("p");
        private["d"] = json!("AAAA");
        let e = KeyStore::from_remote_jwks(&json!({"keys": [oct, private]}), 10).err().unwrap();
        assert_eq!(e.code, ErrorCode::JwksInvalid);
        assert!(e.message.contains("symmetric"), "{}", e.message);
        let store = KeyStore::from_remote_jwks(&json!({"keys": [private, ed_jwk("ok")]}), 10).unwrap();
        assert!(store.has_kid("ok") && !store.has_kid("p"));
        let many = json!({"keys": [ed_jwk("1"), ed_jwk("2"), ed_jwk("3")]});
        assert_eq!(KeyStore::from_remote_jwks(&many, 2).err().unwrap().code, ErrorCode::JwksTooLarge);
        assert_eq!(KeyStore::from_remote_jwks(&json!("x"), 2).err().unwrap().code, ErrorCode::JwksInvalid);
    }
}
