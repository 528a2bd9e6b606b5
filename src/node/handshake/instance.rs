//! What a HandshakeAuthenticator works with, shared with the handle its JS wrapper keeps:
//! the core authenticator, the clocks, the Origin rule, and the call both paths make (`run`).

use napi::bindgen_prelude::*;
use napi::Env;

use super::args::to_field;
use crate::node::args::clock;
use crate::node::errors::to_js_with;
use crate::node::json;
use crate::node::origin::OriginRule;
use crate::error::Error as CoreError;
use crate::handshake::{self, Clocks, Kind};

/// What a HandshakeAuthenticator works with, shared with the handle its JS wrapper keeps
/// (`_handle`): the plain functions taking it (`_handshakeAuthenticate`,
/// `_handshakeVerifyToken`) are entered faster than class methods.
pub struct HandshakeCore {
    pub(super) inner: handshake::HandshakeAuthenticator,
    pub(super) json: json::JsonParse,
    pub(super) now_jwt: Option<FunctionRef<(), f64>>,
    pub(super) now_authjs: Option<FunctionRef<(), f64>>,
    pub(super) now_better_auth: Option<FunctionRef<(), f64>>,
    pub(super) origins: OriginRule,
}

impl crate::node::handle::Core for HandshakeCore {
    const CLASS: &'static str = "HandshakeAuthenticator";
}

impl HandshakeCore {
    /// The clocks of the kinds (one read when no kind has a `now` option).
    pub(super) fn clocks(&self, env: &Env) -> napi::Result<Clocks> {
        if self.now_jwt.is_none() && self.now_authjs.is_none() && self.now_better_auth.is_none() {
            return Ok(Clocks::all(crate::util::now_seconds()));
        }
        let ba = if self.inner.better_auth.is_some() { clock(env, &self.now_better_auth)? } else { 0.0 };
        Ok(Clocks { jwt: clock(env, &self.now_jwt)?, authjs: clock(env, &self.now_authjs)?, better_auth: ba })
    }

    /// Whether a page at `origin` may use the cookie: the caller's verdict when given, else
    /// the `allowedOrigins` rule (an exception thrown by a matcher function goes to the caller).
    pub(super) fn origin_allowed(&self, env: &Env, origin: &str, host: Option<&str>, secure: bool, verdict: Option<bool>) -> napi::Result<bool> {
        match verdict {
            Some(v) => Ok(v),
            None => self.origins.allows(env, origin, host, secure),
        }
    }

    /// The ERR_ORIGIN_NOT_ALLOWED of a refused origin (the default rule says when only the
    /// scheme differed).
    pub(super) fn refusal(&self, origin: &str, host: Option<&str>, secure: bool, verdict: Option<bool>) -> CoreError {
        match (&self.origins, verdict) {
            (OriginRule::SameOrigin, None) => crate::origin::not_same_origin(origin, host, secure),
            _ => crate::origin::not_allowed(origin),
        }
    }

    /// The shared part of authenticate and _authenticateParts.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn run(
        &self,
        env: &Env,
        auth_s: &Option<String>,
        auth_bad: Option<&'static str>,
        query_s: &Option<String>,
        query_bad: Option<&'static str>,
        authorization: Option<String>,
        cookie: Option<&str>,
        origin: Option<String>,
        host: Option<String>,
        secure: bool,
        verdict: Option<bool>,
        direct: bool,
    ) -> napi::Result<(crate::token::Claims, Kind, handshake::Source)> {
        let env = *env;
        let input = handshake::Handshake {
            auth: to_field(auth_s, auth_bad),
            authorization: authorization.as_deref(),
            cookie,
            query: to_field(query_s, query_bad),
        };
        let now = self.clocks(&env)?;
        // The Origin rule, run only for a token found in the cookie, before it is decoded.
        // A handshake without Origin does not come from a browser page.
        let mut js_error: Option<napi::Error> = None;
        let mut cookie_check = || -> crate::Result<()> {
            let Some(o) = origin.as_deref() else { return Ok(()) };
            let allowed = match self.origin_allowed(&env, o, host.as_deref(), secure, verdict) {
                Ok(v) => v,
                Err(e) => {
                    js_error = Some(e);
                    false
                }
            };
            if allowed {
                Ok(())
            } else {
                Err(self.refusal(o, host.as_deref(), secure, verdict))
            }
        };
        let result = crate::node::errors::catch(&env, || self.inner.authenticate_checked(&input, now, &mut cookie_check));
        if let Some(e) = js_error {
            return Err(e);
        }
        outcome(&env, result?, direct)
    }
}

/// What `run` answers: the claims, kind and source, or the refusal as a JS error with its
/// `source` and `fingerprint`; counted natively when `direct` (src/metrics.rs).
fn outcome(env: &Env, result: std::result::Result<handshake::Authenticated, handshake::Failure>, direct: bool) -> napi::Result<(crate::token::Claims, Kind, handshake::Source)> {
    if direct {
        match &result {
            Ok(a) => crate::metrics::count_direct(Some(a.kind), Some(a.source), None),
            Err(f) => crate::metrics::count_direct(None, f.source, Some(f.error.code)),
        }
    }
    match result {
        Ok(a) => Ok((a.claims, a.kind, a.source)),
        Err(f) => Err(to_js_with(
            env,
            f.error,
            &[("source", f.source.map(|s| s.name())), ("fingerprint", f.fingerprint.as_deref())],
        )),
    }
}
