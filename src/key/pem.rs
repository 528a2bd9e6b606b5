//! PEM (and the OpenSSL keys behind it): public keys, certificates, private keys.

use openssl::nid::Nid;
use openssl::pkey::{Id, PKey, Public};

use super::roca::{has_roca_fingerprint, roca_error};
use super::KeyKind;
use crate::error::{Error, Result};

/// Reads a PEM private key without ever asking for a passphrase: OpenSSL's default
/// would prompt on the terminal and block; an encrypted key is simply refused.
pub(crate) fn private_key_from_pem(pem: &[u8]) -> std::result::Result<PKey<openssl::pkey::Private>, openssl::error::ErrorStack> {
    PKey::private_key_from_pem_callback(pem, |_buf| Ok(0))
}

/// Parses a PEM text into a public key: SPKI `PUBLIC KEY`, PKCS#1 `RSA PUBLIC KEY`,
/// an X.509 `CERTIFICATE`, or a private key (its public half is used). Text before
/// the PEM block is ignored, as OpenSSL does.
pub(crate) fn public_key_from_pem(pem: &[u8]) -> Result<PKey<Public>> {
    let text = String::from_utf8_lossy(pem);
    let bad = |what: &str| Error::key(format!("the key is not a valid {what} PEM"));
    if text.contains("-----BEGIN CERTIFICATE-----") {
        let cert = openssl::x509::X509::from_pem(pem).map_err(|_| bad("X.509 certificate"))?;
        return cert.public_key().map_err(|_| bad("X.509 certificate"));
    }
    if text.contains("-----BEGIN RSA PUBLIC KEY-----") {
        let rsa = openssl::rsa::Rsa::public_key_from_pem_pkcs1(pem).map_err(|_| bad("PKCS#1 RSA public key"))?;
        return PKey::from_rsa(rsa).map_err(|_| bad("PKCS#1 RSA public key"));
    }
    if text.contains("-----BEGIN PUBLIC KEY-----") {
        return PKey::public_key_from_pem(pem).map_err(|_| bad("SubjectPublicKeyInfo"));
    }
    if text.contains("PRIVATE KEY-----") {
        let private = private_key_from_pem(pem).map_err(|_| bad("private key"))?;
        let der = private.public_key_to_der().map_err(|_| bad("private key"))?;
        return PKey::public_key_from_der(&der).map_err(|_| bad("private key"));
    }
    Err(Error::key(
        "the key is not a PEM public key, certificate or private key (expected -----BEGIN PUBLIC KEY-----, RSA PUBLIC KEY, CERTIFICATE or PRIVATE KEY)",
    ))
}

pub(crate) fn pkey_kind<T: openssl::pkey::HasPublic>(pkey: &PKey<T>) -> Result<KeyKind> {
    match pkey.id() {
        Id::RSA | Id::RSA_PSS => Ok(KeyKind::Rsa),
        Id::ED25519 => Ok(KeyKind::Okp("Ed25519")),
        Id::ED448 => Ok(KeyKind::Okp("Ed448")),
        Id::EC => {
            let ec = pkey.ec_key().map_err(|_| Error::key("the EC key could not be read"))?;
            if ec.group().asn1_flag() != openssl::ec::Asn1Flag::NAMED_CURVE {
                return Err(explicit_curve_error());
            }
            match ec.group().curve_name() {
                Some(Nid::X9_62_PRIME256V1) => Ok(KeyKind::Ec("P-256")),
                Some(Nid::SECP384R1) => Ok(KeyKind::Ec("P-384")),
                Some(Nid::SECP521R1) => Ok(KeyKind::Ec("P-521")),
                _ => Err(Error::key("the EC key is on an unsupported curve (P-256, P-384 and P-521 are supported)")),
            }
        }
        _ => Err(Error::key("unsupported key type (RSA, EC P-256/P-384/P-521, Ed25519 and Ed448 are supported)")),
    }
}

/// An EC key that spells out its curve's parameters instead of naming the curve (RFC 5480
/// section 2.1.1 allows only named curves in keys): refused rather than matched to a known
/// curve, since parameters are what a forged curve (CVE-2020-0601) changes.
pub(crate) fn explicit_curve_error() -> Error {
    Error::key(
        "the EC key gives explicit curve parameters instead of naming its curve (RFC 5480 allows only named curves; \
         explicit parameters can describe a forged curve): convert it once with \
         `openssl ec -in key.pem -param_enc named_curve -out key-named.pem` (a public key: add -pubin -pubout)",
    )
}

pub(crate) fn check_rsa<T: openssl::pkey::HasPublic>(pkey: &PKey<T>) -> Result<()> {
    let rsa = pkey.rsa().map_err(|_| Error::key("the RSA key could not be read"))?;
    if rsa.n().num_bits() < 2048 {
        return Err(Error::key(format!("the RSA key has {} bits; at least 2048 are required", rsa.n().num_bits())));
    }
    let e = rsa.e();
    if e.num_bits() < 2 || !e.is_bit_set(0) {
        return Err(Error::key("the RSA public exponent is invalid (it must be odd and at least 3)"));
    }
    if has_roca_fingerprint(rsa.n()) {
        return Err(roca_error());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_what_is_not_a_usable_pem() {
        assert!(public_key_from_pem(b"not a key").unwrap_err().message.contains("not a PEM"));
        assert!(public_key_from_pem(b"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n").is_err());
        let small = PKey::from_rsa(openssl::rsa::Rsa::generate(1024).unwrap()).unwrap();
        let pem = small.public_key_to_pem().unwrap();
        let k = public_key_from_pem(&pem).unwrap();
        assert_eq!(pkey_kind(&k).unwrap(), KeyKind::Rsa);
        assert!(check_rsa(&k).unwrap_err().message.contains("1024 bits"));
        let k1 = openssl::ec::EcKey::generate(&openssl::ec::EcGroup::from_curve_name(Nid::SECP256K1).unwrap()).unwrap();
        let k1 = PKey::from_ec_key(k1).unwrap();
        assert!(pkey_kind(&k1).unwrap_err().message.contains("unsupported curve"));
    }

    #[test]
    fn explicit_curve_parameters_are_refused_with_the_conversion() {
        let mut group = openssl::ec::EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).unwrap();
        let named = PKey::from_ec_key(openssl::ec::EcKey::generate(&group).unwrap()).unwrap();
        let named = public_key_from_pem(&named.public_key_to_pem().unwrap()).unwrap();
        assert_eq!(pkey_kind(&named).unwrap(), KeyKind::Ec("P-256"));
        group.set_asn1_flag(openssl::ec::Asn1Flag::EXPLICIT_CURVE);
        let explicit = PKey::from_ec_key(openssl::ec::EcKey::generate(&group).unwrap()).unwrap();
        for pem in [explicit.public_key_to_pem().unwrap(), explicit.private_key_to_pem_pkcs8().unwrap()] {
            let k = public_key_from_pem(&pem).unwrap();
            let e = pkey_kind(&k).unwrap_err();
            assert!(e.message.contains("explicit curve parameters") && e.message.contains("-param_enc named_curve"), "{}", e.message);
        }
    }

    #[test]
    fn a_private_key_gives_its_public_half_and_never_prompts() {
        let ed = PKey::generate_ed25519().unwrap();
        let pem = ed.private_key_to_pem_pkcs8().unwrap();
        let public = public_key_from_pem(&pem).unwrap();
        assert_eq!(pkey_kind(&public).unwrap(), KeyKind::Okp("Ed25519"));
        let encrypted = ed.private_key_to_pem_pkcs8_passphrase(openssl::symm::Cipher::aes_128_cbc(), b"pw").unwrap();
        assert!(private_key_from_pem(&encrypted).is_err());
    }
}
