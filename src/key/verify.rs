//! `VerifyKey`: one key prepared to verify the algorithms it may serve.

use josekit::jws::JwsVerifier;
use serde_json::Value;

use super::jwk::*;
use super::pem::*;
use super::secret::{check_hmac_secret, HmacKey};
use super::{check_kind, KeyKind};
use crate::alg::{Algorithm, Family};
use crate::error::{Error, Result};

/// One prepared verification key: a verifier for each algorithm it may check.
pub struct VerifyKey {
    pub kid: Option<String>,
    verifiers: Vec<(Algorithm, Verifier)>,
}

pub(crate) enum Verifier {
    Hmac(HmacKey),
    Asym(Box<dyn JwsVerifier>),
}

impl VerifyKey {
    pub fn supports(&self, alg: Algorithm) -> bool {
        self.verifiers.iter().any(|(a, _)| *a == alg)
    }

    /// Checks `signature` over `message` with `alg`; false when it does not match
    /// or when this key does not serve `alg`.
    pub fn verify(&self, alg: Algorithm, message: &[u8], signature: &[u8]) -> bool {
        match self.verifiers.iter().find(|(a, _)| *a == alg) {
            Some((_, Verifier::Hmac(k))) => k.verify(message, signature),
            Some((_, Verifier::Asym(v))) => v.verify(message, signature).is_ok(),
            None => false,
        }
    }
}

impl VerifyKey {
    /// A key given as bytes: an HMAC secret (HS*) or a PEM (other families).
    pub fn from_bytes(bytes: &[u8], algorithms: &[Algorithm], allow_weak: bool) -> Result<VerifyKey> {
        let family = algorithms[0].family();
        if family == Family::Hmac {
            check_hmac_secret(bytes, algorithms, allow_weak)?;
            return Ok(VerifyKey { kid: None, verifiers: hmac_verifiers(algorithms, bytes)? });
        }
        let pkey = public_key_from_pem(bytes)?;
        let kind = pkey_kind(&pkey)?;
        check_kind(kind, algorithms)?;
        if kind == KeyKind::Rsa {
            check_rsa(&pkey)?;
        }
        let spki = pkey.public_key_to_der().map_err(|_| Error::key("the public key could not be encoded"))?;
        let verifiers = asym_verifiers(algorithms, |a| format!("the key cannot verify {}", a.name()), |a| {
            with_josekit_alg!(a, j => boxed_verifier(j.verifier_from_der(&spki))).flatten()
        })?;
        Ok(VerifyKey { kid: None, verifiers })
    }

    /// One JWK. With `strict`, every listed algorithm must be usable with it; in a set
    /// (`strict` false) the key serves those of the listed algorithms it can.
    pub fn from_jwk(value: &Value, algorithms: &[Algorithm], allow_weak: bool, strict: bool) -> Result<VerifyKey> {
        let map = as_jwk_object(value)?;
        let kind = jwk_kind(map)?;
        let kid = jwk_kid(map)?;
        let allowed = check_jwk_intent(map, "verify", algorithms)?;
        if strict {
            check_kind(kind, &allowed)?;
        }
        let usable: Vec<Algorithm> = allowed.into_iter().filter(|a| kind.serves(*a)).collect();
        if usable.is_empty() {
            return Err(Error::key(format!(
                "{} cannot verify {}",
                kind.describe(),
                algorithms.iter().map(|a| a.name()).collect::<Vec<_>>().join("/")
            )));
        }
        let verifiers = if kind == KeyKind::Oct {
            let secret = oct_secret(map)?;
            check_hmac_secret(&secret, &usable, allow_weak)?;
            hmac_verifiers(&usable, &secret)?
        } else {
            if kind == KeyKind::Rsa {
                check_rsa_jwk(map)?;
            }
            let jwk = public_jwk(map, kind)?;
            asym_verifiers(&usable, |a| format!("the JWK is not a valid {} key", a.name()), |a| {
                with_josekit_alg!(a, j => boxed_verifier(j.verifier_from_jwk(&jwk))).flatten()
            })?
        };
        Ok(VerifyKey { kid, verifiers })
    }
}

/// One HMAC verifier per algorithm, all from the same (checked) secret.
fn hmac_verifiers(algorithms: &[Algorithm], secret: &[u8]) -> Result<Vec<(Algorithm, Verifier)>> {
    algorithms.iter().map(|a| Ok((*a, Verifier::Hmac(HmacKey::new(*a, secret)?)))).collect()
}

/// One josekit verifier per algorithm; `refused` words the error for an algorithm the
/// key cannot serve.
fn asym_verifiers(
    algorithms: &[Algorithm],
    refused: impl Fn(Algorithm) -> String,
    make: impl Fn(Algorithm) -> Option<Box<dyn JwsVerifier>>,
) -> Result<Vec<(Algorithm, Verifier)>> {
    algorithms
        .iter()
        .map(|a| make(*a).map(|v| (*a, Verifier::Asym(v))).ok_or_else(|| Error::key(refused(*a))))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use openssl::pkey::PKey;
    use serde_json::json;

    #[test]
    fn a_key_serves_only_its_family_and_curve() {
        let ec = openssl::ec::EcKey::generate(&openssl::ec::EcGroup::from_curve_name(openssl::nid::Nid::X9_62_PRIME256V1).unwrap()).unwrap();
        let pem = PKey::from_ec_key(ec).unwrap().public_key_to_pem().unwrap();
        assert!(VerifyKey::from_bytes(&pem, &[Algorithm::ES256], false).is_ok());
        assert!(VerifyKey::from_bytes(&pem, &[Algorithm::ES384], false).err().unwrap().message.contains("cannot verify ES384"));
        assert!(VerifyKey::from_bytes(&pem, &[Algorithm::HS256], true).is_err());
        let oct = json!({"kty": "oct", "k": crate::b64::encode(&[9u8; 32])});
        let e = VerifyKey::from_jwk(&oct, &[Algorithm::RS256], false, true).err().unwrap();
        assert!(e.message.contains("symmetric"), "{}", e.message);
        // In a set (not strict) a key serves those listed algorithms it can.
        let k = VerifyKey::from_jwk(&oct, &[Algorithm::HS256, Algorithm::HS384], true, false).unwrap();
        assert!(k.supports(Algorithm::HS256) && k.supports(Algorithm::HS384));
        assert!(VerifyKey::from_jwk(&oct, &[Algorithm::HS256, Algorithm::RS256], false, true).is_err());
    }
}
