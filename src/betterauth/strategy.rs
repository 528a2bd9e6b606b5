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
        match dots(value.as_bytes()) {
            0 => Some(Strategy::Compact),
            2 => Some(Strategy::Jwt),
            4 => Some(Strategy::Jwe),
            _ => None,
        }
    }
}

/// The number of '.' in `b`, counted 128 bytes at a time in a form the compiler turns into
/// vector compares (a byte-by-byte filter cost a tenth of a whole compact decode).
fn dots(b: &[u8]) -> usize {
    let mut chunks = b.chunks_exact(128);
    let mut n = 0usize;
    for c in &mut chunks {
        n += usize::from(c.iter().map(|&x| u8::from(x == b'.')).sum::<u8>());
    }
    n + chunks.remainder().iter().filter(|&&x| x == b'.').count()
}

#[cfg(test)]
mod tests {
    /// The chunked count agrees with a plain one, across the chunk boundary.
    #[test]
    fn dots_counts_every_dot() {
        for len in [0, 1, 127, 128, 129, 300, 1000] {
            for every in [1, 2, 7, 128, 1001] {
                let b: Vec<u8> = (0..len).map(|i| if i % every == 0 { b'.' } else { b'a' }).collect();
                assert_eq!(super::dots(&b), b.iter().filter(|&&x| x == b'.').count(), "{len} {every}");
            }
        }
    }
}
