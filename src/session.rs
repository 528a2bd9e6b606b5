//! What the two session decoders (src/authjs, src/betterauth) share around their one JWE
//! construction (src/dirjwe.rs): the size limit, the clock tolerance option, the revocation
//! list, and the checks both run once a session is decrypted (its times, its ids against
//! the list).

use std::sync::Arc;

use serde_json::Value;

use crate::error::Result;
use crate::jwt::claims::{times_ok, Times};
use crate::revocation::{RevocationList, TokenIds};

/// `maxTokenLength` when not given: the longest session (cookie value, chunks joined) read.
pub const DEFAULT_MAX_LENGTH: usize = 65536;

/// A session decoder's limits, checked once in its constructor.
#[derive(Default)]
pub struct SessionLimits {
    /// `maxTokenLength`, in bytes.
    pub max_len: usize,
    /// `clockTolerance`, in seconds; None: the decoder's own default (`tolerance_or`).
    pub tolerance: Option<f64>,
    /// Refuse revoked sessions (ERR_TOKEN_REVOKED), checked after decryption.
    pub revocation: Option<Arc<RevocationList>>,
}

impl SessionLimits {
    /// The `clockTolerance` and `maxTokenLength` options, checked; no revocation list yet.
    pub fn new(clock_tolerance: Option<f64>, max_token_length: Option<f64>) -> Result<SessionLimits> {
        let tolerance = crate::options::seconds_option("clockTolerance", clock_tolerance)?;
        let max_len = crate::options::length_option("maxTokenLength", max_token_length, DEFAULT_MAX_LENGTH)?;
        Ok(SessionLimits { max_len, tolerance, revocation: None })
    }

    /// The tolerance option, else the decoder's `default`.
    #[inline]
    pub fn tolerance_or(&self, default: f64) -> f64 {
        self.tolerance.unwrap_or(default)
    }

    /// The revocation list when one is set and has something to refuse.
    #[inline]
    pub fn consulted(&self) -> Option<&Arc<RevocationList>> {
        self.revocation.as_ref().filter(|l| l.consulted())
    }

    /// ERR_TOKEN_REVOKED (or the list's own refusal) when the list, when set, refuses `ids`.
    pub fn check_revoked(&self, ids: &TokenIds, now: f64) -> Result<()> {
        match &self.revocation {
            Some(list) => list.check(ids, now),
            None => Ok(()),
        }
    }
}

/// A decrypted session's `exp` / `nbf` / `iat`, read and checked against `now` with
/// `tolerance` (as jose checks them).
pub fn checked_times(exp: Option<&Value>, nbf: Option<&Value>, iat: Option<&Value>, now: f64, tolerance: f64) -> Result<Times> {
    let times = Times::from_values(exp, nbf, iat)?;
    times_ok(&times, now, tolerance)?;
    Ok(times)
}

/// What both session decoders answer about their limits (one home for the accessors).
pub trait SessionDecoder {
    fn limits(&self) -> &SessionLimits;
    fn limits_mut(&mut self) -> &mut SessionLimits;

    /// The longest session value read, in bytes (`maxTokenLength`).
    fn max_token_length(&self) -> usize {
        self.limits().max_len
    }

    /// Refuse revoked sessions (ERR_TOKEN_REVOKED), checked after decryption: an Auth.js
    /// session by its jti / sub / iat; a Better Auth session by its session id (the list's
    /// token ids: `revokeToken(session.id, expiresAt)`) and by user id (its subjects:
    /// sessions created before the revocation).
    fn set_revocation(&mut self, list: Option<Arc<RevocationList>>) {
        self.limits_mut().revocation = list;
    }

    fn revocation(&self) -> Option<&Arc<RevocationList>> {
        self.limits().revocation.as_ref()
    }
}
