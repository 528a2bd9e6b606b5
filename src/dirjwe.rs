//! Sessions sealed as a compact JWE with alg `dir` and a content key derived from a shared
//! secret by HKDF-SHA256: Auth.js (NextAuth v5), NextAuth v4 and Better Auth's `jwe` cookie
//! cache. One construction; what differs between the libraries is a `Constants` value
//! (HKDF salt and info rule, accepted `enc`, the `kid` thumbprint hash, what happens to a
//! token without `kid`, the default tolerance and cookie name). Keys are derived once, in
//! the constructor; claim checks stay with the callers.

use hkdf::Hkdf;
use sha2::{Digest, Sha256, Sha512};

use crate::b64;
use crate::error::{Error, ErrorCode, Result};
use crate::jwe::{self, ContentKey, Enc};
use crate::token::{self, Header, Parts};

/// Which hash makes the RFC 7638 thumbprint put in the header `kid`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Thumbprint {
    /// SHA-512 for a 64-byte key, SHA-256 for a 32-byte key (@auth/core: `sha${bits}`).
    BySize,
    /// SHA-256 whatever the key length (better-auth).
    Sha256,
}

/// Which secrets decrypt a token whose header has no `kid`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoKid {
    /// Only the first (current) secret (@auth/core).
    First,
    /// Each secret in order (NextAuth v4, which never writes a kid; better-auth).
    Each,
}

/// What one library's construction is made of.
#[derive(Debug)]
pub struct Constants {
    /// The library, for messages ("Auth.js session tokens use alg 'dir'").
    pub name: &'static str,
    /// The environment variable that holds the secret, for messages.
    pub secret_name: &'static str,
    /// Accepted content encryptions; the first one encrypts.
    pub encs: &'static [Enc],
    /// The accepted encryptions in words, for the refusal of any other.
    pub encs_words: &'static str,
    /// HKDF-SHA256 info for a salt.
    pub info: fn(&str) -> String,
    pub thumbprint: Thumbprint,
    /// Whether `encrypt` writes a `kid` (and a kid is matched by thumbprint).
    pub writes_kid: bool,
    pub no_kid: NoKid,
    /// Default clock tolerance of the library's decode, in seconds.
    pub tolerance: f64,
    /// The default cookie name (without `__Secure-`).
    pub cookie: &'static str,
}

fn authjs_info(salt: &str) -> String {
    format!("Auth.js Generated Encryption Key ({salt})")
}

fn nextauth_info(salt: &str) -> String {
    if salt.is_empty() {
        "NextAuth.js Generated Encryption Key".to_string()
    } else {
        format!("NextAuth.js Generated Encryption Key ({salt})")
    }
}

fn better_auth_info(_salt: &str) -> String {
    "BetterAuth.js Generated Encryption Key".to_string()
}

/// Auth.js (@auth/core, NextAuth v5): A256CBC-HS512 (A256GCM accepted), salt = cookie name.
pub const AUTHJS_V5: Constants = Constants {
    name: "Auth.js",
    secret_name: "AUTH_SECRET",
    encs: &[Enc::A256CbcHs512, Enc::A256Gcm],
    encs_words: "A256CBC-HS512 or A256GCM",
    info: authjs_info,
    thumbprint: Thumbprint::BySize,
    writes_kid: true,
    no_kid: NoKid::First,
    tolerance: 15.0,
    cookie: "authjs.session-token",
};

/// NextAuth v4: A256GCM, no kid, empty salt.
pub const NEXTAUTH_V4: Constants = Constants {
    name: "Auth.js",
    secret_name: "AUTH_SECRET",
    encs: &[Enc::A256Gcm],
    encs_words: "A256GCM (NextAuth v4)",
    info: nextauth_info,
    thumbprint: Thumbprint::BySize,
    writes_kid: false,
    no_kid: NoKid::Each,
    tolerance: 15.0,
    cookie: "next-auth.session-token",
};

/// Better Auth's `jwe` cookie cache (better-auth/dist/crypto/jwt.mjs): salt
/// `better-auth-session`, a 64-byte key, kid = SHA-256 thumbprint, 15 s tolerance. jose is
/// told to accept A256GCM as well, but refuses it with the 64-byte key (it needs 32), so
/// no better-auth cookie can use it: it is refused here as unsupported.
pub const BETTER_AUTH: Constants = Constants {
    name: "Better Auth cookie cache (jwe)",
    secret_name: "BETTER_AUTH_SECRET",
    encs: &[Enc::A256CbcHs512],
    encs_words: "A256CBC-HS512 (better-auth also lists A256GCM, but its 64-byte key cannot decrypt it, so no better-auth cookie uses it)",
    info: better_auth_info,
    thumbprint: Thumbprint::Sha256,
    writes_kid: true,
    no_kid: NoKid::Each,
    tolerance: 15.0,
    cookie: "better-auth.session_data",
};

/// The better-auth salt of the session cookie cache.
pub const BETTER_AUTH_SALT: &str = "better-auth-session";

/// `base`, or `__Secure-base` behind HTTPS.
pub fn cookie_name(base: &str, secure: bool) -> String {
    if secure {
        format!("__Secure-{base}")
    } else {
        base.to_string()
    }
}

/// One secret's derived keys (one per accepted `enc`) and their kids.
pub struct DerivedSecret {
    pub keys: Vec<(Enc, ContentKey, String)>,
}

impl DerivedSecret {
    pub fn key_for(&self, enc: Enc) -> Option<(&ContentKey, &str)> {
        self.keys.iter().find(|(e, _, _)| *e == enc).map(|(_, k, kid)| (k, kid.as_str()))
    }
}

fn hkdf(secret: &[u8], salt: &[u8], info: &str, len: usize) -> Vec<u8> {
    let mut out = vec![0u8; len];
    // Lengths here are 32 or 64 bytes, far below HKDF-SHA256's limit of 8160.
    let ok = Hkdf::<Sha256>::new(Some(salt), secret).expand(info.as_bytes(), &mut out).is_ok();
    debug_assert!(ok);
    out
}

/// RFC 7638 thumbprint of `{"k":…,"kty":"oct"}`.
pub fn thumbprint(key: &[u8], hash: Thumbprint) -> String {
    let json = format!("{{\"k\":\"{}\",\"kty\":\"oct\"}}", b64::encode(key));
    if key.len() == 64 && hash == Thumbprint::BySize {
        b64::encode(&Sha512::digest(json.as_bytes()))
    } else {
        b64::encode(&Sha256::digest(json.as_bytes()))
    }
}

/// The keys of one secret, for every `enc` the construction accepts.
pub fn derive(c: &Constants, secret: &str, salt: &str) -> Result<DerivedSecret> {
    let info = (c.info)(salt);
    let keys = c
        .encs
        .iter()
        .map(|enc| {
            let key = hkdf(secret.as_bytes(), salt.as_bytes(), &info, enc.key_len());
            let kid = thumbprint(&key, c.thumbprint);
            Ok((*enc, ContentKey::new(*enc, &key)?, kid))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(DerivedSecret { keys })
}

/// A decoder (and encoder) of one library's session JWEs with the keys of its secrets.
pub struct DirJwe {
    c: &'static Constants,
    headers: token::HeaderCache,
    secrets: Vec<DerivedSecret>,
    /// What a 3-part token given to this decoder is told.
    jws_message: &'static str,
}

impl DirJwe {
    /// Keys for each secret (in order: the first encrypts and is the one a kid-less
    /// token is tried with first).
    pub fn new<S: AsRef<str>>(c: &'static Constants, secrets: &[S], salt: &str, jws_message: &'static str) -> Result<DirJwe> {
        let secrets = secrets.iter().map(|s| derive(c, s.as_ref(), salt)).collect::<Result<Vec<_>>>()?;
        if secrets.is_empty() {
            return Err(Error::options(format!("a secret is required ({})", c.secret_name)));
        }
        Ok(DirJwe { c, headers: token::HeaderCache::default(), secrets, jws_message })
    }

    pub fn constants(&self) -> &'static Constants {
        self.c
    }

    /// Decrypts a compact JWE (header checks first, then the key by kid); returns the
    /// plaintext. No claim is looked at.
    pub fn decrypt(&self, token: &str, max_len: usize) -> Result<Vec<u8>> {
        let [h, ek, iv, ct, tag] = match token::split(token, max_len)? {
            Parts::Jwe(parts) => parts,
            Parts::Jws(_) => return Err(Error::new(ErrorCode::TokenWrongKind, self.jws_message)),
        };
        let header = self.headers.decode(h)?;
        let enc = check_header(self.c, &header)?;
        if !ek.is_empty() {
            return Err(Error::malformed("alg dir uses an empty encrypted key part, this token has one"));
        }
        // IV and tag are short: decoded on the stack.
        let (mut iv_buf, mut tag_buf) = ([std::mem::MaybeUninit::<u8>::uninit(); 32], [std::mem::MaybeUninit::<u8>::uninit(); 64]);
        let iv = b64::decode_small(iv.as_bytes(), &mut iv_buf, "IV")?;
        let ct = b64::decode(ct.as_bytes(), "ciphertext")?;
        let tag = b64::decode_small(tag.as_bytes(), &mut tag_buf, "tag")?;
        let aad = h.as_bytes();
        match header.kid.as_deref() {
            Some(kid) => key_by_kid(self.c, &self.secrets, enc, kid)?.decrypt(&iv, &ct, aad, &tag),
            None => {
                let take = match self.c.no_kid {
                    NoKid::First => 1,
                    NoKid::Each => self.secrets.len(),
                };
                let mut result = Err(Error::new(ErrorCode::JweDecryptionFailed, "decryption failed"));
                for key in self.secrets.iter().take(take).filter_map(|s| s.key_for(enc)).map(|(k, _)| k) {
                    result = key.decrypt(&iv, &ct, aad, &tag);
                    if result.is_ok() {
                        break;
                    }
                }
                result
            }
        }
    }

    /// Encrypts a payload with the first secret and the first `enc`, as the library does
    /// (with its kid when it writes one).
    pub fn encrypt(&self, payload: &[u8]) -> Result<String> {
        let enc = self.c.encs[0];
        let (key, kid) = self.secrets[0].key_for(enc).ok_or_else(|| Error::new(ErrorCode::Internal, "no key"))?;
        let header = if self.c.writes_kid {
            format!(r#"{{"alg":"dir","enc":"{}","kid":"{kid}"}}"#, enc.name())
        } else {
            format!(r#"{{"alg":"dir","enc":"{}"}}"#, enc.name())
        };
        let h = b64::encode(header.as_bytes());
        let (iv, ct, tag) = jwe::encrypt(enc, key.bytes(), payload, h.as_bytes())?;
        Ok(format!("{h}..{}.{}.{}", b64::encode(&iv), b64::encode(&ct), b64::encode(&tag)))
    }
}

/// Header checks, reported before anything is decrypted: alg, enc, zip, crit, kid.
fn check_header(c: &Constants, header: &Header) -> Result<Enc> {
    let unsupported = |m: String| Error::new(ErrorCode::JweUnsupported, m);
    match header.alg.as_deref() {
        Some("dir") => {}
        Some(other) => {
            return Err(unsupported(format!(
                "the JWE alg '{}' is not accepted: {} session tokens use alg 'dir'",
                crate::util::printable(other, 20),
                c.name
            )))
        }
        None => return Err(Error::malformed("the JWE header has no alg")),
    }
    let enc_name = header.enc.as_deref().ok_or_else(|| Error::malformed("the JWE header has no enc"))?;
    let enc = match Enc::from_name(enc_name) {
        Some(e) if c.encs.contains(&e) => e,
        _ => {
            return Err(unsupported(format!(
                "the JWE enc '{}' is not accepted; expected {}",
                crate::util::printable(enc_name, 20),
                c.encs_words
            )));
        }
    };
    if header.zip {
        return Err(unsupported("compressed JWE (zip) is never accepted".into()));
    }
    if header.crit.is_some() {
        return Err(Error::malformed("the JWE header marks an extension as critical (crit), which this decoder does not understand"));
    }
    Ok(enc)
}

/// The key of the secret whose thumbprint is `kid` (for `enc`): ERR_JWE_NO_MATCHING_SECRET
/// when none is.
fn key_by_kid<'s>(c: &Constants, secrets: &'s [DerivedSecret], enc: Enc, kid: &str) -> Result<&'s ContentKey> {
    secrets.iter().filter_map(|s| s.key_for(enc)).find(|(_, k)| *k == kid).map(|(key, _)| key).ok_or_else(|| {
        Error::new(
            ErrorCode::JweNoMatchingSecret,
            if c.secret_name == "AUTH_SECRET" {
                "no configured secret matches the token's kid (a different AUTH_SECRET or salt/cookie name made it)".to_string()
            } else {
                format!("no configured secret matches the token's kid (a different {} made it)", c.secret_name)
            },
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(b: &[u8]) -> String {
        b.iter().map(|x| format!("{x:02x}")).collect()
    }

    /// better-auth 1.7.29's deriveEncryptionSecret and kid for secret 'x' * 40 (printed by
    /// its own code: __test__/fixtures/better-auth/vectors.json, made by
    /// __test__/fixtures/better-auth/make-vectors.mjs).
    #[test]
    fn better_auth_key_and_kid() {
        let v: serde_json::Value = serde_json::from_str(include_str!("../__test__/fixtures/better-auth/vectors.json")).unwrap();
        let d = derive(&BETTER_AUTH, v["secret"].as_str().unwrap(), BETTER_AUTH_SALT).unwrap();
        let (k, kid) = d.key_for(Enc::A256CbcHs512).unwrap();
        assert_eq!(hex(k.bytes()), v["jweKeyHex"].as_str().unwrap());
        assert_eq!(kid, v["jweKid"].as_str().unwrap());
        assert!(d.key_for(Enc::A256Gcm).is_none());
    }

    #[test]
    fn kidless_tokens_follow_the_rule() {
        let s = ["first-secret-first-secret-first-secret", "second-secret-second-secret-second"];
        // A token without kid made with the second secret: Better Auth tries each secret.
        let second = DirJwe::new(&NEXTAUTH_V4, &s[1..], "", "jws").unwrap();
        let t = second.encrypt(b"{}").unwrap();
        assert!(DirJwe::new(&NEXTAUTH_V4, &s, "", "jws").unwrap().decrypt(&t, 4096).is_ok());
        let v5 = DirJwe::new(&AUTHJS_V5, &s[1..], "n", "jws").unwrap();
        let with_kid = v5.encrypt(b"{}").unwrap();
        // Strip the kid: @auth/core then tries only the first secret.
        let h = b64::encode(br#"{"alg":"dir","enc":"A256CBC-HS512"}"#);
        let kidless = format!("{h}{}", &with_kid[with_kid.find('.').unwrap()..]);
        // (the header is the AAD, so the tag fails whichever secret is tried)
        assert_eq!(DirJwe::new(&AUTHJS_V5, &s, "n", "jws").unwrap().decrypt(&kidless, 4096).unwrap_err().code, ErrorCode::JweDecryptionFailed);
        assert_eq!(DirJwe::new(&AUTHJS_V5, &s, "n", "jws").unwrap().decrypt("a.b.c", 4096).unwrap_err().code, ErrorCode::TokenWrongKind);
    }
}
