//! JWS compact verification (RFC 7515), algorithm-pinned: the header `alg` must be
//! one of the caller's algorithms, and the key for it was prepared beforehand.

use std::sync::Arc;

use serde_json::Value;

use crate::alg::Algorithm;
use crate::b64;
use crate::error::{Error, ErrorCode, Result};
use crate::key::KeyStore;
use crate::token::{self, Header, Parts};

pub const DEFAULT_MAX_TOKEN_LENGTH: usize = 16384;

/// The message given for a 5-part token handed to a JWS verifier.
pub const JWE_GIVEN_TO_JWS: &str = "the token has 5 parts: it is a JWE (encrypted), such as an Auth.js / NextAuth session cookie, not a signed JWS; decode it with AuthJsSession (or HandshakeAuthenticator with authjs options) instead of a JWS verifier";

/// A verified JWS: its protected header and payload bytes.
pub struct VerifiedJws {
    pub header: Arc<Header>,
    pub alg: Algorithm,
    pub payload: Vec<u8>,
}

/// Checks the header of a JWS against the pinned algorithms; returns the algorithm.
pub fn check_header(header: &Header, algorithms: &[Algorithm]) -> Result<Algorithm> {
    let alg_name = header.alg.as_deref().ok_or_else(|| Error::malformed("the header has no alg"))?;
    let alg = match Algorithm::from_name(alg_name) {
        Some(a) if algorithms.contains(&a) => a,
        _ => {
            let shown = if alg_name.eq_ignore_ascii_case("none") {
                "'none' (unsigned tokens are never accepted)".to_string()
            } else {
                format!("'{}'", crate::util::printable(alg_name, 16))
            };
            return Err(Error::new(
                ErrorCode::JwsAlgNotAllowed,
                format!(
                    "the token's alg {shown} is not one of the allowed algorithms ({})",
                    algorithms.iter().map(|a| a.name()).collect::<Vec<_>>().join(", ")
                ),
            ));
        }
    };
    if let Some(crit) = &header.crit {
        let names: Vec<&str> = crit.as_array().map(|a| a.iter().filter_map(Value::as_str).collect()).unwrap_or_default();
        let shown = names.first().map(|n| crate::util::printable(n, 24)).unwrap_or_default();
        return Err(Error::malformed(format!(
            "the header marks '{shown}' as critical (crit), an extension this verifier does not understand"
        )));
    }
    match &header.b64 {
        None | Some(Value::Bool(true)) => {}
        Some(_) => return Err(Error::malformed("unencoded payloads (b64: false, RFC 7797) are not accepted")),
    }
    Ok(alg)
}

/// Verifies a compact JWS with the prepared keys. No claim is looked at.
pub fn verify_compact(token: &str, algorithms: &[Algorithm], keys: &KeyStore, max_len: usize) -> Result<VerifiedJws> {
    verify_compact_cached(token, algorithms, keys, max_len, &token::HeaderCache::default())
}

/// As `verify_compact`, reusing the decoded header when the segment was seen last.
pub fn verify_compact_cached(token: &str, algorithms: &[Algorithm], keys: &KeyStore, max_len: usize, cache: &token::HeaderCache) -> Result<VerifiedJws> {
    let [h, p, s] = match token::split(token, max_len)? {
        Parts::Jws(parts) => parts,
        Parts::Jwe(_) => return Err(Error::new(ErrorCode::TokenWrongKind, JWE_GIVEN_TO_JWS)),
    };
    let header = cache.decode(h)?;
    let alg = check_header(&header, algorithms)?;
    // Signatures up to 512 bytes (RSA-4096) are decoded on the stack.
    let mut stack = [std::mem::MaybeUninit::<u8>::uninit(); 512];
    let signature = b64::decode_small(s.as_bytes(), &mut stack, "signature")?;
    // Decoded before the signature check so that a non-canonical payload encoding is
    // always malformed, whatever the key; its JSON is parsed only after verification.
    let payload = b64::decode(p.as_bytes(), "payload")?;
    let signing_input = &token.as_bytes()[..h.len() + 1 + p.len()];
    // A remote set is read once here: the whole verification uses one consistent set.
    let snapshot;
    let (keys, remote) = match keys {
        KeyStore::Remote(r) => {
            snapshot = r.snapshot()?;
            (&*snapshot, true)
        }
        other => (other, false),
    };
    let outcome = {
        let kid = header.kid.as_deref();
        let mut tried = 0usize;
        let mut ok = false;
        for key in keys.candidates(alg, kid) {
            tried += 1;
            if key.verify(alg, signing_input, &signature) {
                ok = true;
                break;
            }
        }
        if ok {
            Ok(())
        } else if tried == 0 && matches!(keys, KeyStore::Single(_)) {
            Err(Error::new(
                ErrorCode::JwsAlgNotAllowed,
                format!("the key's own alg (JWK) does not allow {}", alg.name()),
            ))
        } else if tried == 0 && remote && kid.is_none_or(|k| !keys.has_kid(k)) {
            let msg = match kid {
                Some(k) => format!("no key in the remote JWK Set has kid '{}' yet; a refresh was started: retry shortly (verifyAsync waits for it)", crate::util::printable(k, 40)),
                None => format!("no key in the remote JWK Set serves {} yet; a refresh was started: retry shortly (verifyAsync waits for it)", alg.name()),
            };
            Err(Error::new(ErrorCode::JwksKidUnknown, msg))
        } else if tried == 0 {
            let msg = match kid {
                Some(k) => format!("no key in the JWK Set has kid '{}' and serves {}", crate::util::printable(k, 40), alg.name()),
                None => format!("no key in the JWK Set serves {}", alg.name()),
            };
            Err(Error::new(ErrorCode::JwksNoMatchingKey, msg))
        } else {
            Err(Error::new(ErrorCode::JwsSignatureInvalid, "the signature does not match"))
        }
    };
    outcome.map(|()| VerifiedJws { header, alg, payload })
}
