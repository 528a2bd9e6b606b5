//! What a decoded session hands on: its claims (shaped as Auth.js's), once the revocation
//! list has passed it.

use serde_json::Value;

use super::members::{fields, Scalar, USER};
use super::{BetterAuthCache, BetterAuthSession};
use crate::error::{Error, Result};

impl BetterAuthSession {
    /// The claims of a decoded session, as authenticators hand them on, once the
    /// revocation list (when set) has passed it: `{ sub: user.id, sid: session.id,
    /// jti: session.id, name, email, picture, iat: session.createdAt, exp, user, session }`
    /// (seconds; `session` without its `token`; see `claims_json`).
    pub fn claims(&self, cache: BetterAuthCache, now: f64) -> Result<crate::token::Claims> {
        self.check_revoked(&cache, now)?;
        let session = std::str::from_utf8(&cache.json[cache.session_at.clone()]).map_err(|_| Error::malformed("the session is not UTF-8"))?;
        let user = std::str::from_utf8(&cache.json[cache.user_at.clone()]).map_err(|_| Error::malformed("the user is not UTF-8"))?;
        // Read (and checked) by `payload` already.
        let members: Vec<Option<Value>> = fields(user, &USER)
            .map_err(|_| Error::malformed("the cookie cache's user is not a JSON object"))?
            .into_iter()
            .map(|v| match v {
                Scalar::Str(s) => Some(Value::String(s.into_owned())),
                Scalar::Null => Some(Value::Null),
                Scalar::Bool(b) => Some(Value::Bool(b)),
                Scalar::Absent | Scalar::Other => None,
            })
            .collect();
        Ok(crate::token::Claims { json: claims_json(session, user, &members, cache.issued_at, cache.exp)? })
    }

    /// `from_cookie_header`'s session once the revocation list (when set) has passed it.
    pub fn checked(&self, cache: Option<BetterAuthCache>, now: f64) -> Result<Option<BetterAuthCache>> {
        if let Some(c) = &cache {
            self.check_revoked(c, now)?;
        }
        Ok(cache)
    }

    /// ERR_TOKEN_REVOKED when the revocation list (when set) refuses the session: by session
    /// id, or by user id for sessions created before the user's revocation.
    pub fn check_revoked(&self, cache: &BetterAuthCache, now: f64) -> Result<()> {
        if self.limits.revocation.is_none() {
            return Ok(());
        }
        let ids = crate::revocation::TokenIds {
            jti: Some(cache.session_id.as_str().into()),
            sub: Some(cache.user_id.as_str().into()),
            // session.createdAt: a refreshed cookie cache keeps it (unlike an Auth.js
            // session's iat), so a revoked user's older sessions stay ordered before it.
            iat: cache.issued_at,
            ..Default::default()
        };
        self.limits.check_revoked(&ids, now)
    }
}

/// The claims of a session, shaped so that guards read them as Auth.js's: `sub` (user.id),
/// `name`, `email`, `picture` (user.image, when set), `sid` and `jti` (session.id: what
/// revocation by session and the connection watch key on), `iat` (session.createdAt, when
/// given: revocation by subject compares it), `exp` (seconds: the earlier of the cache's
/// and the session's expiry), then `user` as it came and `session` without its `token`
/// (the session's bearer credential is no claim: it would end up in logs).
/// `user` holds the members read by `payload` (id, email, name, ..., image at 5).
fn claims_json(session: &str, user_raw: &str, user: &[Option<Value>], iat: Option<f64>, exp: f64) -> Result<Vec<u8>> {
    let mut session: serde_json::Map<String, Value> =
        serde_json::from_str(session).map_err(|_| Error::malformed("the cookie cache's session is not a JSON object"))?;
    session.remove("token");
    let mut m = serde_json::Map::new();
    let put = |m: &mut serde_json::Map<String, Value>, k: &str, v: &Option<Value>| {
        if let Some(v) = v {
            m.insert(k.to_string(), v.clone());
        }
    };
    put(&mut m, "sub", &user[0]);
    put(&mut m, "name", &user[2]);
    put(&mut m, "email", &user[1]);
    if let Some(Value::String(_)) = &user[5] {
        put(&mut m, "picture", &user[5]);
    }
    let sid = session.get("id").cloned();
    put(&mut m, "sid", &sid);
    put(&mut m, "jti", &sid);
    let num = |v: f64| serde_json::Number::from_f64(v).map(Value::Number);
    put(&mut m, "iat", &iat.and_then(num));
    put(&mut m, "exp", &num(exp));
    let mut out = serde_json::to_vec(&Value::Object(m)).map_err(|_| Error::malformed("the session could not be serialized"))?;
    out.pop();
    out.extend_from_slice(b",\"user\":");
    out.extend_from_slice(user_raw.as_bytes());
    out.extend_from_slice(b",\"session\":");
    out.extend_from_slice(&serde_json::to_vec(&Value::Object(session)).unwrap_or_default());
    out.push(b'}');
    Ok(out)
}
