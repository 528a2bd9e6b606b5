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

mod claims;
mod compact;
mod lookup;
mod members;
mod payload;
mod strategy;
mod token;
mod top;

pub use payload::iso_date_ms;
pub use strategy::Strategy;
#[cfg(test)]
use members::{fields, Scalar};
#[cfg(test)]
use serde_json::Value;

use crate::alg::Algorithm;
#[cfg(test)]
use crate::b64;
use crate::dirjwe::{self, DirJwe};
use crate::error::{Error, ErrorCode, Result};
use crate::key::{HmacKey, KeyStore, VerifyKey};
pub use crate::session::SessionDecoder;
use crate::session::SessionLimits;

pub use crate::session::DEFAULT_MAX_LENGTH;
pub const DEFAULT_PREFIX: &str = "better-auth";
/// better-auth's fallback secret when none is configured (never a legacy secret).
const BETTER_AUTH_DEFAULT_SECRET: &str = "better-auth-secret-12345678901234567890";

/// The message for a signed JWS given where a Better Auth jwe cache was expected.
const JWS_GIVEN_TO_JWE: &str = "the value has 3 parts: it is a signed JWT (the 'jwt' cookie-cache strategy or an access token), not a 'jwe' cookie cache";

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
    data_cookie: String,
    token_cookie: String,
    /// Revoked sessions are refused in `claims`.
    limits: SessionLimits,
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

/// The current secret (compact, jwt and the session token) and every secret the jwe strategy
/// tries: each version of `secrets` in order, then the legacy `secret` (never better-auth's
/// default one); `secret` alone without `secrets`.
fn secret_list(secrets: Option<Vec<(u32, String)>>, secret: Option<String>) -> Result<(String, Vec<String>)> {
    let legacy = secret.filter(|s| !s.is_empty());
    Ok(match secrets {
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
    })
}

/// Construction (keys prepared once) and the settings it fixed.
impl BetterAuthSession {
    pub fn new(o: BetterAuthOptions) -> Result<BetterAuthSession> {
        let strategy = match o.strategy.as_deref() {
            None => None,
            Some(s) => Some(Strategy::from_name(s).ok_or_else(|| {
                Error::options(format!("strategy must be 'compact', 'jwt' or 'jwe', not '{}'", crate::util::printable(s, 12)))
            })?),
        };
        let (current, all) = secret_list(o.secrets, o.secret)?;
        let limits = SessionLimits::new(o.clock_tolerance, o.max_token_length)?;
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
            data_cookie: dirjwe::cookie_name(&format!("{prefix}.session_data"), o.secure_cookie),
            token_cookie: dirjwe::cookie_name(&format!("{prefix}.session_token"), o.secure_cookie),
            limits,
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

    /// The tolerance used for a strategy: the option, else better-auth's own.
    pub fn clock_tolerance(&self, strategy: Strategy) -> f64 {
        self.limits.tolerance_or(strategy.default_tolerance())
    }
}

/// Decoding a cookie cache: its size and strategy checked, then the strategy's own reading.
impl BetterAuthSession {
    /// Decodes and checks a cookie-cache value (the `session_data` cookie, chunks joined,
    /// URL-decoded as a Cookie header parser gives it).
    pub fn decode(&self, value: &str, now: f64) -> Result<BetterAuthCache> {
        let detected = self.strategy_of(value)?;
        let tolerance = self.clock_tolerance(detected);
        match detected {
            Strategy::Compact => self.decode_compact(value, now, tolerance),
            Strategy::Jwt => {
                let v = crate::jws::verify_compact_cached(value, &[Algorithm::HS256], &self.jwt_keys, self.limits.max_len, &self.headers)?;
                self.payload(&v.payload, Strategy::Jwt, None, now, tolerance)
            }
            Strategy::Jwe => {
                let plaintext = self.jwe.decrypt(value, self.limits.max_len)?;
                self.payload(&plaintext, Strategy::Jwe, None, now, tolerance)
            }
            Strategy::Lookup => Err(Error::malformed("not a cookie cache")),
        }
    }

    /// The strategy a cookie-cache value is written in, once its size passes and it
    /// matches the pinned strategy (when one is).
    fn strategy_of(&self, value: &str) -> Result<Strategy> {
        if value.len() > self.limits.max_len {
            return Err(Error::new(
                ErrorCode::TokenTooLarge,
                format!("the cookie cache is {} bytes, over the limit of {}", value.len(), self.limits.max_len),
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
        Ok(detected)
    }
}

impl SessionDecoder for BetterAuthSession {
    fn limits(&self) -> &SessionLimits {
        &self.limits
    }

    fn limits_mut(&mut self) -> &mut SessionLimits {
        &mut self.limits
    }
}

#[cfg(test)]
mod tests;
