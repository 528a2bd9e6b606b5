//! Auth.js / NextAuth key derivation, done once per secret: HKDF-SHA256 and the
//! RFC 7638 thumbprint that Auth.js puts in the header `kid` (the construction lives in
//! src/dirjwe.rs; here are the two formats' constants).

use crate::dirjwe::{self, Constants};
pub use crate::dirjwe::DerivedSecret;

/// Which generation of the library made the token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Auth.js (NextAuth v5, @auth/core): A256CBC-HS512 (A256GCM accepted), kid, salt = cookie name.
    V5,
    /// NextAuth v4: A256GCM, no kid, empty salt.
    V4,
}

impl Format {
    /// The construction's constants (src/dirjwe.rs, shared with Better Auth's `jwe` cache).
    pub fn constants(self) -> &'static Constants {
        match self {
            Format::V5 => &dirjwe::AUTHJS_V5,
            Format::V4 => &dirjwe::NEXTAUTH_V4,
        }
    }
}

pub fn derive(format: Format, secret: &str, salt: &str) -> crate::Result<DerivedSecret> {
    dirjwe::derive(format.constants(), secret, salt)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jwe::Enc;

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
