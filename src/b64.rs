//! Strict base64url (RFC 7515 section 2): no padding, no `+` or `/`, no whitespace,
//! and no non-zero trailing bits, so every byte string has exactly one encoding.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

use crate::error::{Error, Result};

pub fn decode(input: &[u8], what: &str) -> Result<Vec<u8>> {
    URL_SAFE_NO_PAD
        .decode(input)
        .map_err(|_| Error::malformed(format!("the {what} is not strict base64url")))
}

pub fn encode(input: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(input)
}
