//! JWT (RFC 7519) on top of JWS: claim checks, the verifier and the signer.

pub mod cache;
pub mod claims;
pub mod sign;
pub mod verify;

pub use sign::{JwtSigner, SignOptions, Span};
pub use verify::{JwtVerifier, KeySource, VerifierOptions};
