//! Where a token is looked for: the sources in their order (`handshake.auth`, the
//! Authorization header, the session cookies, the query), what the first source holding one
//! gives, and the words of ERR_TOKEN_MISSING.

use std::borrow::Cow;

use super::HandshakeAuthenticator;
use crate::error::{Error, Result};
use crate::extract::{self, cookie};
use crate::session::SessionDecoder;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Auth,
    Header,
    Cookie,
    Query,
}

impl Source {
    pub fn from_name(s: &str) -> Option<Source> {
        match s {
            "auth" => Some(Source::Auth),
            "header" => Some(Source::Header),
            "cookie" => Some(Source::Cookie),
            "query" => Some(Source::Query),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Source::Auth => "auth",
            Source::Header => "header",
            Source::Cookie => "cookie",
            Source::Query => "query",
        }
    }
}

/// A handshake field as found: absent (undefined/null/empty), a string, or another type.
#[derive(Debug, Clone, Copy)]
pub enum Field<'a> {
    Absent,
    Str(&'a str),
    NotString(&'static str),
}

/// What the authenticator reads from a handshake.
#[derive(Debug, Clone, Copy)]
pub struct Handshake<'a> {
    /// `handshake.auth[authField]`
    pub auth: Field<'a>,
    /// `handshake.headers.authorization`
    pub authorization: Option<&'a str>,
    /// `handshake.headers.cookie`
    pub cookie: Option<&'a str>,
    /// `handshake.query[authField]`
    pub query: Field<'a>,
}

/// A token as found, and where. For Better Auth's cookies (`Source::Cookie` without an
/// Auth.js session cookie) the token is the session token cookie's value (what a refusal's
/// fingerprint is made from) and the whole Cookie header is decoded.
pub type Found<'a> = (Cow<'a, str>, Source);

pub const DEFAULT_SOURCES: [Source; 3] = [Source::Auth, Source::Header, Source::Cookie];

/// The `sources` option: names in order, each once (default `DEFAULT_SOURCES`).
pub(super) fn sources(list: Option<Vec<String>>) -> Result<Vec<Source>> {
    let Some(list) = list else { return Ok(DEFAULT_SOURCES.to_vec()) };
    if list.is_empty() {
        return Err(Error::options("sources must not be empty"));
    }
    let mut out = Vec::new();
    for s in &list {
        let src = Source::from_name(s).ok_or_else(|| {
            Error::options(format!("unknown source '{}'; expected auth, header, cookie or query", crate::util::printable(s, 12)))
        })?;
        if !out.contains(&src) {
            out.push(src);
        }
    }
    Ok(out)
}

/// The words of ERR_TOKEN_MISSING: where a token was looked for, which cookies arrived.
impl HandshakeAuthenticator {
    /// Where a token would be looked for, in words, for ERR_TOKEN_MISSING.
    pub(super) fn places(&self) -> String {
        self.sources
            .iter()
            .filter_map(|s| match s {
                Source::Auth => Some(format!("handshake.auth.{}", self.auth_field)),
                Source::Header => Some("the Authorization: Bearer header".to_string()),
                Source::Cookie => {
                    let mut names: Vec<String> = Vec::new();
                    if let Some(a) = &self.authjs {
                        names.push(format!("the {} cookie", a.cookie_name()));
                    }
                    if let Some(b) = &self.better_auth {
                        names.push(format!("the {} cookie", b.token_cookie_name()));
                    }
                    (!names.is_empty()).then(|| names.join(", "))
                }
                Source::Query => Some(format!("the query parameter {}", self.auth_field)),
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// For ERR_TOKEN_MISSING: the names of the cookies that did arrive, with the session
    /// cookie's name when the cookie source is on (`extract::cookie::names_seen`).
    pub(super) fn cookies_seen(&self, header: Option<&str>) -> String {
        let on = self.sources.contains(&Source::Cookie);
        let want = match (&self.authjs, &self.better_auth) {
            (Some(a), _) if on => Some((a.cookie_name(), "authjs")),
            (None, Some(b)) if on => Some((b.token_cookie_name(), "betterAuth")),
            _ => None,
        };
        header.map(|h| cookie::names_seen_for(h, want)).unwrap_or_default()
    }
}

/// Finding the token: the sources in their order, the first holding one decides.
impl HandshakeAuthenticator {
    /// Finds the token: the first source holding one decides (a bad token there is
    /// refused, never skipped for the next source).
    pub fn find<'a>(&self, h: &Handshake<'a>) -> std::result::Result<Option<Found<'a>>, (Error, Source)> {
        self.find_marked(h).map(|f| f.map(|(t, source, _)| (t, source)))
    }

    /// As `find`, with whether the token is one of Better Auth's cookies.
    pub(super) fn find_marked<'a>(&self, h: &Handshake<'a>) -> std::result::Result<Option<(Cow<'a, str>, Source, bool)>, (Error, Source)> {
        for &source in &self.sources {
            let found = self.find_in(h, source).map_err(|e| (e, source))?;
            if let Some((t, better_auth)) = found {
                return Ok(Some((t, source, better_auth)));
            }
        }
        Ok(None)
    }

    /// The token a source holds, and whether it is one of Better Auth's cookies.
    fn find_in<'a>(&self, h: &Handshake<'a>, source: Source) -> Result<Option<(Cow<'a, str>, bool)>> {
        let found: Option<Cow<'a, str>> = match source {
            Source::Auth | Source::Query => match if source == Source::Auth { h.auth } else { h.query } {
                Field::Absent => None,
                Field::NotString(t) => {
                    return Err(Error::malformed(format!(
                        "{}.{} must be a string, got {t}",
                        if source == Source::Auth { "handshake.auth" } else { "handshake.query" },
                        self.auth_field
                    )))
                }
                Field::Str(s) => {
                    let t = extract::strip_bearer(s);
                    (!t.is_empty()).then_some(Cow::Borrowed(t))
                }
            },
            Source::Header => h.authorization.and_then(extract::bearer_token).map(Cow::Borrowed),
            Source::Cookie => {
                let Some(c) = h.cookie else { return Ok(None) };
                if let Some(a) = &self.authjs {
                    if let Some(t) = cookie::session_token(c, a.cookie_name(), a.max_token_length())? {
                        return Ok(Some((t, false)));
                    }
                }
                let Some(b) = &self.better_auth else { return Ok(None) };
                let found = match cookie::session_token(c, b.token_cookie_name(), b.max_token_length())? {
                    Some(t) => Some(t),
                    // A cache without its token: from_cookie_header says why it is refused.
                    None => cookie::session_token(c, b.data_cookie_name(), b.max_token_length())?,
                };
                return Ok(found.map(|t| (t, true)));
            }
        };
        Ok(found.map(|t| (t, false)))
    }
}
