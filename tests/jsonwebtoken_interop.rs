//! The `jsonwebtoken` crate as an independent implementation: tokens it signs verify
//! here, and tokens signed here verify there, for every algorithm both support.

use authbridge::jwt::{JwtSigner, JwtVerifier, KeySource, SignOptions, VerifierOptions};
use authbridge::key::KeyInput;
use authbridge::ErrorCode;
use jsonwebtoken as jwt;
use openssl::ec::{EcGroup, EcKey};
use openssl::nid::Nid;
use openssl::pkey::PKey;
use openssl::rsa::Rsa;
use serde_json::{json, Value};

fn now() -> f64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs_f64()
}

/// (private PKCS#8 PEM, public SPKI PEM)
fn keypair(kind: &str) -> (Vec<u8>, Vec<u8>) {
    let pkey = match kind {
        "rsa" => PKey::from_rsa(Rsa::generate(2048).unwrap()).unwrap(),
        "p256" => PKey::from_ec_key(EcKey::generate(&EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).unwrap()).unwrap()).unwrap(),
        "p384" => PKey::from_ec_key(EcKey::generate(&EcGroup::from_curve_name(Nid::SECP384R1).unwrap()).unwrap()).unwrap(),
        "ed25519" => PKey::generate_ed25519().unwrap(),
        _ => unreachable!(),
    };
    (pkey.private_key_to_pem_pkcs8().unwrap(), pkey.public_key_to_pem().unwrap())
}

fn verifier(alg: &str, key: &[u8]) -> JwtVerifier {
    JwtVerifier::new(VerifierOptions { algorithms: vec![alg.into()], key: Some(KeySource::Bytes(key.to_vec())), ..Default::default() }).unwrap()
}

#[test]
fn both_directions_for_every_shared_algorithm() {
    let secret = b"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef".to_vec();
    let rsa = keypair("rsa");
    let p256 = keypair("p256");
    let p384 = keypair("p384");
    let ed = keypair("ed25519");
    let cases: Vec<(&str, jwt::Algorithm, Vec<u8>, Vec<u8>)> = vec![
        ("HS256", jwt::Algorithm::HS256, secret.clone(), secret.clone()),
        ("HS384", jwt::Algorithm::HS384, secret.clone(), secret.clone()),
        ("HS512", jwt::Algorithm::HS512, secret.clone(), secret.clone()),
        ("RS256", jwt::Algorithm::RS256, rsa.0.clone(), rsa.1.clone()),
        ("RS384", jwt::Algorithm::RS384, rsa.0.clone(), rsa.1.clone()),
        ("RS512", jwt::Algorithm::RS512, rsa.0.clone(), rsa.1.clone()),
        ("PS256", jwt::Algorithm::PS256, rsa.0.clone(), rsa.1.clone()),
        ("PS384", jwt::Algorithm::PS384, rsa.0.clone(), rsa.1.clone()),
        ("PS512", jwt::Algorithm::PS512, rsa.0.clone(), rsa.1.clone()),
        ("ES256", jwt::Algorithm::ES256, p256.0.clone(), p256.1.clone()),
        ("ES384", jwt::Algorithm::ES384, p384.0.clone(), p384.1.clone()),
        ("EdDSA", jwt::Algorithm::EdDSA, ed.0.clone(), ed.1.clone()),
    ];
    let exp = now() as u64 + 600;
    for (name, alg, private, public) in cases {
        let (enc, dec) = match name.as_bytes()[0] {
            b'H' => (jwt::EncodingKey::from_secret(&private), jwt::DecodingKey::from_secret(&public)),
            b'R' | b'P' => (jwt::EncodingKey::from_rsa_pem(&private).unwrap(), jwt::DecodingKey::from_rsa_pem(&public).unwrap()),
            b'E' if name == "EdDSA" => (jwt::EncodingKey::from_ed_pem(&private).unwrap(), jwt::DecodingKey::from_ed_pem(&public).unwrap()),
            _ => (jwt::EncodingKey::from_ec_pem(&private).unwrap(), jwt::DecodingKey::from_ec_pem(&public).unwrap()),
        };
        // jsonwebtoken signs, authbridge verifies.
        let theirs = jwt::encode(&jwt::Header::new(alg), &json!({"sub": name, "exp": exp}), &enc).unwrap();
        let (_, claims) = verifier(name, &public).verify(&theirs, now()).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(claims.to_map()["sub"], name);
        // A flipped signature byte is refused.
        let mut bad = theirs.clone().into_bytes();
        let i = bad.len() - 3;
        bad[i] = if bad[i] == b'A' { b'B' } else { b'A' };
        let bad = String::from_utf8(bad).unwrap();
        assert_eq!(verifier(name, &public).verify(&bad, now()).unwrap_err().code, ErrorCode::JwsSignatureInvalid, "{name}");
        // authbridge signs, jsonwebtoken verifies.
        let signer = JwtSigner::new(
            SignOptions { algorithm: Some(name.into()), expires_in: Some(authbridge::jwt::Span::Text("10m".into())), ..Default::default() },
            KeyInput::Bytes(&private),
        )
        .unwrap();
        let ours = signer.sign(&json!({"sub": name}), now()).unwrap();
        let mut validation = jwt::Validation::new(alg);
        validation.validate_exp = true;
        let data = jwt::decode::<Value>(&ours, &dec, &validation).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(data.claims["sub"], name);
        assert_eq!(data.claims["exp"].as_f64().unwrap() - data.claims["iat"].as_f64().unwrap(), 600.0);
    }
}
