// The package as users get it: `npm pack` of authbridge and of its Linux platform
// package (as napi-rs publishes them), installed into fresh CommonJS TypeScript and ESM
// projects; every entry point required and imported, a usage file type-checked with
// tsc --noEmit, a token verified. Also: the addon does not link the system's OpenSSL.
const test = require('node:test')
const assert = require('node:assert/strict')
const { execFileSync, spawnSync } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')

const root = path.resolve(__dirname, '..')
const binary = path.join(root, 'authbridge.linux-x64-gnu.node')
const onLinuxX64 = process.platform === 'linux' && process.arch === 'x64'

test('the addon does not depend on the system libssl/libcrypto at run time', { skip: !onLinuxX64 && 'ldd and this binary name are Linux x64 only' }, () => {
  const out = execFileSync('ldd', [binary], { encoding: 'utf8' })
  assert.doesNotMatch(out, /libssl|libcrypto/, out)
  // Only the C runtime is linked: the glibc floor comes from the build machine (README).
  for (const line of out.trim().split('\n')) {
    assert.match(line, /linux-vdso|libc\.so|libm\.so|libgcc_s|libpthread|libdl|ld-linux|librt/, line)
  }
})

function run(cmd, args, cwd, extraEnv = {}) {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, ...extraEnv } })
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')} failed in ${cwd}\n${r.stdout}\n${r.stderr}`)
  return r.stdout
}

test('npm pack, install into fresh CommonJS (TypeScript) and ESM projects, use every entry point', { skip: !onLinuxX64 && 'packs the linux-x64-gnu platform package', timeout: 240000 }, () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'authbridge-pack-'))
  try {
    // The platform package, as `napi artifacts` fills it before publishing.
    const platformDir = path.join(tmp, 'platform')
    fs.cpSync(path.join(root, 'npm', 'linux-x64-gnu'), platformDir, { recursive: true })
    fs.copyFileSync(binary, path.join(platformDir, 'authbridge.linux-x64-gnu.node'))
    const platformTgz = run('npm', ['pack', '--silent', '--pack-destination', tmp], platformDir).trim().split('\n').pop()
    const mainTgz = run('npm', ['pack', '--silent', '--ignore-scripts', '--pack-destination', tmp], root).trim().split('\n').pop()
    const listing = execFileSync('tar', ['-tzf', path.join(tmp, mainTgz)], { encoding: 'utf8' })
    for (const f of ['package/index.js', 'package/index.d.ts', 'package/js/nest/index.js', 'package/js/socket.io/index.js', 'package/js/passport/index.js', 'package/js/redis/index.js', 'package/js/redis/index.d.ts', 'package/js/nest/revocation.js', 'package/LICENSE']) {
      assert.ok(listing.includes(f), `${f} is in the tarball`)
    }
    assert.ok(!listing.includes('.node'), 'the main package ships no binary: platform packages do')
    assert.ok(!listing.includes('package/src/'), 'no Rust sources in the npm package')

    const deps = { authbridge: `file:${path.join(tmp, mainTgz)}`, 'authbridge-linux-x64-gnu': `file:${path.join(tmp, platformTgz)}` }
    // Nest and Socket.IO are optional peers: the projects reach the repository's copies.
    const env = { NODE_PATH: path.join(root, 'node_modules') }

    const cjs = path.join(tmp, 'cjs')
    fs.mkdirSync(cjs)
    fs.writeFileSync(path.join(cjs, 'package.json'), JSON.stringify({ name: 'cjs-app', private: true, type: 'commonjs', dependencies: deps }))
    run('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts', '--legacy-peer-deps'], cjs)
    fs.writeFileSync(path.join(cjs, 'tsconfig.json'), JSON.stringify({
      compilerOptions: { module: 'node16', moduleResolution: 'node16', target: 'es2022', strict: true, noEmit: true, skipLibCheck: true, types: ['node'], typeRoots: [path.join(root, 'node_modules', '@types')] },
      files: ['usage.ts'],
    }))
    fs.writeFileSync(path.join(cjs, 'usage.ts'), `
import { JwtVerifier, JwtSigner, AuthJsSession, HandshakeAuthenticator, inspect, type VerifierOptions, type AuthbridgeError } from 'authbridge'
import { socketIoAuth, type AuthFailure } from 'authbridge/socket.io'
import type { Strategy } from 'authbridge/passport'
import { RevocationList, type RevocationChange } from 'authbridge'
import { redisRevocation, type RedisRevocation } from 'authbridge/redis'
const list: RevocationList = new RevocationList({ subjectTtl: 3600 }).on('change', (c: RevocationChange) => void c.type)
const store: (o: { client: any, list: RevocationList }) => Promise<RedisRevocation> = redisRevocation
void store
const options: VerifierOptions = { algorithms: ['HS256'], key: 'k'.repeat(32), issuer: ['a', 'b'] }
const verifier = new JwtVerifier(options)
const token: string = new JwtSigner({ algorithm: 'HS256', key: 'k'.repeat(32), expiresIn: '15m', issuer: 'a' }).sign({ sub: 'u' })
const claims: Record<string, unknown> = verifier.verify(token)
const kind: 'jws' | 'jwe' | 'unknown' = inspect(token).kind
const session = new AuthJsSession({ secret: ['s1', 's2'], secureCookie: true })
const fromCookie: Record<string, unknown> | null = session.fromCookieHeader('a=b')
const auth = new HandshakeAuthenticator({ jwt: options, sources: ['auth', 'header'], revocation: list })
const mw = socketIoAuth(auth, { onFailure: (f: AuthFailure) => void f.code })
try { verifier.verify('x') } catch (e) { const code: string = (e as AuthbridgeError).code; void code }
type S = typeof Strategy
export { claims, kind, fromCookie, mw }
`)
    run(process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', '.'], cjs)
    const cjsOut = run(process.execPath, ['-e', `
const ab = require('authbridge')
const { socketIoAuth } = require('authbridge/socket.io')
const { Strategy } = require('authbridge/passport')
const { AuthenticatedSocketAdapter, RevocationModule } = require('authbridge/nest')
const { redisRevocation } = require('authbridge/redis')
const key = 'k'.repeat(32)
const t = ab.sign({ sub: 'cjs' }, key, { algorithm: 'HS256', expiresIn: 60 })
console.log(JSON.stringify({ sub: new ab.JwtVerifier({ algorithms: ['HS256'], key }).verify(t).sub, mw: typeof socketIoAuth({ jwt: { algorithms: ['HS256'], key } }), s: typeof Strategy, a: typeof AuthenticatedSocketAdapter, r: [typeof redisRevocation, typeof RevocationModule], target: ab.__napiBindingTarget }))
`], cjs, env)
    assert.deepEqual(JSON.parse(cjsOut), { sub: 'cjs', mw: 'function', s: 'function', a: 'function', r: ['function', 'function'], target: 'native' })

    const esm = path.join(tmp, 'esm')
    fs.mkdirSync(esm)
    fs.writeFileSync(path.join(esm, 'package.json'), JSON.stringify({ name: 'esm-app', private: true, type: 'module', dependencies: deps }))
    run('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts', '--legacy-peer-deps'], esm)
    fs.writeFileSync(path.join(esm, 'main.js'), `
import { JwtVerifier, sign, AuthJsSession } from 'authbridge'
import { socketIoAuth, useOnAllNamespaces } from 'authbridge/socket.io'
import { Strategy } from 'authbridge/passport'
import { AuthenticatedSocketAdapter } from 'authbridge/nest'
const key = 'k'.repeat(32)
const t = sign({ sub: 'esm' }, key, { algorithm: 'HS256', expiresIn: 60 })
const s = new AuthJsSession({ secret: 'x' })
console.log(JSON.stringify({ sub: new JwtVerifier({ algorithms: ['HS256'], key }).verify(t).sub, session: s.decode(s.encode({ sub: 'sess' })).sub, fns: [typeof socketIoAuth, typeof useOnAllNamespaces, typeof Strategy, typeof AuthenticatedSocketAdapter] }))
`)
    const esmOut = run(process.execPath, ['main.js'], esm, env)
    assert.deepEqual(JSON.parse(esmOut), { sub: 'esm', session: 'sess', fns: ['function', 'function', 'function', 'function'] })
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true })
  }
})
