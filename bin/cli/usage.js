'use strict'
// The text of `authbridge --help`.

const USAGE = `authbridge: inspect, verify and decode JWTs, Auth.js / NextAuth and Better Auth sessions

Usage:
  authbridge inspect [--json] <token>
  authbridge verify --alg ALG [--alg ALG ...] <key source> [options] <token>
  authbridge authjs [--secret-env NAME ...] [options] <token | Cookie header>
  authbridge better-auth [options] --cookie <Cookie header> | <cookie-cache value>
  authbridge --help | --version

  <token> may be '-' to read it from stdin (surrounding whitespace is trimmed).

inspect   Explains a token without any key: kind, Auth.js session or not, header, the
          unverified claims of a JWS, times ("expired 3 min ago") and hints about usual
          mistakes. Never prints the signature or the ciphertext. Exit 1 when the token
          cannot be decoded at all.
  --json                  print the inspection object as JSON

verify    Verifies a JWS with pinned algorithms; prints the claims as JSON.
  --alg ALG               allowed algorithm (repeatable), e.g. HS256, RS256, ES256, EdDSA
  key source, exactly one:
  --secret-env NAME       HMAC secret from the environment variable NAME
  --key-file PATH         HMAC secret or PEM public key from a file (trailing newlines
                          of a text file are removed)
  --jwk-file PATH         one JWK (JSON) from a file
  --jwks-file PATH        a JWK Set (JSON) from a file
  --jwks-uri URL          a JWK Set fetched from URL (https)
  (none, with one --issuer URL: the keys are discovered from the issuer's
   /.well-known/openid-configuration)
  --allow-http            permit plain http for --jwks-uri / discovery (loopback, tests)
  --issuer X              expected iss (repeatable: any of them)
  --audience Y            expected aud (repeatable: any of them)
  --subject S             expected sub
  --clock-tolerance N     seconds of leeway for exp / nbf (default 0)
  --allow-weak-secret     accept HMAC secrets shorter than the hash output

authjs    Decrypts an Auth.js (v5) or NextAuth v4 session token; prints its claims as
          JSON. An argument containing '=' or ';' is read as a Cookie header (chunked
          cookies .0, .1, ... are joined); otherwise as the token itself.
  --secret-env NAME       secret from the environment variable NAME (repeatable, for
                          rotation; default AUTH_SECRET)
  --secret-file PATH      secret from a file (repeatable; trailing newlines removed)
  --secure-cookie         read __Secure-authjs.session-token (as on https)
  --cookie-name N         the session cookie name
  --salt S                the HKDF salt (default: the cookie name; '' for --v4)
  --v4                    NextAuth v4 format (cookie next-auth.session-token)
  --clock-tolerance N     seconds of leeway for exp (default 15)

better-auth  Checks a Better Auth session; prints { session, user, ... } as JSON. A
          Cookie header (--cookie, or an argument containing '=' or ';') is read as
          better-auth's getSession reads it: the signed session token and its cookie
          cache (chunks joined); otherwise the argument is a session_data value.
          Exit 1 with ERR_SESSION_LOOKUP_REQUIRED for a token without a cookie cache.
  --cookie HEADER         the Cookie header
  --secret-env NAME       BETTER_AUTH_SECRET from the variable NAME (default
                          BETTER_AUTH_SECRET; with --secrets-env, the legacy secret)
  --secret-file PATH      the secret from a file (trailing newlines removed)
  --secrets-env NAME      versioned secrets "2:new,1:old" from the variable NAME
                          (default BETTER_AUTH_SECRETS when set)
  --secure-cookie         read the __Secure- cookies (better-auth on https)
  --cookie-prefix P       advanced.cookiePrefix (default better-auth)
  --strategy S            compact, jwt or jwe (default: detected from the value)
  --cache-version V       session.cookieCache.version (default 1)
  --clock-tolerance N     seconds of leeway (default: 15 for jwe, 0 otherwise)

Secrets are never accepted on the command line (--secret, --key, ... are refused).
Exit codes: 0 success, 1 token refused or unreadable, 2 usage error.
`

/** Prints the usage; exit code 0. */
function help() {
  process.stdout.write(`${USAGE}\n`)
  return 0
}

module.exports = { USAGE, help }
