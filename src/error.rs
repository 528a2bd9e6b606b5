//! One error type for every failure, with a stable code (the table in README.md).
//!
//! Messages say what went wrong and never contain a token, a key or a secret.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    InvalidOptions,
    InvalidKey,
    TokenMalformed,
    TokenTooLarge,
    TokenWrongKind,
    TokenMissing,
    JwsAlgNotAllowed,
    JwsSignatureInvalid,
    JwksNoMatchingKey,
    JwtExpired,
    JwtNotActive,
    JwtClaimInvalid,
    JwtClaimMissing,
    JweUnsupported,
    JweNoMatchingSecret,
    JweDecryptionFailed,
    Internal,
    JwksFetchFailed,
    JwksTimeout,
    JwksTooLarge,
    JwksInvalid,
    JwksNotReady,
    JwksKidUnknown,
    JwksStale,
    DiscoveryFailed,
    DiscoveryIssuerMismatch,
    TokenRevoked,
    RevocationStale,
    OriginNotAllowed,
    SessionLookupRequired,
}

impl ErrorCode {
    pub const ALL: [ErrorCode; 30] = [
        ErrorCode::InvalidOptions,
        ErrorCode::InvalidKey,
        ErrorCode::TokenMalformed,
        ErrorCode::TokenTooLarge,
        ErrorCode::TokenWrongKind,
        ErrorCode::TokenMissing,
        ErrorCode::JwsAlgNotAllowed,
        ErrorCode::JwsSignatureInvalid,
        ErrorCode::JwksNoMatchingKey,
        ErrorCode::JwtExpired,
        ErrorCode::JwtNotActive,
        ErrorCode::JwtClaimInvalid,
        ErrorCode::JwtClaimMissing,
        ErrorCode::JweUnsupported,
        ErrorCode::JweNoMatchingSecret,
        ErrorCode::JweDecryptionFailed,
        ErrorCode::Internal,
        ErrorCode::TokenRevoked,
        ErrorCode::RevocationStale,
        ErrorCode::OriginNotAllowed,
        ErrorCode::SessionLookupRequired,
        ErrorCode::JwksFetchFailed,
        ErrorCode::JwksTimeout,
        ErrorCode::JwksTooLarge,
        ErrorCode::JwksInvalid,
        ErrorCode::JwksNotReady,
        ErrorCode::JwksKidUnknown,
        ErrorCode::JwksStale,
        ErrorCode::DiscoveryFailed,
        ErrorCode::DiscoveryIssuerMismatch,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidOptions => "ERR_INVALID_OPTIONS",
            ErrorCode::InvalidKey => "ERR_INVALID_KEY",
            ErrorCode::TokenMalformed => "ERR_TOKEN_MALFORMED",
            ErrorCode::TokenTooLarge => "ERR_TOKEN_TOO_LARGE",
            ErrorCode::TokenWrongKind => "ERR_TOKEN_WRONG_KIND",
            ErrorCode::TokenMissing => "ERR_TOKEN_MISSING",
            ErrorCode::JwsAlgNotAllowed => "ERR_JWS_ALG_NOT_ALLOWED",
            ErrorCode::JwsSignatureInvalid => "ERR_JWS_SIGNATURE_INVALID",
            ErrorCode::JwksNoMatchingKey => "ERR_JWKS_NO_MATCHING_KEY",
            ErrorCode::JwtExpired => "ERR_JWT_EXPIRED",
            ErrorCode::JwtNotActive => "ERR_JWT_NOT_ACTIVE",
            ErrorCode::JwtClaimInvalid => "ERR_JWT_CLAIM_INVALID",
            ErrorCode::JwtClaimMissing => "ERR_JWT_CLAIM_MISSING",
            ErrorCode::JweUnsupported => "ERR_JWE_UNSUPPORTED",
            ErrorCode::JweNoMatchingSecret => "ERR_JWE_NO_MATCHING_SECRET",
            ErrorCode::JweDecryptionFailed => "ERR_JWE_DECRYPTION_FAILED",
            ErrorCode::Internal => "ERR_INTERNAL",
            ErrorCode::TokenRevoked => "ERR_TOKEN_REVOKED",
            ErrorCode::RevocationStale => "ERR_REVOCATION_STALE",
            ErrorCode::OriginNotAllowed => "ERR_ORIGIN_NOT_ALLOWED",
            ErrorCode::SessionLookupRequired => "ERR_SESSION_LOOKUP_REQUIRED",
            ErrorCode::JwksFetchFailed => "ERR_JWKS_FETCH_FAILED",
            ErrorCode::JwksTimeout => "ERR_JWKS_TIMEOUT",
            ErrorCode::JwksTooLarge => "ERR_JWKS_TOO_LARGE",
            ErrorCode::JwksInvalid => "ERR_JWKS_INVALID",
            ErrorCode::JwksNotReady => "ERR_JWKS_NOT_READY",
            ErrorCode::JwksKidUnknown => "ERR_JWKS_KID_UNKNOWN",
            ErrorCode::JwksStale => "ERR_JWKS_STALE",
            ErrorCode::DiscoveryFailed => "ERR_DISCOVERY_FAILED",
            ErrorCode::DiscoveryIssuerMismatch => "ERR_DISCOVERY_ISSUER_MISMATCH",
        }
    }
}

impl ErrorCode {
    /// True for failures that a retry after a short wait can cure (the key set was being
    /// refreshed): the JS error carries `retryable: true`.
    pub fn retryable(self) -> bool {
        matches!(self, ErrorCode::JwksKidUnknown | ErrorCode::JwksNotReady)
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A failure: a stable `code`, a human message, and for claim errors the claim's name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub code: ErrorCode,
    pub message: String,
    pub claim: Option<String>,
}

pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Error { code, message: message.into(), claim: None }
    }

    pub fn claim(code: ErrorCode, claim: &str, message: impl Into<String>) -> Self {
        Error { code, message: message.into(), claim: Some(claim.to_string()) }
    }

    pub fn options(message: impl Into<String>) -> Self {
        Error::new(ErrorCode::InvalidOptions, message)
    }

    pub fn key(message: impl Into<String>) -> Self {
        Error::new(ErrorCode::InvalidKey, message)
    }

    pub fn malformed(message: impl Into<String>) -> Self {
        Error::new(ErrorCode::TokenMalformed, message)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::ErrorCode;

    /// Every code is typed for users (index.d.ts comes from src/node/header.d.ts) and
    /// documented in the README's error table.
    #[test]
    fn every_code_is_typed_and_documented() {
        let dts = include_str!("node/header.d.ts");
        let readme = include_str!("../README.md");
        for code in ErrorCode::ALL {
            let name = code.as_str();
            assert!(dts.contains(&format!("'{name}'")), "{name} missing from header.d.ts");
            assert!(readme.contains(&format!("| `{name}` |")), "{name} missing from the README error table");
        }
    }
}
