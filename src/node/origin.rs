//! `allowedOrigins` of a HandshakeAuthenticator, read from JS once: which `Origin` may come
//! with a cookie-sourced handshake (the rule itself is in `crate::origin`).

use napi::bindgen_prelude::*;
use napi::{Env, Unknown, ValueType};

use super::args::type_name;
use super::errors::{guard, to_js};
use crate::error::Error as CoreError;

/// One entry of `allowedOrigins`.
pub(super) enum OriginMatcher {
    /// A normalized origin (`crate::origin::normalize`).
    Exact(String),
    /// A RegExp (or any object with a `test(origin)` method).
    Test(ObjectRef<false>),
    /// A function `(origin) => boolean`.
    Call(FunctionRef<String, bool>),
}

/// Which `Origin` may come with a cookie-sourced handshake (`crate::origin`).
pub(super) enum OriginRule {
    /// Default: the Origin is the request's own: its Host header, and its scheme (https
    /// when the request came over TLS or through a trusted proxy that did).
    SameOrigin,
    /// `'*'`: any origin (the check is off).
    Any,
    /// `allowedOrigins` given: one of these.
    List(Vec<OriginMatcher>),
}

fn origin_matcher(env: &Env, v: Unknown<'_>) -> napi::Result<OriginMatcher> {
    let bad = |what: &str| to_js(env, CoreError::options(format!("allowedOrigins: {what}; expected origin strings, RegExps or a function")));
    match v.get_type()? {
        ValueType::String => {
            // SAFETY: the type was just checked.
            let s: String = unsafe { v.cast::<String>() }?;
            if s == "*" {
                return Err(bad("'*' must be given alone, not in a list"));
            }
            Ok(OriginMatcher::Exact(guard(env, || crate::origin::parse_allowed(&s))?))
        }
        ValueType::Function => {
            // SAFETY: the type was just checked.
            let f: Function<'_, String, bool> = unsafe { v.cast() }?;
            Ok(OriginMatcher::Call(f.create_ref()?))
        }
        ValueType::Object if !v.is_array()? => {
            // SAFETY: the type was just checked.
            let o: Object = unsafe { v.cast() }?;
            let test: Option<Unknown> = o.get("test")?;
            match test {
                Some(t) if t.get_type()? == ValueType::Function => Ok(OriginMatcher::Test(o.create_ref::<false>()?)),
                _ => Err(bad("an object without a test() method")),
            }
        }
        t => Err(bad(&format!("got {}", type_name(t)))),
    }
}

/// Reads `options.allowedOrigins`.
pub(super) fn origin_rule(env: &Env, options: &Unknown<'_>) -> napi::Result<OriginRule> {
    // SAFETY: options_arg has checked that options is an object.
    let o: Object = unsafe { options.cast() }?;
    let v: Option<Unknown> = o.get("allowedOrigins")?;
    let Some(v) = v else { return Ok(OriginRule::SameOrigin) };
    match v.get_type()? {
        ValueType::Undefined | ValueType::Null => Ok(OriginRule::SameOrigin),
        ValueType::String if unsafe { v.cast::<String>() }? == "*" => Ok(OriginRule::Any),
        ValueType::Object if v.is_array()? => {
            // SAFETY: the type was just checked.
            let list: Vec<Unknown> = unsafe { v.cast() }?;
            let mut out = Vec::with_capacity(list.len());
            for item in list {
                out.push(origin_matcher(env, item)?);
            }
            Ok(OriginRule::List(out))
        }
        _ => Ok(OriginRule::List(vec![origin_matcher(env, v)?])),
    }
}

impl OriginRule {
    /// Whether a browser page at `origin` may use the session cookie here; `host` and
    /// `secure` (the request came over TLS) are the request's, for the default rule.
    pub(super) fn allows(&self, env: &Env, origin: &str, host: Option<&str>, secure: bool) -> napi::Result<bool> {
        match self {
            OriginRule::Any => Ok(true),
            OriginRule::SameOrigin => Ok(crate::origin::same_origin(origin, host, secure)),
            OriginRule::List(list) => {
                for m in list {
                    let ok = match m {
                        OriginMatcher::Exact(o) => crate::origin::listed(origin, std::slice::from_ref(o)),
                        OriginMatcher::Test(r) => {
                            let re = r.get_value(env)?;
                            let test: Function<'_, String, bool> = re.get_named_property("test")?;
                            call_matcher(test.apply(re, origin.to_string()))?
                        }
                        OriginMatcher::Call(f) => call_matcher(f.borrow_back(env)?.call(origin.to_string()))?,
                    };
                    if ok {
                        return Ok(true);
                    }
                }
                Ok(false)
            }
        }
    }
}

/// A matcher's answer: only `true` allows; an exception thrown by it goes to the caller.
fn call_matcher(r: napi::Result<bool>) -> napi::Result<bool> {
    match r {
        Ok(b) => Ok(b),
        Err(e) if e.status == napi::Status::PendingException => Err(e),
        Err(_) => Ok(false),
    }
}
