'use strict'
// authbridge verify: verifies a JWS with pinned algorithms and one key source.

const { JwtVerifier, supportedAlgorithms } = require('../../js/index.js')
const { help } = require('./usage.js')
const { UsageError, parse, tokenArgument, seconds, secretFromEnv, readKeyFile, stripTextNewlines } = require('./args.js')
const { json, out, failure } = require('./output.js')

/** The algorithm names, from the addon (written once, in src/alg.rs). */
const ALGORITHMS = supportedAlgorithms()

function verifyCommand(argv) {
  const { options, positionals } = parse(argv, {
    '--alg': 'list',
    '--secret-env': 'list',
    '--key-file': 'list',
    '--jwk-file': 'list',
    '--jwks-file': 'list',
    '--jwks-uri': 'list',
    '--allow-http': 'bool',
    '--issuer': 'list',
    '--audience': 'list',
    '--subject': 'value',
    '--clock-tolerance': 'value',
    '--allow-weak-secret': 'bool',
  })
  if (options.help) return help()
  const algorithms = options.alg || []
  if (algorithms.length === 0) throw new UsageError('verify needs --alg (e.g. --alg HS256): the algorithm is pinned, never taken from the token')
  for (const alg of algorithms) {
    if (!ALGORITHMS.includes(alg)) {
      throw new UsageError(`--alg must be one of ${ALGORITHMS.join(', ')}${/^none$/i.test(alg) ? " ('none' is never accepted)" : ''}`)
    }
  }
  const sources = ['secret-env', 'key-file', 'jwk-file', 'jwks-file', 'jwks-uri'].flatMap((k) => (options[k] || []).map((v) => [k, v]))
  // No key source and one issuer URL: the keys are discovered from the issuer.
  if (sources.length === 0 && options.issuer && options.issuer.length === 1 && /^https?:\/\//i.test(options.issuer[0])) sources.push(['issuer', options.issuer[0]])
  if (sources.length === 0) throw new UsageError('verify needs one key source: --secret-env NAME, --key-file PATH, --jwk-file PATH, --jwks-file PATH, --jwks-uri URL or one --issuer URL')
  if (sources.length > 1) throw new UsageError('verify takes exactly one key source (--secret-env, --key-file, --jwk-file, --jwks-file or --jwks-uri)')
  const clockTolerance = seconds('--clock-tolerance', options['clock-tolerance'])
  const token = tokenArgument(positionals)

  const [source, value] = sources[0]
  const verifierOptions = { algorithms }
  if (source === 'secret-env') verifierOptions.key = secretFromEnv(value)
  else if (source === 'key-file') verifierOptions.key = stripTextNewlines(readKeyFile('--key-file', value))
  else if (source === 'jwk-file') verifierOptions.jwk = readKeyFile('--jwk-file', value).toString('utf8')
  else if (source === 'jwks-file') verifierOptions.jwks = readKeyFile('--jwks-file', value).toString('utf8')
  else if (source === 'jwks-uri') verifierOptions.jwksUri = value
  if (source === 'jwks-uri' || source === 'issuer') verifierOptions.jwksOptions = { allowHttp: options['allow-http'] === true }
  if (options.issuer) verifierOptions.issuer = options.issuer.length === 1 ? options.issuer[0] : options.issuer
  if (options.audience) verifierOptions.audience = options.audience.length === 1 ? options.audience[0] : options.audience
  if (options.subject !== undefined) verifierOptions.subject = options.subject
  if (clockTolerance !== undefined) verifierOptions.clockTolerance = clockTolerance
  if (options['allow-weak-secret']) verifierOptions.allowWeakSecret = true

  if (source === 'jwks-uri' || source === 'issuer') {
    // A remote key set: one load (discovery included), then the same verification.
    let verifier
    try {
      verifier = new JwtVerifier(verifierOptions)
    } catch (e) {
      return failure(e)
    }
    return verifier.remoteJwks
      .ready()
      .then(() => verifier.verify(token))
      .then(
        (claims) => {
          out(json(claims))
          return 0
        },
        (e) => failure(e),
      )
      .finally(() => verifier.remoteJwks.close())
  }

  let claims
  try {
    claims = new JwtVerifier(verifierOptions).verify(token)
  } catch (e) {
    return failure(e)
  }
  out(json(claims))
  return 0
}

module.exports = { verifyCommand }
