//! The id rule: which claim values (and arguments) are revocation ids, and the key each is
//! looked up by; the ids of a verified token as the check reads them.

use std::borrow::Cow;

use super::MAX_ID_LENGTH;
use crate::error::{Error, ErrorCode, Result};

/// The identifying claims of a verified token, as the check reads them (ids already
/// turned into their keys by the id rule, see `claim_key`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TokenIds {
    pub jti: Option<Box<str>>,
    pub sub: Option<Box<str>>,
    pub iat: Option<f64>,
    /// The sign-in time (OIDC `auth_time`), read for Auth.js sessions.
    pub auth_time: Option<f64>,
    /// An Auth.js session: a revoked subject is ordered by `auth_time` (kept when the front
    /// end re-encodes the cookie), not by `iat` (fresh on every re-encode), and a session
    /// without `auth_time` is refused while its subject's entry lives.
    pub session: bool,
}

/// The largest integer a JavaScript number holds exactly (Number.MAX_SAFE_INTEGER).
pub const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;

/// A claim (or argument) value seen as a revocation id.
#[derive(Debug, Clone, PartialEq)]
pub enum IdKey<'a> {
    /// No id: the claim is absent, or an empty string (no entry can have an empty id).
    Absent,
    /// The key the list is indexed by.
    Key(std::borrow::Cow<'a, str>),
    /// A value that cannot be an id: refused whenever a list is consulted.
    Invalid,
}

impl IdKey<'_> {
    pub fn into_owned(self) -> IdKey<'static> {
        match self {
            IdKey::Absent => IdKey::Absent,
            IdKey::Key(k) => IdKey::Key(std::borrow::Cow::Owned(k.into_owned())),
            IdKey::Invalid => IdKey::Invalid,
        }
    }
}

/// The id rule (one rule for every path: tokens' claims, the revoke methods, and the
/// exported `revocationKeyOf`): a string of 1 to 1024 bytes is its own key; an integer
/// number with |n| <= 2^53-1 is keyed by its decimal text (`1` and `'1'` are one id, `-0`
/// is `'0'`); an empty string is no id; any other value (another number, a longer string,
/// null, a boolean, an object, an array) is `Invalid`.
pub fn number_key(n: f64) -> IdKey<'static> {
    if n.is_finite() && n.fract() == 0.0 && n.abs() <= MAX_SAFE_INTEGER {
        IdKey::Key(std::borrow::Cow::Owned(format!("{}", n as i64)))
    } else {
        IdKey::Invalid
    }
}

/// The id rule for a string (see `number_key`).
pub fn string_key(s: &str) -> IdKey<'_> {
    if s.is_empty() {
        IdKey::Absent
    } else if s.len() > MAX_ID_LENGTH {
        IdKey::Invalid
    } else {
        IdKey::Key(std::borrow::Cow::Borrowed(s))
    }
}

/// The id rule for a JSON claim value (see `number_key`). Integers are read exactly: a
/// JSON integer beyond 2^53-1 is invalid, as JavaScript could not hold it either.
pub fn value_key(v: Option<&serde_json::Value>) -> IdKey<'_> {
    use serde_json::Value;
    match v {
        None => IdKey::Absent,
        Some(Value::String(s)) => string_key(s),
        Some(Value::Number(n)) => {
            if let Some(i) = n.as_i64() {
                if i.unsigned_abs() <= MAX_SAFE_INTEGER as u64 {
                    return IdKey::Key(std::borrow::Cow::Owned(i.to_string()));
                }
                IdKey::Invalid
            } else if n.is_u64() {
                IdKey::Invalid
            } else {
                n.as_f64().map_or(IdKey::Invalid, number_key)
            }
        }
        Some(_) => IdKey::Invalid,
    }
}

/// A claim's key, or ERR_JWT_CLAIM_INVALID naming the claim when it cannot be an id.
pub fn claim_key(v: Option<&serde_json::Value>, name: &str) -> Result<Option<Box<str>>> {
    match value_key(v) {
        IdKey::Absent => Ok(None),
        IdKey::Key(k) => Ok(Some(k.into())),
        IdKey::Invalid => Err(invalid_id_claim(name)),
    }
}

/// The error for a jti or sub claim that cannot be matched against the list.
pub fn invalid_id_claim(name: &str) -> Error {
    Error::claim(
        ErrorCode::JwtClaimInvalid,
        name,
        format!("the {name} claim cannot be checked against the revocation list: it must be a string of at most {MAX_ID_LENGTH} bytes or an integer of at most 2^53-1"),
    )
}

/// A claim's key from a member read for it (`json::members_raw`): a string without escapes
/// is borrowed from the claims' text, any other value is built as `json::members` builds it
/// (escapes undone, numbers read exactly) and keyed by the id rule, as `claim_key`.
pub fn member_key<'a>(member: Option<crate::json::Member<'a>>, name: &str) -> Result<Option<Cow<'a, str>>> {
    match member {
        None => Ok(None),
        Some(m) => match plain_key(&m) {
            Some(s) => Ok(Some(Cow::Borrowed(s))),
            None => built_member_key(m, name),
        },
    }
}

/// The common case of `member_key`: a plain string of 1 to 1024 bytes is its own key.
#[inline(always)]
fn plain_key<'a>(member: &crate::json::Member<'a>) -> Option<&'a str> {
    member.plain_str().filter(|s| !s.is_empty() && s.len() <= MAX_ID_LENGTH)
}

/// `member_key` of any other member: its value built, then keyed by the id rule.
#[inline(never)]
fn built_member_key<'a>(member: crate::json::Member<'a>, name: &str) -> Result<Option<Cow<'a, str>>> {
    let key = match member.plain_str() {
        Some(s) => string_key(s),
        None => match member.into_value() {
            // A string value is kept as it is, without a copy.
            Some(serde_json::Value::String(s)) => match string_key(&s) {
                IdKey::Key(_) => IdKey::Key(Cow::Owned(s)),
                other => other.into_owned(),
            },
            Some(other) => value_key(Some(&other)).into_owned(),
            // Not reached (the scanner checked the text); refused rather than let through.
            None => IdKey::Invalid,
        },
    };
    match key {
        IdKey::Absent => Ok(None),
        IdKey::Key(k) => Ok(Some(k)),
        IdKey::Invalid => Err(invalid_id_claim(name)),
    }
}

/// The revocation ids of a verified token, borrowed from its claims' text where they can be
/// (keys by the id rule, as in `TokenIds`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct IdKeys<'a> {
    pub jti: Option<Cow<'a, str>>,
    pub sub: Option<Cow<'a, str>>,
    pub iat: Option<f64>,
}

impl<'a> IdKeys<'a> {
    /// From the jti and sub members (`member_key`); one that cannot be an id is
    /// ERR_JWT_CLAIM_INVALID.
    #[inline(always)]
    pub fn from_members(jti: Option<crate::json::Member<'a>>, sub: Option<crate::json::Member<'a>>, iat: Option<f64>) -> Result<IdKeys<'a>> {
        // The common case (each absent or a plain string) without a Result per id.
        let plain = |m: &Option<crate::json::Member<'a>>| match m {
            None => Some(None),
            Some(m) => plain_key(m).map(|s| Some(Cow::Borrowed(s))),
        };
        if let (Some(j), Some(s)) = (plain(&jti), plain(&sub)) {
            return Ok(IdKeys { jti: j, sub: s, iat });
        }
        Ok(IdKeys { jti: member_key(jti, "jti")?, sub: member_key(sub, "sub")?, iat })
    }

    /// The ids kept (for the verified-token cache).
    pub fn into_owned(self) -> TokenIds {
        let own = |k: Option<Cow<'_, str>>| k.map(|k| k.into_owned().into_boxed_str());
        TokenIds { jti: own(self.jti), sub: own(self.sub), iat: self.iat, auth_time: None, session: false }
    }
}

impl TokenIds {
    /// From claim values, by the id rule (`value_key`); a jti or sub that cannot be an id
    /// is ERR_JWT_CLAIM_INVALID.
    pub fn from_values(jti: Option<&serde_json::Value>, sub: Option<&serde_json::Value>, iat: Option<f64>) -> Result<TokenIds> {
        Ok(TokenIds { jti: claim_key(jti, "jti")?, sub: claim_key(sub, "sub")?, iat, auth_time: None, session: false })
    }
}
