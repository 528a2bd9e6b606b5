//! Keys, prepared once: HMAC secrets, PEM public keys and certificates, JWKs and JWK Sets.
//!
//! Every rule about which key may verify which algorithm lives here and runs in the
//! constructor, never per token: a key of the wrong family is refused (so a public
//! key can never be used as an HMAC secret), short HMAC secrets and small RSA keys
//! are refused, and an EC key serves only its own curve's algorithm.

use serde_json::Value;

use crate::alg::{Algorithm, Family};
use crate::error::{Error, Result};

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

mod detect;
mod secret;
mod jwk;
mod pem;
mod roca;
mod set;
mod sign;
mod verify;

pub use detect::looks_like_asymmetric_key;
pub use secret::HmacKey;
pub use set::KeyStore;
pub use sign::SignKey;
pub use verify::VerifyKey;

/// Raw key material as a caller passes it.
pub enum KeyInput<'a> {
    /// An HMAC secret or a PEM text (public key, certificate, or private key for signing).
    Bytes(&'a [u8]),
    /// One JWK, parsed JSON.
    Jwk(&'a Value),
}

/// What kind of key a PEM or JWK holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeyKind {
    Rsa,
    Ec(&'static str),
    /// Ed25519 or Ed448.
    Okp(&'static str),
    Oct,
}

impl KeyKind {
    pub(crate) fn family(self) -> Family {
        match self {
            KeyKind::Rsa => Family::Rsa,
            KeyKind::Ec(_) => Family::Ec,
            KeyKind::Okp(_) => Family::EdDsa,
            KeyKind::Oct => Family::Hmac,
        }
    }

    pub(crate) fn describe(self) -> String {
        match self {
            KeyKind::Rsa => "an RSA key".into(),
            KeyKind::Ec(crv) => format!("an EC {crv} key"),
            KeyKind::Okp(crv) => format!("an {crv} key"),
            KeyKind::Oct => "a symmetric (oct) key".into(),
        }
    }

    pub(crate) fn serves(self, alg: Algorithm) -> bool {
        match self {
            KeyKind::Ec(crv) => alg.curve() == Some(crv),
            // RFC 9864: the fully-specified Ed25519 serves Ed25519 keys only; EdDSA both curves.
            KeyKind::Okp(crv) => alg == Algorithm::EdDSA || (alg == Algorithm::Ed25519 && crv == "Ed25519"),
            _ => self.family() == alg.family(),
        }
    }
}

pub(crate) fn check_kind(kind: KeyKind, algorithms: &[Algorithm]) -> Result<()> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_serve_their_own_algorithms() {
        assert!(KeyKind::Ec("P-256").serves(Algorithm::ES256) && !KeyKind::Ec("P-256").serves(Algorithm::ES384));
        assert!(KeyKind::Okp("Ed448").serves(Algorithm::EdDSA) && !KeyKind::Okp("Ed448").serves(Algorithm::Ed25519));
        assert!(KeyKind::Okp("Ed25519").serves(Algorithm::Ed25519));
        assert!(check_kind(KeyKind::Rsa, &[Algorithm::RS256, Algorithm::PS512]).is_ok());
        let e = check_kind(KeyKind::Rsa, &[Algorithm::HS256]).unwrap_err();
        assert!(e.message.contains("never be an HMAC secret"), "{}", e.message);
    }
}
