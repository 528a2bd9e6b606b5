//! The 14 JWS algorithms and the key family each belongs to. `none` is not one of them.
//! `Ed25519` is the fully-specified name of EdDSA over Ed25519 (RFC 9864): same key
//! family as `EdDSA`, pinned separately.

use crate::error::{Error, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Algorithm {
    HS256,
    HS384,
    HS512,
    RS256,
    RS384,
    RS512,
    PS256,
    PS384,
    PS512,
    ES256,
    ES384,
    ES512,
    EdDSA,
    Ed25519,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    Hmac,
    Rsa,
    Ec,
    EdDsa,
}

impl Family {
    pub fn name(self) -> &'static str {
        match self {
            Family::Hmac => "HMAC (HS*)",
            Family::Rsa => "RSA (RS*/PS*)",
            Family::Ec => "EC (ES*)",
            Family::EdDsa => "EdDSA",
        }
    }
}

impl Algorithm {
    pub const ALL: [Algorithm; 14] = [
        Algorithm::HS256,
        Algorithm::HS384,
        Algorithm::HS512,
        Algorithm::RS256,
        Algorithm::RS384,
        Algorithm::RS512,
        Algorithm::PS256,
        Algorithm::PS384,
        Algorithm::PS512,
        Algorithm::ES256,
        Algorithm::ES384,
        Algorithm::ES512,
        Algorithm::EdDSA,
        Algorithm::Ed25519,
    ];

    /// Exact, case-sensitive match of a header or option value (RFC 7515 4.1.1).
    pub fn from_name(name: &str) -> Option<Algorithm> {
        Algorithm::ALL.iter().copied().find(|a| a.name() == name)
    }

    pub fn name(self) -> &'static str {
        match self {
            Algorithm::HS256 => "HS256",
            Algorithm::HS384 => "HS384",
            Algorithm::HS512 => "HS512",
            Algorithm::RS256 => "RS256",
            Algorithm::RS384 => "RS384",
            Algorithm::RS512 => "RS512",
            Algorithm::PS256 => "PS256",
            Algorithm::PS384 => "PS384",
            Algorithm::PS512 => "PS512",
            Algorithm::ES256 => "ES256",
            Algorithm::ES384 => "ES384",
            Algorithm::ES512 => "ES512",
            Algorithm::EdDSA => "EdDSA",
            Algorithm::Ed25519 => "Ed25519",
        }
    }

    pub fn family(self) -> Family {
        use Algorithm::*;
        match self {
            HS256 | HS384 | HS512 => Family::Hmac,
            RS256 | RS384 | RS512 | PS256 | PS384 | PS512 => Family::Rsa,
            ES256 | ES384 | ES512 => Family::Ec,
            EdDSA | Ed25519 => Family::EdDsa,
        }
    }

    /// The hash output size in bytes: the minimum HMAC secret (RFC 7518 3.2).
    pub fn hash_len(self) -> usize {
        use Algorithm::*;
        match self {
            HS256 | RS256 | PS256 | ES256 => 32,
            HS384 | RS384 | PS384 | ES384 => 48,
            HS512 | RS512 | PS512 | ES512 | EdDSA | Ed25519 => 64,
        }
    }

    /// The JWK `crv` an ES algorithm requires (RFC 7518 3.4).
    pub fn curve(self) -> Option<&'static str> {
        match self {
            Algorithm::ES256 => Some("P-256"),
            Algorithm::ES384 => Some("P-384"),
            Algorithm::ES512 => Some("P-521"),
            _ => None,
        }
    }
}

/// Parses and checks an `algorithms` option: non-empty, known names, one family.
pub fn parse_algorithms<S: AsRef<str>>(names: &[S]) -> Result<Vec<Algorithm>> {
    if names.is_empty() {
        return Err(Error::options("algorithms must list at least one algorithm"));
    }
    let mut out: Vec<Algorithm> = Vec::with_capacity(names.len());
    for name in names {
        let name = name.as_ref();
        let alg = Algorithm::from_name(name).ok_or_else(|| {
            if name.eq_ignore_ascii_case("none") {
                Error::options("algorithm 'none' is never accepted")
            } else {
                let all: Vec<&str> = Algorithm::ALL.iter().map(|a| a.name()).collect();
                Error::options(format!("unknown algorithm '{}'; expected one of {}", crate::util::printable(name, 16), all.join(", ")))
            }
        })?;
        if !out.contains(&alg) {
            out.push(alg);
        }
    }
    let family = out[0].family();
    if let Some(other) = out.iter().find(|a| a.family() != family) {
        return Err(Error::options(format!(
            "algorithms must belong to one key family: {} is {} but {} is {}",
            out[0].name(),
            family.name(),
            other.name(),
            other.family().name()
        )));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;

    /// The hand-written `Algorithm` type of index.d.ts (src/node/header.d.ts) names
    /// exactly the algorithms of `Algorithm::ALL`, which JS reads through supportedAlgorithms().
    #[test]
    fn the_typescript_union_matches_the_list() {
        let dts = include_str!("node/header.d.ts");
        let start = dts.find("export type Algorithm =").unwrap();
        let end = start + dts[start..].find("\n\n").unwrap();
        let named: Vec<&str> = dts[start..end].split('\'').skip(1).step_by(2).collect();
        let all: Vec<&str> = Algorithm::ALL.iter().map(|a| a.name()).collect();
        assert_eq!(named, all);
    }

    #[test]
    fn one_family_only() {
        assert_eq!(parse_algorithms(&["HS256", "HS512"]).unwrap().len(), 2);
        assert_eq!(parse_algorithms(&["RS256", "PS256"]).unwrap().len(), 2);
        let e = parse_algorithms(&["HS256", "RS256"]).unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidOptions);
        assert!(e.message.contains("one key family"));
    }

    #[test]
    fn none_and_unknown_rejected() {
        for n in ["none", "None", "NONE", "hs256", "ES256K", ""] {
            assert_eq!(parse_algorithms(&[n]).unwrap_err().code, ErrorCode::InvalidOptions, "{n}");
        }
        assert_eq!(parse_algorithms::<&str>(&[]).unwrap_err().code, ErrorCode::InvalidOptions);
    }
}
