//! The check: whether a verified token's ids are refused by the list now.

use std::sync::atomic::Ordering;

use super::{IdKeys, RevocationList, TokenIds};
use crate::error::{Error, ErrorCode, Result};

pub fn revoked_error(by_subject: bool) -> Error {
    Error::new(
        ErrorCode::TokenRevoked,
        if by_subject {
            "the token was revoked: its subject's tokens issued before a sign-out or ban are refused"
        } else {
            "the token was revoked (its jti is on the revocation list)"
        },
    )
}

/// The check of a verified token.
impl RevocationList {
    /// Ok when the token is not revoked; ERR_TOKEN_REVOKED when it is. Entries past their
    /// lifetime are not consulted (they are dropped by `prune`); a token entry past its
    /// exp cannot matter, as the token itself is then expired.
    ///
    /// A subject entry refuses a token whose time is earlier than its `before`, and one
    /// whose time is later than `now` plus the list's clock tolerance (a token from the
    /// future cannot be ordered against the revocation: issuer skew or a forged iat, R02).
    /// The time is the `iat` of a JWT, the `auth_time` of an Auth.js session; a token
    /// without it is refused. One tolerance, the list's, for every path: a socket admitted
    /// by a verifier is not closed by a re-check of the same claims.
    pub fn check(&self, ids: &TokenIds, now: f64) -> Result<()> {
        self.check_ids(ids.jti.as_deref(), ids.sub.as_deref(), if ids.session { ids.auth_time } else { ids.iat }, now)
    }

    /// `check` of a verified JWT's ids (its time is its iat).
    pub fn check_keys(&self, ids: &IdKeys<'_>, now: f64) -> Result<()> {
        self.check_ids(ids.jti.as_deref(), ids.sub.as_deref(), ids.iat, now)
    }

    /// `check` of a jti and a sub (keys), `time` being the token's iat or auth_time: one
    /// read lock, one hash and one probe per id looked up; a table with no entry is not
    /// looked at.
    fn check_ids(&self, jti: Option<&str>, sub: Option<&str>, time: Option<f64>, now: f64) -> Result<()> {
        if self.refuse_all.load(Ordering::Acquire) {
            return Err(Error::new(
                ErrorCode::RevocationStale,
                "the revocation list has lost its sync for longer than maxStaleness (onStale: 'refuse'); tokens are refused until it resyncs",
            ));
        }
        if self.empty.load(Ordering::Acquire) {
            return Ok(());
        }
        let e = self.read();
        if let Some(jti) = jti {
            if e.tokens.get(jti).is_some_and(|exp| exp > now) {
                return Err(revoked_error(false));
            }
        }
        if let Some(before) = sub.and_then(|sub| e.subjects.get(sub)) {
            drop(e);
            let live = before + self.subject_ttl > now;
            // No time: issued before any revocation of its subject.
            if live && time.is_none_or(|t| t < before || t > now + self.clock_tolerance) {
                return Err(revoked_error(true));
            }
        }
        Ok(())
    }

    pub fn is_revoked(&self, ids: &TokenIds, now: f64) -> bool {
        self.check(ids, now).is_err()
    }
}

