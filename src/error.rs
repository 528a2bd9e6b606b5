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
    /// Every error is made here (or in `claim`): the message goes through
    /// `util::escape_invisible`, so text quoted from a token or a request (a `kid`, an
    /// `alg`, an Origin, a cookie name) never carries a control, a bidi override or another
    /// invisible character into a log line.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Error { code, message: clean(message.into()), claim: None }
    }

    pub fn claim(code: ErrorCode, claim: &str, message: impl Into<String>) -> Self {
        Error { code, message: clean(message.into()), claim: Some(crate::util::escape_invisible(claim).into_owned()) }
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

/// The message with its invisible characters escaped (no copy when there are none).
fn clean(message: String) -> String {
    match crate::util::escape_invisible(&message) {
        std::borrow::Cow::Borrowed(_) => message,
        std::borrow::Cow::Owned(escaped) => escaped,
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
    use super::{Error, ErrorCode};

    /// J15: whatever a message quotes, it leaves with no bidi control or other invisible
    /// character, however it was built.
    #[test]
    fn messages_never_carry_invisible_characters() {
        let hostile = "evil\u{202E}exe.txt\u{2066}\u{200F}\u{061C}\r\n\u{1B}[31m";
        for e in [
            Error::new(ErrorCode::JwksNoMatchingKey, format!("no key has kid '{hostile}'")),
            Error::claim(ErrorCode::JwtClaimInvalid, hostile, format!("bad {hostile}")),
            Error::options(hostile),
            Error::malformed(hostile),
            Error::key(hostile),
        ] {
            for m in [e.message.as_str(), &e.to_string(), e.claim.as_deref().unwrap_or("")] {
                assert!(!m.chars().any(crate::util::is_invisible), "{m:?}");
            }
            assert!(e.message.contains("evil\\u{202e}exe.txt\\u{2066}\\u{200f}\\u{61c}\\u{d}\\u{a}\\u{1b}[31m"), "{}", e.message);
        }
    }

    /// Each place that quotes a token's header value (alg, kid, crit; a JWE's alg and enc)
    /// or a request's value (Origin) shows the bidi override escaped.
    #[test]
    fn quoted_header_values_are_escaped() {
        use crate::alg::Algorithm;
        use base64::Engine as _;
        let header_of = |json: serde_json::Value| crate::token::Header::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json.to_string())).unwrap();
        let e = crate::jws::check_header(&header_of(serde_json::json!({ "alg": "HS256\u{202E}" })), &[Algorithm::HS256]).unwrap_err();
        assert_eq!(e.code, ErrorCode::JwsAlgNotAllowed);
        assert!(e.message.contains("'HS256\\u{202e}'") && !e.message.contains('\u{202E}'), "{}", e.message);
        let e = crate::jws::check_header(&header_of(serde_json::json!({ "alg": "HS256", "crit": ["\u{2067}x"] })), &[Algorithm::HS256]).unwrap_err();
        assert!(e.message.contains("'\\u{2067}x'"), "{}", e.message);
        let e = crate::origin::not_allowed("https://evil.example\u{202E}moc.elpmaxe.ipa");
        assert!(e.message.contains("evil.example\\u{202e}moc"), "{}", e.message);
    }

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
