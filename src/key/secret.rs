//! HMAC secrets: the keyed hash state, prepared once, and the rules a secret must meet.

use hmac::digest::KeyInit;
use hmac::{Hmac, Mac};
use sha2::{Sha256, Sha384, Sha512};

use super::detect::looks_like_asymmetric_key;
use crate::alg::Algorithm;
use crate::error::{Error, Result};

/// A prepared HMAC key: the keyed hash state, cloned per use (no re-keying per token).
#[derive(Clone)]
pub enum HmacKey {
    S256(Hmac<Sha256>),
    S384(Hmac<Sha384>),
    S512(Hmac<Sha512>),
}

impl HmacKey {
    pub(crate) fn new(alg: Algorithm, secret: &[u8]) -> Result<HmacKey> {
        let bad = |_| Error::key("the HMAC secret could not be prepared");
        Ok(match alg {
            Algorithm::HS256 => HmacKey::S256(<Hmac<Sha256> as KeyInit>::new_from_slice(secret).map_err(bad)?),
            Algorithm::HS384 => HmacKey::S384(<Hmac<Sha384> as KeyInit>::new_from_slice(secret).map_err(bad)?),
            Algorithm::HS512 => HmacKey::S512(<Hmac<Sha512> as KeyInit>::new_from_slice(secret).map_err(bad)?),
            _ => return Err(Error::key(format!("{} is not an HMAC algorithm", alg.name()))),
        })
    }

    /// Constant-time comparison (hmac's `verify_slice`, built on `subtle`).
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        match self {
            HmacKey::S256(m) => {
                let mut m = m.clone();
                m.update(message);
                m.verify_slice(signature).is_ok()
            }
            HmacKey::S384(m) => {
                let mut m = m.clone();
                m.update(message);
                m.verify_slice(signature).is_ok()
            }
            HmacKey::S512(m) => {
                let mut m = m.clone();
                m.update(message);
                m.verify_slice(signature).is_ok()
            }
        }
    }

    pub fn sign(&self, message: &[u8]) -> Vec<u8> {
        match self {
            HmacKey::S256(m) => {
                let mut m = m.clone();
                m.update(message);
                m.finalize().into_bytes().to_vec()
            }
            HmacKey::S384(m) => {
                let mut m = m.clone();
                m.update(message);
                m.finalize().into_bytes().to_vec()
            }
            HmacKey::S512(m) => {
                let mut m = m.clone();
                m.update(message);
                m.finalize().into_bytes().to_vec()
            }
        }
    }
}

pub(crate) fn check_hmac_secret(secret: &[u8], algorithms: &[Algorithm], allow_weak: bool) -> Result<()> {
    if secret.is_empty() {
        return Err(Error::key("the HMAC secret is empty"));
    }
    if looks_like_asymmetric_key(secret) {
        return Err(Error::key(
            "an HMAC algorithm was given a PEM or JWK key: public keys can never be HMAC secrets (algorithm confusion); use the RS/PS/ES/EdDSA algorithm the key is for",
        ));
    }
    let need = algorithms.iter().map(|a| a.hash_len()).max().unwrap_or(32);
    if secret.len() < need && !allow_weak {
        return Err(Error::key(format!(
            "the HMAC secret is {} bytes; {} needs at least {} (RFC 7518 3.2); pass allowWeakSecret: true to accept it",
            secret.len(),
            algorithms.iter().map(|a| a.name()).collect::<Vec<_>>().join("/"),
            need
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const HS: [Algorithm; 1] = [Algorithm::HS256];

    #[test]
    fn refuses_empty_short_and_key_shaped_secrets() {
        assert!(check_hmac_secret(b"", &HS, true).unwrap_err().message.contains("empty"));
        let short = check_hmac_secret(b"short", &HS, false).unwrap_err();
        assert!(short.message.contains("allowWeakSecret"), "{}", short.message);
        assert!(check_hmac_secret(b"short", &HS, true).is_ok());
        // The longest hash of the list sets the minimum.
        assert!(check_hmac_secret(&[7u8; 32], &[Algorithm::HS256, Algorithm::HS512], false).is_err());
        assert!(check_hmac_secret(&[7u8; 64], &[Algorithm::HS256, Algorithm::HS512], false).is_ok());
        let pem = openssl::pkey::PKey::generate_ed25519().unwrap().public_key_to_pem().unwrap();
        assert!(check_hmac_secret(&pem, &HS, true).unwrap_err().message.contains("algorithm confusion"));
    }

    #[test]
    fn signs_and_verifies_in_constant_time_api() {
        let k = HmacKey::new(Algorithm::HS384, &[1u8; 48]).unwrap();
        let sig = k.sign(b"m");
        assert_eq!(sig.len(), 48);
        assert!(k.verify(b"m", &sig));
        assert!(!k.verify(b"n", &sig));
        assert!(HmacKey::new(Algorithm::RS256, &[1u8; 48]).is_err());
    }
}
