//! Signing keys: an HMAC secret, a PEM private key or a private JWK, for one algorithm.

use josekit::jwk::Jwk;
use josekit::jws::JwsSigner;
use serde_json::Value;

use super::jwk::*;
use super::pem::{check_rsa, pkey_kind, private_key_from_pem};
use super::secret::{check_hmac_secret, HmacKey};
use super::{check_kind, KeyInput, KeyKind};
use crate::alg::{Algorithm, Family};
use crate::error::{Error, Result};

/// A prepared signing key for one algorithm.
pub enum SignKey {
    Hmac(HmacKey),
    Asym(Box<dyn JwsSigner>),
}

impl SignKey {
    pub fn sign(&self, message: &[u8]) -> Result<Vec<u8>> {
        match self {
            SignKey::Hmac(k) => Ok(k.sign(message)),
            SignKey::Asym(s) => s.sign(message).map_err(|_| Error::new(crate::error::ErrorCode::Internal, "signing failed")),
        }
    }

    pub fn from_input(input: KeyInput<'_>, alg: Algorithm, allow_weak: bool) -> Result<SignKey> {
        match input {
            KeyInput::Bytes(bytes) => SignKey::from_bytes(bytes, alg, allow_weak),
            KeyInput::Jwk(v) => SignKey::from_jwk(v, alg, allow_weak),
        }
    }

    fn from_bytes(bytes: &[u8], alg: Algorithm, allow_weak: bool) -> Result<SignKey> {
        if alg.family() == Family::Hmac {
            check_hmac_secret(bytes, &[alg], allow_weak)?;
            return Ok(SignKey::Hmac(HmacKey::new(alg, bytes)?));
        }
        let text = String::from_utf8_lossy(bytes);
        if !text.contains("PRIVATE KEY-----") {
            return Err(Error::key(format!("{} signing needs a PEM private key (PKCS#8, PKCS#1 or SEC1)", alg.name())));
        }
        let pkey = private_key_from_pem(bytes).map_err(|_| Error::key("the private key PEM is not valid"))?;
        let kind = pkey_kind(&pkey)?;
        check_kind(kind, &[alg])?;
        if kind == KeyKind::Rsa {
            check_rsa(&pkey)?;
        }
        let der = pkey.private_key_to_pkcs8().map_err(|_| Error::key("the private key could not be encoded"))?;
        with_josekit_alg!(alg, j => boxed_signer(j.signer_from_der(&der)))
            .flatten()
            .map(SignKey::Asym)
            .ok_or_else(|| Error::key(format!("the private key cannot sign {}", alg.name())))
    }

    fn from_jwk(value: &Value, alg: Algorithm, allow_weak: bool) -> Result<SignKey> {
        let map = as_jwk_object(value)?;
        let kind = jwk_kind(map)?;
        check_jwk_intent(map, "sign", &[alg])?;
        check_kind(kind, &[alg])?;
        if kind == KeyKind::Oct {
            let secret = oct_secret(map)?;
            check_hmac_secret(&secret, &[alg], allow_weak)?;
            return Ok(SignKey::Hmac(HmacKey::new(alg, &secret)?));
        }
        if kind == KeyKind::Rsa {
            check_rsa_jwk(map)?;
        }
        if !map.contains_key("d") {
            return Err(Error::key("signing needs a private JWK (with d)"));
        }
        let mut clean = map.clone();
        for k in ["alg", "use", "key_ops"] {
            clean.remove(k);
        }
        let jwk = Jwk::from_map(clean).map_err(|_| Error::key("the JWK is not valid"))?;
        with_josekit_alg!(alg, j => boxed_signer(j.signer_from_jwk(&jwk)))
            .flatten()
            .map(SignKey::Asym)
            .ok_or_else(|| Error::key(format!("the private JWK cannot sign {}", alg.name())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use openssl::pkey::PKey;
    use serde_json::json;

    #[test]
    fn refuses_keys_that_cannot_sign_the_algorithm() {
        let ed = PKey::generate_ed25519().unwrap();
        let public = ed.public_key_to_pem().unwrap();
        assert!(SignKey::from_input(KeyInput::Bytes(&public), Algorithm::EdDSA, false).err().unwrap().message.contains("PEM private key"));
        let private = ed.private_key_to_pem_pkcs8().unwrap();
        assert!(SignKey::from_input(KeyInput::Bytes(&private), Algorithm::EdDSA, false).is_ok());
        assert!(SignKey::from_input(KeyInput::Bytes(&private), Algorithm::ES256, false).is_err());
        // A private key is never an HMAC secret either.
        assert!(SignKey::from_input(KeyInput::Bytes(&private), Algorithm::HS256, true).is_err());
        let x = crate::b64::encode(&ed.raw_public_key().unwrap());
        let jwk = json!({"kty": "OKP", "crv": "Ed25519", "x": x});
        assert!(SignKey::from_input(KeyInput::Jwk(&jwk), Algorithm::EdDSA, false).err().unwrap().message.contains("private JWK"));
        let verify_only = json!({"kty": "OKP", "crv": "Ed25519", "x": x, "d": "AAAA", "key_ops": ["verify"]});
        assert!(SignKey::from_input(KeyInput::Jwk(&verify_only), Algorithm::EdDSA, false).is_err());
        let oct = json!({"kty": "oct", "k": crate::b64::encode(b"short")});
        assert!(SignKey::from_input(KeyInput::Jwk(&oct), Algorithm::HS256, false).is_err());
        assert!(SignKey::from_input(KeyInput::Jwk(&oct), Algorithm::HS256, true).is_ok());
    }
}
