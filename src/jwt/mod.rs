//! JWT (RFC 7519) on top of JWS: claim checks, the verifier and the signer.

pub mod cache;
pub mod claims;
pub mod sign;
pub mod verify;

pub use crate::options::Span;
pub use sign::{JwtSigner, SignOptions};
pub use verify::{verify_jws, JwsOptions, JwtVerifier, KeySource, VerifierOptions};
