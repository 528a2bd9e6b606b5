//! The napi binding: thin wrappers that convert arguments, call the core and convert
//! results and errors. No token logic lives here.

mod args;
mod errors;
mod handle;
mod jwks;
mod jwt;
mod metrics;
mod inspect;
mod authjs;
mod betterauth;
mod handshake;
mod origin;
mod raw;
mod json;
mod options;
mod revocation;
mod util;
