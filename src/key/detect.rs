//! The public-key-as-secret detector: bytes that hold an asymmetric key in any usual
//! form must never become an HMAC secret.

use openssl::pkey::PKey;
use serde_json::Value;

/// True for the wire form of an SSH public key (RFC 4253 6.6): a length-prefixed key type
/// name such as `ssh-ed25519`, `ssh-rsa`, `ecdsa-sha2-nistp256` or `sk-...`, then more.
pub(crate) fn is_ssh_blob(b: &[u8]) -> bool {
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
pub(crate) fn is_openssh_key(text: &str) -> bool {
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
pub(crate) fn is_der_key(bytes: &[u8]) -> bool {
    bytes.first() == Some(&0x30)
        && (PKey::public_key_from_der(bytes).is_ok()
            || openssl::rsa::Rsa::public_key_from_der_pkcs1(bytes).is_ok()
            || PKey::private_key_from_der(bytes).is_ok()
            || openssl::x509::X509::from_der(bytes).is_ok())
}

/// How many times a text is decoded (base64 of a PEM, hex of base64 of DER, ...).
pub(crate) const MAX_KEY_DECODINGS: u8 = 4;

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

pub(crate) fn key_in(bytes: &[u8], depth: u8) -> bool {
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
pub(crate) fn decodings(text: &str) -> Vec<Vec<u8>> {
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
