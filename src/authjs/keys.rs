//! Auth.js / NextAuth key derivation, done once per secret: HKDF-SHA256 and the
//! RFC 7638 thumbprint that Auth.js puts in the header `kid`.

use hkdf::Hkdf;
use sha2::{Digest, Sha256, Sha512};

use crate::b64;
use crate::jwe::{ContentKey, Enc};

/// Which generation of the library made the token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Auth.js (NextAuth v5, @auth/core): A256CBC-HS512 (A256GCM accepted), kid, salt = cookie name.
    V5,
    /// NextAuth v4: A256GCM, no kid, empty salt.
    V4,
}

/// One secret's derived keys (one per accepted `enc`) and their kids.
pub struct DerivedSecret {
    pub keys: Vec<(Enc, ContentKey, String)>,
}

impl DerivedSecret {
    pub fn key_for(&self, enc: Enc) -> Option<(&ContentKey, &str)> {
        self.keys.iter().find(|(e, _, _)| *e == enc).map(|(_, k, kid)| (k, kid.as_str()))
    }
}

fn hkdf(secret: &[u8], salt: &[u8], info: &str, len: usize) -> Vec<u8> {
    let mut out = vec![0u8; len];
    // Lengths here are 32 or 64 bytes, far below HKDF-SHA256's limit of 8160.
    let ok = Hkdf::<Sha256>::new(Some(salt), secret).expand(info.as_bytes(), &mut out).is_ok();
    debug_assert!(ok);
    out
}

/// RFC 7638 thumbprint of `{"k":…,"kty":"oct"}`, with SHA-512 for a 64-byte key and
/// SHA-256 for a 32-byte key, as @auth/core computes it.
pub fn thumbprint(key: &[u8]) -> String {
    let json = format!("{{\"k\":\"{}\",\"kty\":\"oct\"}}", b64::encode(key));
    if key.len() == 64 {
        b64::encode(&Sha512::digest(json.as_bytes()))
    } else {
        b64::encode(&Sha256::digest(json.as_bytes()))
    }
}

pub fn derive(format: Format, secret: &str, salt: &str) -> crate::Result<DerivedSecret> {
    let encs: &[Enc] = match format {
        Format::V5 => &[Enc::A256CbcHs512, Enc::A256Gcm],
        Format::V4 => &[Enc::A256Gcm],
    };
    let info = match format {
        Format::V5 => format!("Auth.js Generated Encryption Key ({salt})"),
        Format::V4 if salt.is_empty() => "NextAuth.js Generated Encryption Key".to_string(),
        Format::V4 => format!("NextAuth.js Generated Encryption Key ({salt})"),
    };
    let keys = encs
        .iter()
        .map(|enc| {
            let key = hkdf(secret.as_bytes(), salt.as_bytes(), &info, enc.key_len());
            let kid = thumbprint(&key);
            Ok((*enc, ContentKey::new(*enc, &key)?, kid))
        })
        .collect::<crate::Result<Vec<_>>>()?;
    Ok(DerivedSecret { keys })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(b: &[u8]) -> String {
        b.iter().map(|x| format!("{x:02x}")).collect()
    }

    /// Values printed by @auth/core 0.41.3 and next-auth 4.24.15 for secret 'x' * 32
    /// (the derivation code run by the real libraries; see __test__/authjs.test.js for
    /// the end-to-end checks against freshly made tokens).
    #[test]
    fn matches_auth_core_and_next_auth_v4() {
        let s = "x".repeat(32);
        let v5 = derive(Format::V5, &s, "authjs.session-token").unwrap();
        let (k, kid) = v5.key_for(Enc::A256CbcHs512).unwrap();
        assert_eq!(hex(k.bytes()), "8403bbfa95ba55f602f753dfd792b5fa344e2207c0f8707e2e4ae6c98f1febb22ad458b1d108399f2fdfc328ceba4bdb32dcb247e62ed56903b8620416c83db9");
        assert_eq!(kid, "4og_j_dAJMt82swb-ZBSxSAJ3tovdqujwfXbqPNjIxAqWI4PWyfebiRcXCMGdUgqy1dCQSacxvpZJimmRq1F5w");
        let (k, kid) = v5.key_for(Enc::A256Gcm).unwrap();
        assert_eq!(hex(k.bytes()), "8403bbfa95ba55f602f753dfd792b5fa344e2207c0f8707e2e4ae6c98f1febb2");
        assert_eq!(kid, "zzTGwsT9K03q0fLXFNfJDR3HD11Sv_ybeTaS5BHrNRo");
        let v4 = derive(Format::V4, &s, "").unwrap();
        let (k, _) = v4.key_for(Enc::A256Gcm).unwrap();
        assert_eq!(hex(k.bytes()), "9b526479e56127dcf844ba73f252b255c43cc1d6ae67e6be60943666e3d8e4eb");
        assert!(v4.key_for(Enc::A256CbcHs512).is_none());
    }
}
