//! Better Auth (better-auth 1.7) sessions, decoded synchronously with keys prepared once:
//! the cookie cache (`<prefix>.session_data`, chunked like Auth.js when large) in its three
//! strategies, and the signed session token (`<prefix>.session_token`).
//!
//! What better-auth 1.7.29 itself checks (dist/cookies/index.mjs `decodeCookieCache`,
//! dist/api/routes/session.mjs `getSession`, dist/crypto/jwt.mjs, better-call's
//! `getSignedCookie`), and what this module does:
//! - `compact`: base64url (no padding) of `{"session":S,"expiresAt":N,"signature":G}`, G =
//!   base64url HMAC-SHA256(current secret, `JSON.stringify({...S, expiresAt: N})`). The
//!   text signed is rebuilt from the cookie's exact bytes: `{` + the members of S as they
//!   stand in the cookie + `,"expiresAt":` + N as it stands + `}`. better-auth writes the
//!   cookie with the same JSON.stringify that produced the signed text, so for every
//!   cookie it writes these bytes ARE the signed text (no re-serialization here, hence no
//!   number-form or escape to get wrong). See `signed_text` for the two edge cases.
//! - `jwt`: HS256 JWS over the payload, key = the current secret's UTF-8 bytes (jose
//!   `jwtVerify`, no clock tolerance). Pinned to HS256, the only alg better-auth signs.
//! - `jwe`: the Auth.js construction with Better Auth's constants (src/dirjwe.rs), every
//!   secret version tried (kid first), 15 s tolerance as better-auth gives jose.
//! - the payload `{ session, user, updatedAt, version }` (zod schema in
//!   dist/cookies/cache.mjs): the members better-auth requires are checked; `version`
//!   (absent = "1") must equal the configured one; the cache's expiry and the session's own
//!   `expiresAt` must both be in the future.
//! - the session token cookie: `token + "." + base64(HMAC-SHA256(current secret, token))`,
//!   URL-encoded; the signature must be 44 characters ending in '=' (better-call).
//!
//! Only the `jwe` strategy tries every secret version: for `compact`, `jwt` and the
//! session token better-auth uses `ctx.context.secret`, the current secret alone (the
//! first of `secrets`, else `secret`), and so does this module.

use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::Value;

use crate::alg::Algorithm;
use crate::b64;
use crate::dirjwe::{self, DirJwe};
use crate::error::{Error, ErrorCode, Result};
use crate::key::{HmacKey, KeyStore, VerifyKey};

pub const DEFAULT_MAX_LENGTH: usize = 65536;
pub const DEFAULT_PREFIX: &str = "better-auth";
/// better-auth's fallback secret when none is configured (never a legacy secret).
const BETTER_AUTH_DEFAULT_SECRET: &str = "better-auth-secret-12345678901234567890";

/// The message for a signed JWS given where a Better Auth jwe cache was expected.
const JWS_GIVEN_TO_JWE: &str = "the value has 3 parts: it is a signed JWT (the 'jwt' cookie-cache strategy or an access token), not a 'jwe' cookie cache";

/// `session.cookieCache.strategy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strategy {
    Compact,
    Jwt,
    Jwe,
    /// Not a cookie cache: a session the app's `lookupSession` found (`from_lookup`).
    Lookup,
}

impl Strategy {
    pub fn name(self) -> &'static str {
        match self {
            Strategy::Compact => "compact",
            Strategy::Jwt => "jwt",
            Strategy::Jwe => "jwe",
            Strategy::Lookup => "lookup",
        }
    }

    pub fn from_name(s: &str) -> Option<Strategy> {
        match s {
            "compact" => Some(Strategy::Compact),
            "jwt" => Some(Strategy::Jwt),
            "jwe" => Some(Strategy::Jwe),
            _ => None,
        }
    }

    /// The clock tolerance better-auth's own check gives each strategy: jose with
    /// `clockTolerance: 15` for jwe, jose's default (none) for jwt, a plain comparison
    /// with `Date.now()` for compact.
    pub fn default_tolerance(self) -> f64 {
        match self {
            Strategy::Jwe => dirjwe::BETTER_AUTH.tolerance,
            Strategy::Jwt | Strategy::Compact | Strategy::Lookup => 0.0,
        }
    }

    /// The strategy a cookie value is written in, by its shape: one base64url segment
    /// (compact), 3 dot-separated parts (jwt) or 5 (jwe).
    pub fn detect(value: &str) -> Option<Strategy> {
        match value.bytes().filter(|b| *b == b'.').count() {
            0 => Some(Strategy::Compact),
            2 => Some(Strategy::Jwt),
            4 => Some(Strategy::Jwe),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct BetterAuthOptions {
    /// `secret` / BETTER_AUTH_SECRET: the only secret without `secrets`, the legacy one with.
    pub secret: Option<String>,
    /// `secrets` / BETTER_AUTH_SECRETS: (version, value), the first is current.
    pub secrets: Option<Vec<(u32, String)>>,
    /// `advanced.cookiePrefix`, default `better-auth`.
    pub cookie_prefix: Option<String>,
    /// `__Secure-` names (better-auth behind HTTPS).
    pub secure_cookie: bool,
    /// Pinned strategy; None detects it from the value.
    pub strategy: Option<String>,
    /// `session.cookieCache.version`, default "1".
    pub version: Option<String>,
    /// Seconds; default per strategy (`Strategy::default_tolerance`).
    pub clock_tolerance: Option<f64>,
    pub max_token_length: Option<f64>,
}

/// Parses BETTER_AUTH_SECRETS: "version:secret,version:secret", the first is current
/// (better-auth's parseSecretsEnv, with the version required to be plain digits).
pub fn parse_secrets(text: &str) -> Result<Vec<(u32, String)>> {
    text.split(',')
        .enumerate()
        .map(|(i, entry)| {
            let entry = entry.trim();
            let (v, s) = entry.split_once(':').ok_or_else(|| {
                Error::options(format!("secrets entry {} is not '<version>:<secret>' (BETTER_AUTH_SECRETS form)", i + 1))
            })?;
            let v = v.trim();
            let version: u32 = if !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) { v.parse().ok() } else { None }
                .ok_or_else(|| Error::options(format!("secrets entry {}: the version must be a non-negative integer", i + 1)))?;
            Ok((version, s.trim().to_string()))
        })
        .collect()
}

/// A decoded cookie cache.
#[derive(Debug, Clone)]
pub struct BetterAuthCache {
    /// `{"session":…,"user":…,"updatedAt":…,"version":…,"strategy":…,"cacheExpiresAt":ms,"expiresAt":ms}`:
    /// session and user as their exact JSON from the cookie; `expiresAt` is the earlier of
    /// the cache's expiry and the session's own `expiresAt` (milliseconds since the epoch).
    pub json: Vec<u8>,
    pub strategy: Strategy,
    /// The earlier of the two expiries, in seconds since the epoch.
    pub exp: f64,
    pub user_id: String,
    pub session_id: String,
    /// The session token the cache belongs to (`session.token`).
    pub token: String,
    /// When the session was created (`session.createdAt`), seconds since the epoch: the
    /// "issued at" of a revocation by subject.
    pub issued_at: Option<f64>,
    /// Where `session` and `user` stand in `json`: what `claims` builds the authenticators' claims from, only when they are asked for
    /// (`BetterAuthSession#decode` hands on `json` alone).
    session_at: std::ops::Range<usize>,
    user_at: std::ops::Range<usize>,
}

pub struct BetterAuthSession {
    strategy: Option<Strategy>,
    /// HMAC-SHA256 with the current secret: compact signatures and the session token.
    current: HmacKey,
    /// HS256 with the current secret: the jwt strategy.
    jwt_keys: KeyStore,
    /// Every secret version, then the legacy secret: the jwe strategy.
    jwe: DirJwe,
    headers: crate::token::HeaderCache,
    version: String,
    tolerance: Option<f64>,
    data_cookie: String,
    token_cookie: String,
    max_len: usize,
    /// Refuse revoked sessions (ERR_TOKEN_REVOKED) in `claims`.
    revocation: Option<std::sync::Arc<crate::revocation::RevocationList>>,
}

fn cookie_prefix(p: Option<String>) -> Result<String> {
    match p {
        None => Ok(DEFAULT_PREFIX.to_string()),
        // better-auth: `options.advanced?.cookiePrefix || "better-auth"`.
        Some(p) if p.is_empty() => Ok(DEFAULT_PREFIX.to_string()),
        Some(p) if p.contains([';', '=', ' ', ',']) => Err(Error::options("cookiePrefix must be usable in a cookie name")),
        Some(p) => Ok(p),
    }
}

impl BetterAuthSession {
    pub fn new(o: BetterAuthOptions) -> Result<BetterAuthSession> {
        let strategy = match o.strategy.as_deref() {
            None => None,
            Some(s) => Some(Strategy::from_name(s).ok_or_else(|| {
                Error::options(format!("strategy must be 'compact', 'jwt' or 'jwe', not '{}'", crate::util::printable(s, 12)))
            })?),
        };
        let legacy = o.secret.filter(|s| !s.is_empty());
        let (current, all) = match o.secrets {
            Some(list) => {
                if list.is_empty() {
                    return Err(Error::options("secrets must contain at least one entry"));
                }
                for (i, (v, s)) in list.iter().enumerate() {
                    if s.is_empty() {
                        return Err(Error::options(format!("secrets: the secret of version {v} is empty")));
                    }
                    if list[..i].iter().any(|(w, _)| w == v) {
                        return Err(Error::options(format!("secrets: version {v} appears twice")));
                    }
                }
                let mut all: Vec<String> = list.iter().map(|(_, s)| s.clone()).collect();
                if let Some(l) = &legacy {
                    if l != BETTER_AUTH_DEFAULT_SECRET && !all.contains(l) {
                        all.push(l.clone());
                    }
                }
                (list[0].1.clone(), all)
            }
            None => match legacy {
                Some(s) => (s.clone(), vec![s]),
                None => return Err(Error::options("secret is required (BETTER_AUTH_SECRET, or secrets: BETTER_AUTH_SECRETS)")),
            },
        };
        let tolerance = crate::options::seconds_option("clockTolerance", o.clock_tolerance)?;
        let max_len = crate::options::length_option("maxTokenLength", o.max_token_length, DEFAULT_MAX_LENGTH)?;
        let version = match o.version {
            None => "1".to_string(),
            Some(v) if v.is_empty() => return Err(Error::options("version must be a non-empty string (better-auth reads an empty version as '1')")),
            Some(v) => v,
        };
        let prefix = cookie_prefix(o.cookie_prefix)?;
        let hs = [Algorithm::HS256];
        Ok(BetterAuthSession {
            strategy,
            current: HmacKey::new(Algorithm::HS256, current.as_bytes())?,
            jwt_keys: KeyStore::Single(VerifyKey::from_bytes(current.as_bytes(), &hs, true)?),
            jwe: DirJwe::new(&dirjwe::BETTER_AUTH, &all, dirjwe::BETTER_AUTH_SALT, JWS_GIVEN_TO_JWE)?,
            headers: Default::default(),
            version,
            tolerance,
            data_cookie: dirjwe::cookie_name(&format!("{prefix}.session_data"), o.secure_cookie),
            token_cookie: dirjwe::cookie_name(&format!("{prefix}.session_token"), o.secure_cookie),
            max_len,
            revocation: None,
        })
    }

    /// The cookie-cache cookie name (`<prefix>.session_data`, `__Secure-` behind HTTPS).
    pub fn data_cookie_name(&self) -> &str {
        &self.data_cookie
    }

    /// The session token cookie name (`<prefix>.session_token`).
    pub fn token_cookie_name(&self) -> &str {
        &self.token_cookie
    }

    pub fn strategy(&self) -> Option<Strategy> {
        self.strategy
    }

    pub fn max_token_length(&self) -> usize {
        self.max_len
    }

    /// Refuse revoked sessions (ERR_TOKEN_REVOKED) in `claims`: by session id (the list's
    /// token ids: `revokeToken(session.id, expiresAt)`) and by user id (its subjects:
    /// sessions created before the revocation).
    pub fn set_revocation(&mut self, list: Option<std::sync::Arc<crate::revocation::RevocationList>>) {
        self.revocation = list;
    }

    pub fn revocation(&self) -> Option<&std::sync::Arc<crate::revocation::RevocationList>> {
        self.revocation.as_ref()
    }

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
        if let Some(list) = &self.revocation {
            let ids = crate::revocation::TokenIds {
                jti: Some(cache.session_id.as_str().into()),
                sub: Some(cache.user_id.as_str().into()),
                // session.createdAt: a refreshed cookie cache keeps it (unlike an Auth.js
                // session's iat), so a revoked user's older sessions stay ordered before it.
                iat: cache.issued_at,
                ..Default::default()
            };
            list.check(&ids, now)?;
        }
        Ok(())
    }

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
        if json.len() > self.max_len {
            return Err(Error::new(ErrorCode::TokenTooLarge, format!("the looked-up session is {} bytes, over the limit of {}", json.len(), self.max_len)));
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

    /// The tolerance used for a strategy: the option, else better-auth's own.
    pub fn clock_tolerance(&self, strategy: Strategy) -> f64 {
        self.tolerance.unwrap_or_else(|| strategy.default_tolerance())
    }

    /// Decodes and checks a cookie-cache value (the `session_data` cookie, chunks joined,
    /// URL-decoded as a Cookie header parser gives it).
    pub fn decode(&self, value: &str, now: f64) -> Result<BetterAuthCache> {
        if value.len() > self.max_len {
            return Err(Error::new(
                ErrorCode::TokenTooLarge,
                format!("the cookie cache is {} bytes, over the limit of {}", value.len(), self.max_len),
            ));
        }
        if value.is_empty() {
            return Err(Error::malformed("the cookie cache value is empty"));
        }
        let detected = Strategy::detect(value).ok_or_else(|| {
            let why = crate::token::prefix_problem(value).map(|p| format!(" ({p})")).unwrap_or_default();
            Error::malformed(format!("a Better Auth cookie cache is one base64url segment (compact), a 3-part JWT or a 5-part JWE; this value is none of them{why}"))
        })?;
        if let Some(pinned) = self.strategy {
            if pinned != detected {
                return Err(Error::new(
                    ErrorCode::TokenWrongKind,
                    format!(
                        "the cookie cache is written in the '{}' strategy, this decoder is pinned to '{}' (session.cookieCache.strategy must match)",
                        detected.name(),
                        pinned.name()
                    ),
                ));
            }
        }
        let tolerance = self.clock_tolerance(detected);
        match detected {
            Strategy::Compact => self.decode_compact(value, now, tolerance),
            Strategy::Jwt => {
                let v = crate::jws::verify_compact_cached(value, &[Algorithm::HS256], &self.jwt_keys, self.max_len, &self.headers)?;
                self.payload(&v.payload, Strategy::Jwt, None, now, tolerance)
            }
            Strategy::Jwe => {
                let plaintext = self.jwe.decrypt(value, self.max_len)?;
                self.payload(&plaintext, Strategy::Jwe, None, now, tolerance)
            }
            Strategy::Lookup => Err(Error::malformed("not a cookie cache")),
        }
    }

    fn decode_compact(&self, value: &str, now: f64, tolerance: f64) -> Result<BetterAuthCache> {
        let bytes = b64::decode(value.as_bytes(), "compact cookie cache")?;
        let text = std::str::from_utf8(&bytes).map_err(|_| Error::malformed("the compact cookie cache is not UTF-8 JSON"))?;
        #[derive(Deserialize)]
        struct Compact<'a> {
            #[serde(borrow)]
            session: &'a RawValue,
            #[serde(rename = "expiresAt", borrow)]
            expires_at: &'a RawValue,
            signature: String,
        }
        let c: Compact = serde_json::from_str(text)
            .map_err(|_| Error::malformed("the compact cookie cache is not {session, expiresAt, signature} JSON"))?;
        let session = c.session.get();
        let expires = c.expires_at.get();
        if !session.starts_with('{') {
            return Err(Error::malformed("the compact cookie cache's session is not an object"));
        }
        let expires_ms: f64 = match serde_json::from_str::<Value>(expires) {
            Ok(Value::Number(n)) => n.as_f64().unwrap_or(f64::NAN),
            _ => f64::NAN,
        };
        if !expires_ms.is_finite() {
            return Err(Error::claim(ErrorCode::JwtClaimInvalid, "expiresAt", "the compact cookie cache's expiresAt is not a finite number"));
        }
        let mut sig = [std::mem::MaybeUninit::<u8>::uninit(); 64];
        let sig = b64::decode_small(c.signature.as_bytes(), &mut sig, "signature")?;
        if !self.current.verify(signed_text(session, expires).as_bytes(), &sig) {
            return Err(Error::new(
                ErrorCode::JwsSignatureInvalid,
                "the compact cookie cache's signature does not match (another secret signed it, or it was altered)",
            ));
        }
        self.payload(session.as_bytes(), Strategy::Compact, Some(expires_ms / 1000.0), now, tolerance)
    }

    /// Checks the payload `{ session, user, updatedAt, version }` (plus iat/exp/nbf for jwt
    /// and jwe) and builds the result. `cache_exp` is the compact cookie's expiry.
    fn payload<'p>(&self, json: &'p [u8], strategy: Strategy, cache_exp: Option<f64>, now: f64, tolerance: f64) -> Result<BetterAuthCache> {
        #[derive(Deserialize)]
        struct Payload<'a> {
            #[serde(borrow)]
            session: Option<&'a RawValue>,
            #[serde(borrow)]
            user: Option<&'a RawValue>,
            #[serde(rename = "updatedAt", borrow)]
            updated_at: Option<&'a RawValue>,
            version: Option<Value>,
            exp: Option<Value>,
            nbf: Option<Value>,
            iat: Option<Value>,
        }
        let text = std::str::from_utf8(json).map_err(|_| Error::malformed("the session payload is not UTF-8"))?;
        let p: Payload = serde_json::from_str(text)
            .map_err(|_| Error::malformed("the session payload is not a JSON object (or repeats a member)"))?;
        // Times first (as jose checks them before better-auth looks at the payload).
        let cache_exp = match cache_exp {
            Some(e) => {
                if e < now - tolerance {
                    return Err(Error::claim(
                        ErrorCode::JwtExpired,
                        "expiresAt",
                        format!("the cookie cache expired {} ago", crate::jwt::claims::span_words(now - e)),
                    ));
                }
                e
            }
            None => {
                let times = crate::jwt::claims::Times::from_values(p.exp.as_ref(), p.nbf.as_ref(), p.iat.as_ref())?;
                crate::jwt::claims::times_ok(&times, now, tolerance)?;
                times.exp.ok_or_else(|| Error::claim(ErrorCode::JwtClaimMissing, "exp", "the cookie cache has no exp claim"))?
            }
        };
        let missing = |name: &str| Error::claim(ErrorCode::JwtClaimMissing, name, format!("the cookie cache has no {name}"));
        let invalid = |name: &str, what: &str| Error::claim(ErrorCode::JwtClaimInvalid, name, format!("the cookie cache's {name} {what}"));
        let session_raw = p.session.ok_or_else(|| missing("session"))?;
        let user_raw = p.user.ok_or_else(|| missing("user"))?;
        let updated_raw = p.updated_at.ok_or_else(|| missing("updatedAt"))?;
        if !matches!(serde_json::from_str::<Value>(updated_raw.get()), Ok(Value::Number(_))) {
            return Err(invalid("updatedAt", "must be a number"));
        }
        let version = match &p.version {
            None => "1",
            Some(Value::String(s)) if s.is_empty() => "1",
            Some(Value::String(s)) => s.as_str(),
            Some(_) => return Err(invalid("version", "must be a string")),
        };
        // The members better-auth's schema requires, borrowed from the text (one pass each,
        // nothing built for the members not asked for; a repeated one is refused).
        let fields = |raw: &'p RawValue, name: &str, names: &[&str]| -> Result<Vec<Scalar<'p>>> {
            fields(raw.get(), names).map_err(|why| match why {
                None => invalid(name, "must be an object"),
                Some(why) => Error::malformed(format!("the cookie cache's {name} is not strict JSON ({why})")),
            })
        };
        let session = fields(session_raw, "session", &SESSION)?;
        let user = fields(user_raw, "user", &USER)?;
        let string = |v: &Scalar, full: &str| -> Result<String> {
            match v {
                Scalar::Absent => Err(missing(full)),
                Scalar::Str(s) => Ok(s.to_string()),
                _ => Err(invalid(full, "must be a string")),
            }
        };
        let session_id = string(&session[0], "session.id")?;
        let token = string(&session[1], "session.token")?;
        if matches!(session[2], Scalar::Absent) {
            return Err(missing("session.userId"));
        }
        let user_id = string(&user[0], "user.id")?;
        string(&user[1], "user.email")?;
        string(&user[2], "user.name")?;
        let date = |v: &Scalar, full: &str| -> Result<Option<f64>> {
            match v {
                Scalar::Absent => Ok(None),
                Scalar::Str(s) => iso_date_ms(s).map(Some).ok_or_else(|| invalid(full, "is not an ISO 8601 date as better-auth writes it")),
                _ => Err(invalid(full, "must be an ISO 8601 date string")),
            }
        };
        let session_exp_ms = date(&session[3], "session.expiresAt")?.ok_or_else(|| missing("session.expiresAt"))?;
        let created_ms = date(&session[4], "session.createdAt")?;
        date(&session[5], "session.updatedAt")?;
        date(&user[3], "user.createdAt")?;
        date(&user[4], "user.updatedAt")?;
        for (v, full) in [(&session[6], "session.ipAddress"), (&session[7], "session.userAgent"), (&user[5], "user.image")] {
            if !matches!(v, Scalar::Absent | Scalar::Null | Scalar::Str(_)) {
                return Err(invalid(full, "must be a string or null"));
            }
        }
        if !matches!(user[6], Scalar::Absent | Scalar::Bool(_)) {
            return Err(invalid("user.emailVerified", "must be a boolean"));
        }
        if version != self.version {
            return Err(Error::claim(
                ErrorCode::JwtClaimInvalid,
                "version",
                format!(
                    "the cookie cache is version '{}', this decoder expects '{}' (session.cookieCache.version was changed to invalidate caches)",
                    crate::util::printable(version, 24),
                    crate::util::printable(&self.version, 24)
                ),
            ));
        }
        let session_exp = session_exp_ms / 1000.0;
        if session_exp < now - tolerance {
            return Err(Error::claim(
                ErrorCode::JwtExpired,
                "session.expiresAt",
                format!("the session expired {} ago", crate::jwt::claims::span_words(now - session_exp)),
            ));
        }
        let exp = cache_exp.min(session_exp);
        let mut out = Vec::with_capacity(json.len() + 128);
        out.extend_from_slice(b"{\"session\":");
        let session_at = out.len()..out.len() + session_raw.get().len();
        out.extend_from_slice(session_raw.get().as_bytes());
        out.extend_from_slice(b",\"user\":");
        let user_at = out.len()..out.len() + user_raw.get().len();
        out.extend_from_slice(user_raw.get().as_bytes());
        out.extend_from_slice(b",\"updatedAt\":");
        out.extend_from_slice(updated_raw.get().as_bytes());
        out.extend_from_slice(b",\"version\":");
        out.extend_from_slice(serde_json::to_string(version).unwrap_or_default().as_bytes());
        out.extend_from_slice(format!(",\"strategy\":\"{}\",\"cacheExpiresAt\":{},\"expiresAt\":{}}}", strategy.name(), ms(cache_exp), ms(exp)).as_bytes());
        let issued_at = created_ms.map(|m| m / 1000.0);
        Ok(BetterAuthCache { json: out, strategy, exp, user_id, session_id, token, issued_at, session_at, user_at })
    }

    /// Checks a session token cookie value (`token.signature`, URL-encoded or not) with
    /// the current secret, as better-call's getSignedCookie does; returns the token.
    pub fn verify_session_token(&self, value: &str) -> Result<String> {
        if value.len() > self.max_len {
            return Err(Error::new(ErrorCode::TokenTooLarge, format!("the session token cookie is over the limit of {} bytes", self.max_len)));
        }
        let decoded;
        let value = if value.contains('%') {
            decoded = crate::extract::percent_decode(value).ok_or_else(|| Error::malformed("the session token cookie is not valid URL encoding"))?;
            decoded.as_str()
        } else {
            value
        };
        let dot = value.rfind('.').filter(|i| *i >= 1).ok_or_else(|| {
            Error::malformed("the session token cookie is not '<token>.<signature>' (a signed better-auth session_token)")
        })?;
        let (token, signature) = (&value[..dot], &value[dot + 1..]);
        if signature.len() != 44 || !signature.ends_with('=') {
            return Err(Error::malformed("the session token cookie's signature is not 44 base64 characters ending in '='"));
        }
        // better-call decodes it with atob, which ignores the 2 unused bits of the last
        // character: so does this engine.
        use base64::Engine;
        let engine = base64::engine::GeneralPurpose::new(
            &base64::alphabet::STANDARD,
            base64::engine::GeneralPurposeConfig::new().with_decode_allow_trailing_bits(true),
        );
        let sig = engine.decode(signature).map_err(|_| Error::malformed("the session token cookie's signature is not base64"))?;
        if !self.current.verify(token.as_bytes(), &sig) {
            return Err(Error::new(
                ErrorCode::JwsSignatureInvalid,
                "the session token cookie's signature does not match (another secret signed it, or it was altered)",
            ));
        }
        Ok(token.to_string())
    }

    /// The verified session token of a Cookie header (the `session_token` cookie), None
    /// when that cookie is absent: what a database or secondary-storage lookup is keyed by
    /// when `from_cookie_header` answers ERR_SESSION_LOOKUP_REQUIRED.
    pub fn session_token_from_header(&self, header: &str) -> Result<Option<String>> {
        match crate::extract::cookie::session_token(header, &self.token_cookie, self.max_len)? {
            Some(t) => self.verify_session_token(&t).map(Some),
            None => Ok(None),
        }
    }

    /// The session in a Cookie header, as better-auth's getSession reads it on its
    /// cookie-cache path: the signed session token and the cookie cache (chunks joined),
    /// which must belong to that token. None when neither cookie is present.
    /// A token without a usable cache is ERR_SESSION_LOOKUP_REQUIRED: only the database
    /// (or secondary storage) knows that session.
    pub fn from_cookie_header(&self, header: &str, now: f64) -> Result<Option<BetterAuthCache>> {
        use crate::extract::cookie::session_token;
        let token = session_token(header, &self.token_cookie, self.max_len)?;
        let data = session_token(header, &self.data_cookie, self.max_len)?;
        let token = match (token, data.as_ref()) {
            (None, None) => return Ok(None),
            (None, Some(_)) => {
                return Err(Error::new(
                    ErrorCode::TokenMissing,
                    format!(
                        "the {} cookie came without its {} cookie: better-auth's getSession reads that as signed out",
                        self.data_cookie, self.token_cookie
                    ),
                ))
            }
            (Some(t), _) => self.verify_session_token(&t)?,
        };
        let Some(data) = data else {
            return Err(Error::new(
                ErrorCode::SessionLookupRequired,
                format!(
                    "the request has a valid session token but no {} cookie (no cookie cache, or it lapsed): only the database knows this session",
                    self.data_cookie
                ),
            ));
        };
        let cache = self.decode(&data, now)?;
        if cache.token != token {
            return Err(Error::new(
                ErrorCode::SessionLookupRequired,
                "the cookie cache belongs to another session than the session token (better-auth ignores such a cache and reads the database)",
            ));
        }
        Ok(Some(cache))
    }
}

/// The members of a cached session and user that `payload` checks (better-auth's schema).
const SESSION: [&str; 8] = ["id", "token", "userId", "expiresAt", "createdAt", "updatedAt", "ipAddress", "userAgent"];
const USER: [&str; 7] = ["id", "email", "name", "createdAt", "updatedAt", "image", "emailVerified"];

/// One member's value as `payload` checks it: a string borrowed from the text (owned only
/// when it has escapes), or its kind.
#[derive(Clone, Debug, Default)]
enum Scalar<'a> {
    #[default]
    Absent,
    Null,
    Bool(bool),
    Str(std::borrow::Cow<'a, str>),
    /// A number, an array or an object (skipped, checked as JSON).
    Other,
}

impl<'de> Deserialize<'de> for Scalar<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Scalar<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON value")
            }
            fn visit_borrowed_str<E: serde::de::Error>(self, v: &'de str) -> std::result::Result<Scalar<'de>, E> {
                Ok(Scalar::Str(std::borrow::Cow::Borrowed(v)))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> std::result::Result<Scalar<'de>, E> {
                Ok(Scalar::Str(std::borrow::Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: serde::de::Error>(self, v: String) -> std::result::Result<Scalar<'de>, E> {
                Ok(Scalar::Str(std::borrow::Cow::Owned(v)))
            }
            fn visit_bool<E: serde::de::Error>(self, v: bool) -> std::result::Result<Scalar<'de>, E> {
                Ok(Scalar::Bool(v))
            }
            fn visit_unit<E: serde::de::Error>(self) -> std::result::Result<Scalar<'de>, E> {
                Ok(Scalar::Null)
            }
            fn visit_i64<E: serde::de::Error>(self, _: i64) -> std::result::Result<Scalar<'de>, E> {
                Ok(Scalar::Other)
            }
            fn visit_u64<E: serde::de::Error>(self, _: u64) -> std::result::Result<Scalar<'de>, E> {
                Ok(Scalar::Other)
            }
            fn visit_f64<E: serde::de::Error>(self, _: f64) -> std::result::Result<Scalar<'de>, E> {
                Ok(Scalar::Other)
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<Scalar<'de>, A::Error> {
                while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
                Ok(Scalar::Other)
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> std::result::Result<Scalar<'de>, A::Error> {
                while map.next_entry::<serde::de::IgnoredAny, serde::de::IgnoredAny>()?.is_some() {}
                Ok(Scalar::Other)
            }
        }
        d.deserialize_any(V)
    }
}

/// A member name, borrowed from the text when it has no escapes.
struct Name<'a>(std::borrow::Cow<'a, str>);

impl<'de> Deserialize<'de> for Name<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        match Scalar::deserialize(d)? {
            Scalar::Str(s) => Ok(Name(s)),
            _ => Err(serde::de::Error::custom("a member name is not a string")),
        }
    }
}

/// The members `names` of the JSON object `text` (Absent where missing), in one pass that
/// builds nothing for the others; a repeated member asked for is refused. `Err(None)`: not
/// an object; `Err(Some(why))`: not JSON.
fn fields<'a>(text: &'a str, names: &[&str]) -> std::result::Result<Vec<Scalar<'a>>, Option<String>> {
    if !text.trim_start_matches([' ', '\t', '\n', '\r']).starts_with('{') {
        return Err(None);
    }
    struct Seed<'n>(&'n [&'n str]);
    impl<'de, 'n> serde::de::DeserializeSeed<'de> for Seed<'n> {
        type Value = Vec<Scalar<'de>>;
        fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> std::result::Result<Self::Value, D::Error> {
            d.deserialize_map(self)
        }
    }
    impl<'de, 'n> serde::de::Visitor<'de> for Seed<'n> {
        type Value = Vec<Scalar<'de>>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a JSON object")
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> std::result::Result<Self::Value, A::Error> {
            let mut out = vec![Scalar::Absent; self.0.len()];
            while let Some(Name(k)) = map.next_key::<Name<'de>>()? {
                match self.0.iter().position(|n| *n == k) {
                    Some(i) => {
                        if !matches!(out[i], Scalar::Absent) {
                            return Err(serde::de::Error::custom("duplicate member name"));
                        }
                        out[i] = map.next_value()?;
                    }
                    None => {
                        map.next_value::<serde::de::IgnoredAny>()?;
                    }
                }
            }
            Ok(out)
        }
    }
    let mut de = serde_json::Deserializer::from_str(text);
    let out = serde::de::DeserializeSeed::deserialize(Seed(names), &mut de).map_err(|e| Some(e.to_string()))?;
    de.end().map_err(|e| Some(e.to_string()))?;
    Ok(out)
}

/// The text better-auth HMACs for a compact cache, `JSON.stringify({...session,
/// expiresAt})`, from the cookie's own bytes: `session`'s members as they stand, then
/// `"expiresAt":` and the number as it stands. Equal to better-auth's text for every cookie
/// it writes, because it serialized the cookie with the same JSON.stringify. Where they
/// could differ: (1) a cookie re-encoded by someone else (spaces, other escapes or number
/// forms, the same values): better-auth re-serializes and may accept it, this refuses it;
/// (2) a string that better-auth's reviver turns into a Date (`YYYY-MM-DDTHH:MM:SSZ`
/// without milliseconds, or with other than 3 digits) comes back from JSON.stringify in
/// another form, so better-auth refuses its own cookie (and reads the database), this
/// accepts it: the bytes are what the secret signed.
fn signed_text(session: &str, expires: &str) -> String {
    let inner = session[1..session.len() - 1].trim_matches([' ', '\t', '\n', '\r']);
    let mut s = String::with_capacity(session.len() + expires.len() + 16);
    s.push('{');
    s.push_str(inner);
    if !inner.is_empty() {
        s.push(',');
    }
    s.push_str("\"expiresAt\":");
    s.push_str(expires);
    s.push('}');
    s
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

/// Milliseconds as JSON: an integer when it is one.
fn ms(seconds: f64) -> String {
    let v = seconds * 1000.0;
    let r = v.round();
    if (v - r).abs() < 1e-3 && r.abs() < 9.0e15 {
        format!("{}", r as i64)
    } else {
        serde_json::Number::from_f64(v).map(|n| n.to_string()).unwrap_or_else(|| "null".into())
    }
}

/// Milliseconds since the epoch of a string that better-auth's JSON reviver turns into a
/// Date (`/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z$/` and a valid V8 date: month
/// 1-12, day 1-31 rolling over the month as V8 does, 24:00:00 as the next midnight,
/// milliseconds from the first 3 fraction digits); None for anything else.
pub fn iso_date_ms(s: &str) -> Option<f64> {
    let b = s.as_bytes();
    if b.len() < 20 || *b.last()? != b'Z' {
        return None;
    }
    let digits = |r: std::ops::Range<usize>| -> Option<i64> {
        let part = b.get(r)?;
        if part.iter().all(u8::is_ascii_digit) {
            Some(part.iter().fold(0i64, |a, d| a * 10 + i64::from(d - b'0')))
        } else {
            None
        }
    };
    let seps = [(4, b'-'), (7, b'-'), (10, b'T'), (13, b':'), (16, b':')];
    if seps.iter().any(|(i, c)| b[*i] != *c) {
        return None;
    }
    let (y, mo, d, h, mi, sec) = (digits(0..4)?, digits(5..7)?, digits(8..10)?, digits(11..13)?, digits(14..16)?, digits(17..19)?);
    let millis = match b.len() {
        20 => 0,
        n if b[19] == b'.' && n > 21 => {
            let frac = &b[20..n - 1];
            if !frac.iter().all(u8::is_ascii_digit) {
                return None;
            }
            let mut m = 0i64;
            for i in 0..3 {
                m = m * 10 + frac.get(i).map_or(0, |d| i64::from(d - b'0'));
            }
            if h == 24 && frac.iter().any(|d| *d != b'0') {
                return None;
            }
            m
        }
        _ => return None,
    };
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || mi > 59 || sec > 59 || h > 24 || (h == 24 && (mi != 0 || sec != 0)) {
        return None;
    }
    // Days from 1970-01-01 of y-mo-01 (the civil calendar), plus the day of the month
    // (which may roll over into the next month, as in V8).
    let (yy, mm) = if mo <= 2 { (y - 1, mo + 9) } else { (y, mo - 3) };
    let era = yy.div_euclid(400);
    let yoe = yy - era * 400;
    let doy = (153 * mm + 2) / 5;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146097 + doe - 719468 + (d - 1);
    Some(((days * 86400 + h * 3600 + mi * 60 + sec) * 1000 + millis) as f64)
}

#[cfg(test)]
mod tests;
