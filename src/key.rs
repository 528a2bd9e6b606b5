//! Keys, prepared once: HMAC secrets, PEM public keys and certificates, JWKs and JWK Sets.
//!
//! Every rule about which key may verify which algorithm lives here and runs in the
//! constructor, never per token: a key of the wrong family is refused (so a public
//! key can never be used as an HMAC secret), short HMAC secrets and small RSA keys
//! are refused, and an EC key serves only its own curve's algorithm.

use hmac::digest::KeyInit;
use hmac::{Hmac, Mac};
use josekit::jwk::Jwk;
use josekit::jws::{JwsSigner, JwsVerifier};
use openssl::nid::Nid;
use openssl::pkey::{Id, PKey, Public};
use serde_json::{Map, Value};
use sha2::{Sha256, Sha384, Sha512};

use crate::alg::{Algorithm, Family};
use crate::b64;
use crate::error::{Error, Result};

/// Raw key material as a caller passes it.
pub enum KeyInput<'a> {
    /// An HMAC secret or a PEM text (public key, certificate, or private key for signing).
    Bytes(&'a [u8]),
    /// One JWK, parsed JSON.
    Jwk(&'a Value),
}

/// A prepared HMAC key: the keyed hash state, cloned per use (no re-keying per token).
#[derive(Clone)]
pub enum HmacKey {
    S256(Hmac<Sha256>),
    S384(Hmac<Sha384>),
    S512(Hmac<Sha512>),
}

impl HmacKey {
    fn new(alg: Algorithm, secret: &[u8]) -> Result<HmacKey> {
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

/// One prepared verification key: a verifier for each algorithm it may check.
pub struct VerifyKey {
    pub kid: Option<String>,
    verifiers: Vec<(Algorithm, Verifier)>,
}

enum Verifier {
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

/// What kind of key a PEM or JWK holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KeyKind {
    Rsa,
    Ec(&'static str),
    /// Ed25519 or Ed448.
    Okp(&'static str),
    Oct,
}

impl KeyKind {
    fn family(self) -> Family {
        match self {
            KeyKind::Rsa => Family::Rsa,
            KeyKind::Ec(_) => Family::Ec,
            KeyKind::Okp(_) => Family::EdDsa,
            KeyKind::Oct => Family::Hmac,
        }
    }

    fn describe(self) -> String {
        match self {
            KeyKind::Rsa => "an RSA key".into(),
            KeyKind::Ec(crv) => format!("an EC {crv} key"),
            KeyKind::Okp(crv) => format!("an {crv} key"),
            KeyKind::Oct => "a symmetric (oct) key".into(),
        }
    }

    fn serves(self, alg: Algorithm) -> bool {
        match self {
            KeyKind::Ec(crv) => alg.curve() == Some(crv),
            // RFC 9864: the fully-specified Ed25519 serves Ed25519 keys only; EdDSA both curves.
            KeyKind::Okp(crv) => alg == Algorithm::EdDSA || (alg == Algorithm::Ed25519 && crv == "Ed25519"),
            _ => self.family() == alg.family(),
        }
    }
}

/// Reads a PEM private key without ever asking for a passphrase: OpenSSL's default
/// would prompt on the terminal and block; an encrypted key is simply refused.
fn private_key_from_pem(pem: &[u8]) -> std::result::Result<PKey<openssl::pkey::Private>, openssl::error::ErrorStack> {
    PKey::private_key_from_pem_callback(pem, |_buf| Ok(0))
}

/// True for the wire form of an SSH public key (RFC 4253 6.6): a length-prefixed key type
/// name such as `ssh-ed25519`, `ssh-rsa`, `ecdsa-sha2-nistp256` or `sk-...`, then more.
fn is_ssh_blob(b: &[u8]) -> bool {
    if b.len() <= 11 {
        return false;
    }
    let n = u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize;
    n <= 64 && b.len() > 4 + n && {
        let name = &b[4..4 + n];
        name.starts_with(b"ssh-") || name.starts_with(b"ecdsa-sha2-") || name.starts_with(b"sk-")
    }
}

/// True for an OpenSSH public key line ("ssh-ed25519 AAAA... comment"), with or without
/// options before it, or its bare base64 body.
fn is_openssh_key(text: &str) -> bool {
    const PREFIXES: [&str; 6] = ["ssh-rsa", "ssh-ed25519", "ssh-ed448", "ssh-dss", "ecdsa-sha2-", "sk-"];
    let t = text.trim_start();
    if PREFIXES.iter().any(|p| t.starts_with(p)) && t.contains(' ') {
        return true;
    }
    for word in t.split_whitespace().take(8) {
        use base64::Engine;
        if let Ok(b) = base64::engine::general_purpose::STANDARD.decode(word) {
            if is_ssh_blob(&b) {
                return true;
            }
        }
    }
    false
}

/// True when the bytes are a DER public key, private key or certificate.
fn is_der_key(bytes: &[u8]) -> bool {
    bytes.first() == Some(&0x30)
        && (PKey::public_key_from_der(bytes).is_ok()
            || openssl::rsa::Rsa::public_key_from_der_pkcs1(bytes).is_ok()
            || PKey::private_key_from_der(bytes).is_ok()
            || openssl::x509::X509::from_der(bytes).is_ok())
}

/// How many times a text is decoded (base64 of a PEM, hex of base64 of DER, ...).
const MAX_KEY_DECODINGS: u8 = 4;

/// True when the bytes hold a public or private key in any usual form: a PEM block or an
/// RFC 4716 `---- BEGIN SSH2 PUBLIC KEY ----` block (anywhere in the text), a JWK or JWK
/// Set (after a UTF-8 byte-order mark, or inside a JSON string), DER, an OpenSSH key line
/// or SSH wire blob; or any of these behind base64, base64url or hex (as keys are kept in
/// environment variables: a PEM body without armor, a whole PEM in base64, hex DER), at
/// any length. Such bytes must never be used as an HMAC secret (the RS256 -> HS256
/// confusion and its variants): whoever knows the public key could sign.
pub fn looks_like_asymmetric_key(bytes: &[u8]) -> bool {
    key_in(bytes, 0)
}

fn key_in(bytes: &[u8], depth: u8) -> bool {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if bytes.is_empty() {
        return false;
    }
    if is_der_key(bytes) || is_ssh_blob(bytes) {
        return true;
    }
    let text = String::from_utf8_lossy(bytes);
    if text.contains("-----BEGIN") || text.contains("---- BEGIN SSH2") {
        return true;
    }
    let trimmed = text.trim().trim_start_matches('\u{feff}').trim();
    if trimmed.starts_with('{') || trimmed.starts_with('"') {
        match serde_json::from_str::<Value>(trimmed) {
            Ok(Value::Object(map)) if map.contains_key("kty") || map.contains_key("keys") => return true,
            Ok(Value::String(inner)) if depth < MAX_KEY_DECODINGS && key_in(inner.as_bytes(), depth + 1) => return true,
            _ => {}
        }
    }
    if is_openssh_key(trimmed) {
        return true;
    }
    if depth >= MAX_KEY_DECODINGS {
        return false;
    }
    decodings(trimmed).iter().any(|d| key_in(d, depth + 1))
}

/// What a text decodes to as base64 (padded or not), base64url or hex (whitespace, and
/// colons between hex bytes, ignored): every decoding that succeeds.
fn decodings(text: &str) -> Vec<Vec<u8>> {
    use base64::Engine;
    let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    let mut out: Vec<Vec<u8>> = Vec::new();
    if compact.is_empty() {
        return out;
    }
    let unpadded = compact.trim_end_matches('=');
    let engines = [
        &base64::engine::general_purpose::STANDARD_NO_PAD,
        &base64::engine::general_purpose::URL_SAFE_NO_PAD,
    ];
    for engine in engines {
        if let Ok(d) = engine.decode(unpadded) {
            if !d.is_empty() && !out.contains(&d) {
                out.push(d);
            }
        }
    }
    let hex: String = compact.chars().filter(|c| *c != ':').collect();
    if hex.len() >= 2 && hex.len().is_multiple_of(2) && hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        let d: Vec<u8> = (0..hex.len()).step_by(2).filter_map(|i| u8::from_str_radix(&hex[i..i + 2], 16).ok()).collect();
        if !out.contains(&d) {
            out.push(d);
        }
    }
    out
}

fn check_hmac_secret(secret: &[u8], algorithms: &[Algorithm], allow_weak: bool) -> Result<()> {
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

/// Parses a PEM text into a public key: SPKI `PUBLIC KEY`, PKCS#1 `RSA PUBLIC KEY`,
/// an X.509 `CERTIFICATE`, or a private key (its public half is used). Text before
/// the PEM block is ignored, as OpenSSL does.
fn public_key_from_pem(pem: &[u8]) -> Result<PKey<Public>> {
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

fn pkey_kind<T: openssl::pkey::HasPublic>(pkey: &PKey<T>) -> Result<KeyKind> {
    match pkey.id() {
        Id::RSA | Id::RSA_PSS => Ok(KeyKind::Rsa),
        Id::ED25519 => Ok(KeyKind::Okp("Ed25519")),
        Id::ED448 => Ok(KeyKind::Okp("Ed448")),
        Id::EC => {
            let ec = pkey.ec_key().map_err(|_| Error::key("the EC key could not be read"))?;
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

fn check_rsa<T: openssl::pkey::HasPublic>(pkey: &PKey<T>) -> Result<()> {
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

fn roca_error() -> Error {
    Error::key("the RSA modulus has the ROCA fingerprint (CVE-2017-15361, keys made by Infineon RSALib): it can be factored; replace the key")
}

/// The small primes of the ROCA fingerprint test: every odd prime up to 167.
const ROCA_PRIMES: [u32; 38] = [
    3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97, 101, 103, 107, 109, 113, 127,
    131, 137, 139, 149, 151, 157, 163, 167,
];

/// The published ROCA fingerprint test (CVE-2017-15361; M. Nemec, M. Sys, P. Svenda,
/// D. Klinec, V. Matyas, "The Return of Coppersmith's Attack: Practical Factorization of
/// Widely Used RSA Moduli", ACM CCS 2017). The vulnerable library makes primes of the form
/// k * M + (65537^a mod M), M a primorial, so for every small prime p dividing M the
/// modulus N mod p lies in the subgroup of (Z/pZ)* generated by 65537. A modulus that
/// does so for all the primes above is refused; a random modulus does with a probability
/// far below 2^-100. This is a check on a public number (residues computed with OpenSSL's
/// BigNum), not cryptography.
fn has_roca_fingerprint(n: &openssl::bn::BigNumRef) -> bool {
    ROCA_PRIMES.iter().all(|&p| {
        let Ok(r) = n.mod_word(p) else { return false };
        let r = r as u32;
        let g = 65537 % p;
        // Walk the cyclic subgroup <65537 mod p>: 1, g, g^2, ... until it returns to 1.
        let mut x = 1u32;
        loop {
            if x == r {
                return true;
            }
            x = x * g % p;
            if x == 1 {
                return false;
            }
        }
    })
}

#[cfg(test)]
mod roca_tests {
    use super::has_roca_fingerprint;
    use openssl::bn::BigNum;

    #[test]
    fn generated_keys_have_no_fingerprint() {
        for _ in 0..4 {
            let rsa = openssl::rsa::Rsa::generate(2048).unwrap();
            assert!(!has_roca_fingerprint(rsa.n()));
        }
    }

    #[test]
    fn a_product_of_roca_shaped_primes_has_it() {
        // N = p * q with p, q = k * M + 65537^a mod M (M the product of the test primes):
        // the structure of RSALib's primes. The test reads only N mod each prime.
        let mut m = BigNum::from_u32(1).unwrap();
        for p in super::ROCA_PRIMES {
            m = &m * &BigNum::from_u32(p).unwrap();
        }
        let mut ctx = openssl::bn::BigNumContext::new().unwrap();
        let shaped = |k: u32, a: u32, ctx: &mut openssl::bn::BigNumContext| {
            let mut pow = BigNum::new().unwrap();
            pow.mod_exp(&BigNum::from_u32(65537).unwrap(), &BigNum::from_u32(a).unwrap(), &m, ctx).unwrap();
            &(&m * &BigNum::from_u32(k).unwrap()) + &pow
        };
        let n = &shaped(1_000_003, 12_345, &mut ctx) * &shaped(999_983, 777, &mut ctx);
        assert!(has_roca_fingerprint(&n));
        let not = &n + &BigNum::from_u32(2).unwrap();
        assert!(!has_roca_fingerprint(&not));
    }
}

/// Runs `$body` with `$a` bound to josekit's algorithm object for an asymmetric
/// algorithm; HMAC algorithms give `None` (they never reach josekit).
macro_rules! with_josekit_alg {
    ($alg:expr, $a:ident => $body:expr) => {{
        use josekit::jws::*;
        match $alg {
            Algorithm::RS256 => { let $a = &RS256; Some($body) }
            Algorithm::RS384 => { let $a = &RS384; Some($body) }
            Algorithm::RS512 => { let $a = &RS512; Some($body) }
            Algorithm::PS256 => { let $a = &PS256; Some($body) }
            Algorithm::PS384 => { let $a = &PS384; Some($body) }
            Algorithm::PS512 => { let $a = &PS512; Some($body) }
            Algorithm::ES256 => { let $a = &ES256; Some($body) }
            Algorithm::ES384 => { let $a = &ES384; Some($body) }
            Algorithm::ES512 => { let $a = &ES512; Some($body) }
            Algorithm::EdDSA | Algorithm::Ed25519 => { let $a = &EdDSA; Some($body) }
            Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512 => None,
        }
    }};
}

fn boxed_verifier<V: JwsVerifier + 'static>(r: std::result::Result<V, josekit::JoseError>) -> Option<Box<dyn JwsVerifier>> {
    r.ok().map(|v| Box::new(v) as Box<dyn JwsVerifier>)
}

fn boxed_signer<S: JwsSigner + 'static>(r: std::result::Result<S, josekit::JoseError>) -> Option<Box<dyn JwsSigner>> {
    r.ok().map(|v| Box::new(v) as Box<dyn JwsSigner>)
}

/// A JWK's kind from its `kty` (and `crv`), with the checks that make it a usable key.
fn jwk_kind(map: &Map<String, Value>) -> Result<KeyKind> {
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
fn check_jwk_intent(map: &Map<String, Value>, op: &str, algorithms: &[Algorithm]) -> Result<Vec<Algorithm>> {
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

fn jwk_kid(map: &Map<String, Value>) -> Result<Option<String>> {
    match map.get("kid") {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(Error::key("the JWK's kid must be a string")),
    }
}

fn as_jwk_object(value: &Value) -> Result<&Map<String, Value>> {
    value.as_object().ok_or_else(|| Error::key("a JWK must be a JSON object"))
}

fn oct_secret(map: &Map<String, Value>) -> Result<Vec<u8>> {
    match map.get("k") {
        Some(Value::String(k)) => b64::decode(k.as_bytes(), "JWK's k").map_err(|_| Error::key("the oct JWK's k is not base64url")),
        _ => Err(Error::key("the oct JWK has no k")),
    }
}

/// A JWK with only its public members, for josekit (which would otherwise treat a
/// private JWK as a key pair) and with `alg`/`use`/`key_ops` removed, already checked.
fn public_jwk(map: &Map<String, Value>, kind: KeyKind) -> Result<Jwk> {
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
fn check_rsa_jwk(map: &Map<String, Value>) -> Result<()> {
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

impl VerifyKey {
    /// A key given as bytes: an HMAC secret (HS*) or a PEM (other families).
    pub fn from_bytes(bytes: &[u8], algorithms: &[Algorithm], allow_weak: bool) -> Result<VerifyKey> {
        let family = algorithms[0].family();
        if family == Family::Hmac {
            check_hmac_secret(bytes, algorithms, allow_weak)?;
            let verifiers = algorithms
                .iter()
                .map(|a| Ok((*a, Verifier::Hmac(HmacKey::new(*a, bytes)?))))
                .collect::<Result<Vec<_>>>()?;
            return Ok(VerifyKey { kid: None, verifiers });
        }
        let pkey = public_key_from_pem(bytes)?;
        let kind = pkey_kind(&pkey)?;
        check_kind(kind, algorithms)?;
        if kind == KeyKind::Rsa {
            check_rsa(&pkey)?;
        }
        let spki = pkey.public_key_to_der().map_err(|_| Error::key("the public key could not be encoded"))?;
        let verifiers = algorithms
            .iter()
            .map(|a| {
                with_josekit_alg!(*a, j => boxed_verifier(j.verifier_from_der(&spki)))
                    .flatten()
                    .map(|v| (*a, Verifier::Asym(v)))
                    .ok_or_else(|| Error::key(format!("the key cannot verify {}", a.name())))
            })
            .collect::<Result<Vec<_>>>()?;
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
            usable
                .iter()
                .map(|a| Ok((*a, Verifier::Hmac(HmacKey::new(*a, &secret)?))))
                .collect::<Result<Vec<_>>>()?
        } else {
            if kind == KeyKind::Rsa {
                check_rsa_jwk(map)?;
            }
            let jwk = public_jwk(map, kind)?;
            usable
                .iter()
                .map(|a| {
                    with_josekit_alg!(*a, j => boxed_verifier(j.verifier_from_jwk(&jwk)))
                        .flatten()
                        .map(|v| (*a, Verifier::Asym(v)))
                        .ok_or_else(|| Error::key(format!("the JWK is not a valid {} key", a.name())))
                })
                .collect::<Result<Vec<_>>>()?
        };
        Ok(VerifyKey { kid, verifiers })
    }
}

fn check_kind(kind: KeyKind, algorithms: &[Algorithm]) -> Result<()> {
    if let Some(bad) = algorithms.iter().find(|a| !kind.serves(**a)) {
        let hint = if kind != KeyKind::Oct && bad.family() == Family::Hmac {
            " (a public key can never be an HMAC secret)"
        } else {
            ""
        };
        return Err(Error::key(format!("{} cannot verify {}{hint}", kind.describe(), bad.name())));
    }
    Ok(())
}

/// The keys a verifier holds: one key (kid ignored) or a JWK Set (kid selects).
pub enum KeyStore {
    Single(VerifyKey),
    Set(Vec<VerifyKey>),
    /// A key set kept current from the network (`RemoteJwks`), shared by every verifier
    /// built with it; read once per verification (`crate::remote`).
    Remote(std::sync::Arc<crate::remote::RemoteKeys>),
}

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

    /// True when some key of a set carries this kid (whatever the algorithm).
    pub fn has_kid(&self, kid: &str) -> bool {
        match self {
            KeyStore::Set(keys) => keys.iter().any(|k| k.kid.as_deref() == Some(kid)),
            _ => false,
        }
    }

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
mod detector_tests {
    use super::looks_like_asymmetric_key as detected;
    use base64::Engine;
    use openssl::pkey::PKey;

    fn b64(b: &[u8]) -> String {
        base64::engine::general_purpose::STANDARD.encode(b)
    }
    fn b64url(b: &[u8]) -> String {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
    }
    fn hex(b: &[u8]) -> String {
        b.iter().map(|x| format!("{x:02x}")).collect()
    }
    fn ssh_string(out: &mut Vec<u8>, s: &[u8]) {
        out.extend_from_slice(&(s.len() as u32).to_be_bytes());
        out.extend_from_slice(s);
    }

    /// Every form of one public key that an environment variable or a file may hold.
    fn forms() -> Vec<(String, Vec<u8>)> {
        let ed = PKey::generate_ed25519().unwrap();
        let der = ed.public_key_to_der().unwrap();
        let pem = String::from_utf8(ed.public_key_to_pem().unwrap()).unwrap();
        let raw = ed.raw_public_key().unwrap();
        let mut blob = Vec::new();
        ssh_string(&mut blob, b"ssh-ed25519");
        ssh_string(&mut blob, &raw);
        let jwk = format!(r#"{{"kty":"OKP","crv":"Ed25519","x":"{}"}}"#, b64url(&raw));
        let rfc4716 = format!("---- BEGIN SSH2 PUBLIC KEY ----\nComment: \"ci key\"\n{}\n---- END SSH2 PUBLIC KEY ----\n", b64(&blob));
        let openssh = format!("ssh-ed25519 {} ci@example", b64(&blob));
        let ec = openssl::ec::EcKey::generate(&openssl::ec::EcGroup::from_curve_name(openssl::nid::Nid::X9_62_PRIME256V1).unwrap()).unwrap();
        let ec_der = PKey::from_ec_key(ec).unwrap().public_key_to_der().unwrap();
        let mut v: Vec<(String, Vec<u8>)> = vec![
            ("PEM".into(), pem.clone().into_bytes()),
            ("DER".into(), der.clone()),
            ("Ed25519 SPKI as base64 (60 chars)".into(), b64(&der).into_bytes()),
            ("Ed25519 SPKI as base64url".into(), b64url(&der).into_bytes()),
            ("EC SPKI as base64url".into(), b64url(&ec_der).into_bytes()),
            ("base64 of a whole PEM".into(), b64(pem.as_bytes()).into_bytes()),
            ("base64url of a whole PEM".into(), b64url(pem.as_bytes()).into_bytes()),
            ("hex DER".into(), hex(&der).into_bytes()),
            ("HEX DER, colons".into(), der.iter().map(|x| format!("{x:02X}")).collect::<Vec<_>>().join(":").into_bytes()),
            ("hex of base64 DER".into(), hex(b64(&der).as_bytes()).into_bytes()),
            ("JWK".into(), jwk.clone().into_bytes()),
            ("BOM + JWK".into(), [b"\xEF\xBB\xBF".as_slice(), jwk.as_bytes()].concat()),
            ("BOM + JWK Set".into(), format!("\u{feff}{{\"keys\":[{jwk}]}}").into_bytes()),
            ("base64 of a JWK".into(), b64(jwk.as_bytes()).into_bytes()),
            ("a JWK as a JSON string".into(), serde_json::to_string(&jwk).unwrap().into_bytes()),
            ("RFC 4716".into(), rfc4716.clone().into_bytes()),
            ("base64 of RFC 4716".into(), b64(rfc4716.as_bytes()).into_bytes()),
            ("OpenSSH line".into(), openssh.clone().into_bytes()),
            ("authorized_keys line with options".into(), format!("from=\"10.0.0.1\" {openssh}").into_bytes()),
            ("OpenSSH body".into(), b64(&blob).into_bytes()),
            ("SSH wire blob".into(), blob.clone()),
            ("hex SSH wire blob".into(), hex(&blob).into_bytes()),
            ("base64 of an OpenSSH line".into(), b64(openssh.as_bytes()).into_bytes()),
        ];
        v.push(("PEM with literal \\n".into(), pem.replace('\n', "\\n").into_bytes()));
        v
    }

    #[test]
    fn every_form_of_a_public_key_is_detected() {
        for (label, bytes) in forms() {
            assert!(detected(&bytes), "not detected: {label}");
        }
    }

    #[test]
    fn random_secrets_are_not_keys() {
        for _ in 0..200 {
            let mut secret = [0u8; 48];
            openssl::rand::rand_bytes(&mut secret).unwrap();
            for form in [hex(&secret).into_bytes(), b64(&secret).into_bytes(), b64url(&secret).into_bytes(), secret.to_vec()] {
                assert!(!detected(&form), "false positive on {}", String::from_utf8_lossy(&form));
            }
        }
        for s in ["a-plain-hs256-secret-of-32-bytes!!", "correct horse battery staple", "{not json", "{\"sub\":1}", "sk-live-0123456789abcdef"] {
            assert!(!detected(s.as_bytes()), "{s}");
        }
    }
}
