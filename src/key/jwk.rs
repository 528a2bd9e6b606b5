//! JWKs: kind, intent (`use`, `key_ops`, `alg`), kid and the members josekit is given.

use josekit::jwk::Jwk;
use josekit::jws::{JwsSigner, JwsVerifier};
use serde_json::{Map, Value};

use super::roca::{has_roca_fingerprint, roca_error};
use super::KeyKind;
use crate::alg::Algorithm;
use crate::b64;
use crate::error::{Error, Result};

pub(crate) fn boxed_verifier<V: JwsVerifier + 'static>(r: std::result::Result<V, josekit::JoseError>) -> Option<Box<dyn JwsVerifier>> {
    r.ok().map(|v| Box::new(v) as Box<dyn JwsVerifier>)
}

pub(crate) fn boxed_signer<S: JwsSigner + 'static>(r: std::result::Result<S, josekit::JoseError>) -> Option<Box<dyn JwsSigner>> {
    r.ok().map(|v| Box::new(v) as Box<dyn JwsSigner>)
}

/// A JWK's kind from its `kty` (and `crv`), with the checks that make it a usable key.
pub(crate) fn jwk_kind(map: &Map<String, Value>) -> Result<KeyKind> {
    let kty = match map.get("kty") {
        Some(Value::String(s)) => s.as_str(),
        Some(_) => return Err(Error::key("the JWK's kty must be a string")),
        None => return Err(Error::key("the JWK has no kty")),
    };
    let crv = map.get("crv").and_then(Value::as_str);
    match kty {
        "RSA" => Ok(KeyKind::Rsa),
        "oct" => Ok(KeyKind::Oct),
        "EC" => match crv {
            Some("P-256") => Ok(KeyKind::Ec("P-256")),
            Some("P-384") => Ok(KeyKind::Ec("P-384")),
            Some("P-521") => Ok(KeyKind::Ec("P-521")),
            _ => Err(Error::key("the EC JWK's crv must be P-256, P-384 or P-521")),
        },
        "OKP" => match crv {
            Some("Ed25519") => Ok(KeyKind::Okp("Ed25519")),
            Some("Ed448") => Ok(KeyKind::Okp("Ed448")),
            _ => Err(Error::key("the OKP JWK's crv must be Ed25519 or Ed448")),
        },
        other => Err(Error::key(format!("unsupported JWK kty '{}'", crate::util::printable(other, 12)))),
    }
}

/// `use`, `key_ops` and `alg` of a JWK, checked against what the caller will do with it.
pub(crate) fn check_jwk_intent(map: &Map<String, Value>, op: &str, algorithms: &[Algorithm]) -> Result<Vec<Algorithm>> {
    match map.get("use") {
        None => {}
        Some(Value::String(u)) if u == "sig" => {}
        Some(_) => return Err(Error::key("the JWK's use is not \"sig\"")),
    }
    match map.get("key_ops") {
        None => {}
        Some(Value::Array(ops)) if !ops.iter().any(|o| o.as_str() == Some(op)) => {
            return Err(Error::key(format!("the JWK's key_ops does not include \"{op}\"")));
        }
        Some(Value::Array(_)) => {}
        Some(_) => return Err(Error::key("the JWK's key_ops must be an array")),
    }
    match map.get("alg") {
        None => Ok(algorithms.to_vec()),
        Some(Value::String(a)) => match algorithms.iter().find(|x| x.name() == a) {
            Some(x) => Ok(vec![*x]),
            None => Err(Error::key(format!(
                "the JWK's alg '{}' is not one of the allowed algorithms",
                crate::util::printable(a, 16)
            ))),
        },
        Some(_) => Err(Error::key("the JWK's alg must be a string")),
    }
}

pub(crate) fn jwk_kid(map: &Map<String, Value>) -> Result<Option<String>> {
    match map.get("kid") {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(Error::key("the JWK's kid must be a string")),
    }
}

pub(crate) fn as_jwk_object(value: &Value) -> Result<&Map<String, Value>> {
    value.as_object().ok_or_else(|| Error::key("a JWK must be a JSON object"))
}

pub(crate) fn oct_secret(map: &Map<String, Value>) -> Result<Vec<u8>> {
    match map.get("k") {
        Some(Value::String(k)) => b64::decode(k.as_bytes(), "JWK's k").map_err(|_| Error::key("the oct JWK's k is not base64url")),
        _ => Err(Error::key("the oct JWK has no k")),
    }
}

/// A JWK with only its public members, for josekit (which would otherwise treat a
/// private JWK as a key pair) and with `alg`/`use`/`key_ops` removed, already checked.
pub(crate) fn public_jwk(map: &Map<String, Value>, kind: KeyKind) -> Result<Jwk> {
    let keep: &[&str] = match kind {
        KeyKind::Rsa => &["kty", "n", "e"],
        KeyKind::Ec(_) => &["kty", "crv", "x", "y"],
        KeyKind::Okp(_) => &["kty", "crv", "x"],
        KeyKind::Oct => &["kty", "k"],
    };
    let mut out = Map::new();
    for k in keep {
        if let Some(v) = map.get(*k) {
            if !v.is_string() {
                return Err(Error::key(format!("the JWK's {k} must be a string")));
            }
            out.insert((*k).to_string(), v.clone());
        }
    }
    Jwk::from_map(out).map_err(|_| Error::key("the JWK is not valid"))
}

/// Checks an RSA JWK's modulus size and exponent before josekit builds it.
pub(crate) fn check_rsa_jwk(map: &Map<String, Value>) -> Result<()> {
    let get = |k: &str| -> Result<Vec<u8>> {
        match map.get(k) {
            Some(Value::String(s)) => b64::decode(s.as_bytes(), "JWK member").map_err(|_| Error::key(format!("the RSA JWK's {k} is not base64url"))),
            _ => Err(Error::key(format!("the RSA JWK has no {k}"))),
        }
    };
    let n = openssl::bn::BigNum::from_slice(&get("n")?).map_err(|_| Error::key("the RSA JWK's n is invalid"))?;
    let e = openssl::bn::BigNum::from_slice(&get("e")?).map_err(|_| Error::key("the RSA JWK's e is invalid"))?;
    if n.num_bits() < 2048 {
        return Err(Error::key(format!("the RSA key has {} bits; at least 2048 are required", n.num_bits())));
    }
    if e.num_bits() < 2 || !e.is_bit_set(0) {
        return Err(Error::key("the RSA public exponent is invalid (it must be odd and at least 3)"));
    }
    if has_roca_fingerprint(&n) {
        return Err(roca_error());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn map(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn kind_rules() {
        assert!(jwk_kind(&map(json!({}))).unwrap_err().message.contains("no kty"));
        assert!(jwk_kind(&map(json!({"kty": 1}))).is_err());
        assert!(jwk_kind(&map(json!({"kty": "EC", "crv": "secp256k1"}))).is_err());
        assert!(jwk_kind(&map(json!({"kty": "OKP", "crv": "X25519"}))).is_err());
        assert!(jwk_kind(&map(json!({"kty": "foo"}))).is_err());
        assert_eq!(jwk_kind(&map(json!({"kty": "EC", "crv": "P-384"}))).unwrap(), KeyKind::Ec("P-384"));
    }

    #[test]
    fn intent_rules() {
        let algs = [Algorithm::RS256, Algorithm::PS256];
        assert!(check_jwk_intent(&map(json!({"use": "enc"})), "verify", &algs).is_err());
        assert!(check_jwk_intent(&map(json!({"key_ops": ["sign"]})), "verify", &algs).is_err());
        assert!(check_jwk_intent(&map(json!({"key_ops": "verify"})), "verify", &algs).is_err());
        assert!(check_jwk_intent(&map(json!({"alg": "ES256"})), "verify", &algs).is_err());
        assert_eq!(check_jwk_intent(&map(json!({"alg": "PS256", "use": "sig"})), "verify", &algs).unwrap(), vec![Algorithm::PS256]);
        assert_eq!(check_jwk_intent(&map(json!({})), "verify", &algs).unwrap(), algs.to_vec());
        assert!(jwk_kid(&map(json!({"kid": 3}))).is_err());
        assert!(as_jwk_object(&json!([])).is_err());
        assert!(oct_secret(&map(json!({"kty": "oct", "k": "!!"}))).is_err());
    }

    #[test]
    fn rsa_members_are_checked_before_josekit() {
        let small = openssl::rsa::Rsa::generate(1024).unwrap();
        let jwk = json!({"kty": "RSA", "n": b64::encode(&small.n().to_vec()), "e": "AQAB"});
        assert!(check_rsa_jwk(&map(jwk)).unwrap_err().message.contains("1024 bits"));
        let big = openssl::rsa::Rsa::generate(2048).unwrap();
        let even = json!({"kty": "RSA", "n": b64::encode(&big.n().to_vec()), "e": "AAI"});
        assert!(check_rsa_jwk(&map(even)).unwrap_err().message.contains("exponent"));
        assert!(check_rsa_jwk(&map(json!({"kty": "RSA", "e": "AQAB"}))).is_err());
        // Only the public members reach josekit.
        let ok = json!({"kty": "RSA", "n": b64::encode(&big.n().to_vec()), "e": "AQAB", "d": "AAAA", "alg": "RS256"});
        assert!(public_jwk(&map(ok), KeyKind::Rsa).unwrap().parameter("d").is_none());
        assert!(public_jwk(&map(json!({"kty": "RSA", "n": 1, "e": "AQAB"})), KeyKind::Rsa).is_err());
    }
}
