//! A session the app looked up for a session token (`lookupSession`: Better Auth's secondary
//! storage or its database), checked as a cookie cache's payload is.

use serde::Deserialize;
use serde_json::value::RawValue;

use super::{BetterAuthCache, BetterAuthSession, Strategy};
use crate::error::{Error, ErrorCode, Result};

impl BetterAuthSession {
    /// A session the app looked up (`lookupSession`, Better Auth's secondary storage or its
    /// database): `{ session, user }` as JSON (dates as ISO strings, as JSON.stringify writes
    /// a Date), checked as a cookie cache's payload is (the members better-auth requires,
    /// the session's `expiresAt` in the future) and belonging to `token` when given.
    /// `until` (seconds) caps its expiry as a cache's would: when the lookup is to be asked again.
    pub fn from_lookup(&self, json: &[u8], token: Option<&str>, until: Option<f64>, now: f64) -> Result<BetterAuthCache> {
        #[derive(Deserialize)]
        struct Found<'a> {
            #[serde(borrow)]
            session: Option<&'a RawValue>,
            #[serde(borrow)]
            user: Option<&'a RawValue>,
        }
        if json.len() > self.limits.max_len {
            return Err(Error::new(ErrorCode::TokenTooLarge, format!("the looked-up session is {} bytes, over the limit of {}", json.len(), self.limits.max_len)));
        }
        let text = std::str::from_utf8(json).map_err(|_| Error::malformed("the looked-up session is not UTF-8 JSON"))?;
        let f: Found = serde_json::from_str(text).map_err(|_| Error::malformed("the looked-up session is not { session, user } JSON"))?;
        let (Some(session), Some(user)) = (f.session, f.user) else {
            return Err(Error::malformed("the looked-up session is not { session, user } (a member is missing)"));
        };
        let mut payload = Vec::with_capacity(json.len() + 64);
        payload.extend_from_slice(b"{\"session\":");
        payload.extend_from_slice(session.get().as_bytes());
        payload.extend_from_slice(b",\"user\":");
        payload.extend_from_slice(user.get().as_bytes());
        payload.extend_from_slice(b",\"updatedAt\":0,\"version\":");
        payload.extend_from_slice(serde_json::to_string(&self.version).unwrap_or_default().as_bytes());
        payload.push(b'}');
        let cache = self.payload(&payload, Strategy::Lookup, Some(until.unwrap_or(f64::INFINITY)), now, 0.0)?;
        if let Some(t) = token {
            if cache.token != t {
                return Err(Error::new(ErrorCode::JwtClaimInvalid, "the looked-up session belongs to another session token than the one sent"));
            }
        }
        Ok(cache)
    }
}
