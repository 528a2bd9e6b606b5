//! `session.cookieCache.strategy`: the three ways better-auth writes its cookie cache, and
//! the one this module adds for a session the app looked up.

use crate::dirjwe;

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
