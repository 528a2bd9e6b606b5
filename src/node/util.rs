//! Small exports the JS layer shares with the core instead of keeping its own copy:
//! the duration rule, the token fingerprint and the algorithm list.

use napi::{Env, Unknown, ValueType};
use napi_derive::napi;

use super::args::token_arg;
use super::errors::{guard, to_js};
use crate::error::Error as CoreError;
use crate::options::Span;

/// A duration in seconds, by the rule `expiresIn`/`notBefore` follow: a number of
/// seconds, or text with a unit ('90s', '15m', '2h', '7d', '500ms'). A number in a string
/// without a unit ('3600') is refused. `name` names the option in the error.
#[napi(ts_args_type = "value: number | string, name?: string")]
pub fn parse_duration(env: Env, value: Unknown, name: Option<String>) -> napi::Result<f64> {
    let name = name.unwrap_or_else(|| "duration".to_string());
    let span = match value.get_type()? {
        // SAFETY: each cast follows the type check.
        ValueType::Number => Span::Seconds(unsafe { value.cast::<f64>() }?),
        ValueType::String => Span::Text(unsafe { value.cast::<String>() }?),
        _ => return Err(to_js(&env, CoreError::options(format!("{name} must be a number of seconds or a string such as \"15m\"")))),
    };
    guard(&env, || crate::options::duration_seconds(&name, &span))
}

/// The fingerprint put on failures instead of the token: the first 16 characters of the
/// base64url SHA-256 of the token.
#[napi(ts_args_type = "token: string")]
pub fn token_fingerprint(env: Env, token: Unknown) -> napi::Result<String> {
    let token = token_arg(&env, &token)?;
    Ok(crate::token::fingerprint(&token))
}

/// Every algorithm authbridge verifies and signs, in a stable order. `none` is never one.
#[napi(ts_return_type = "Algorithm[]")]
pub fn supported_algorithms() -> Vec<&'static str> {
    crate::alg::Algorithm::ALL.iter().map(|a| a.name()).collect()
}
