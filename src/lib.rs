//! authbridge: algorithm-pinned JWS verification, Auth.js session (JWE) decoding and
//! a Socket.IO handshake authenticator, as a plain Rust core with a thin napi layer
//! (`src/node`, behind the default `node` feature).

pub mod alg;
pub mod authjs;
pub mod betterauth;
pub mod b64;
pub mod dirjwe;
pub mod error;
pub mod extract;
#[cfg(feature = "fuzz")]
#[doc(hidden)]
pub mod fuzz;
pub mod handshake;
pub mod inspect;
pub mod json;
pub mod json_fast;
pub mod jwe;
pub mod jws;
pub mod jwt;
pub mod metrics;
pub mod key;
pub mod options;
pub mod revocation;
pub mod session;
pub mod origin;
pub mod remote;
pub mod token;
pub mod util;

#[cfg(feature = "node")]
mod node;

pub use alg::Algorithm;
pub use error::{Error, ErrorCode, Result};
