'use strict'
// Runs a passport strategy the way passport does: authenticate() is called on an object
// made from the strategy (Object.create), given success / fail / error / pass / redirect.
// Resolves with the first outcome: { kind, user, info, err, status, req }. Nothing else.

const DEFAULT_TIMEOUT_MS = 10000

/** A request as Node's http (and passport-jwt's tests) give it: method, url, headers. */
function request(extra = {}) {
  return { method: 'GET', url: '/', headers: {}, ...extra, headers: { ...(extra.headers || {}) } }
}

function run(strategy, req = request(), options = {}) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the strategy gave no outcome')), DEFAULT_TIMEOUT_MS)
    const s = Object.create(strategy)
    let outcome = null
    const settle = (o) => {
      if (outcome) {
        reject(new Error(`a second outcome (${o.kind}) after ${outcome.kind}`))
        return
      }
      outcome = { ...o, req }
      clearTimeout(timer)
      resolve(outcome)
    }
    s.success = (user, info) => settle({ kind: 'success', user, info })
    s.fail = (info, status) => settle({ kind: 'fail', info, status })
    s.error = (err) => settle({ kind: 'error', err })
    s.pass = () => settle({ kind: 'pass' })
    s.redirect = (url) => settle({ kind: 'redirect', url })
    try {
      s.authenticate(req, options)
    } catch (err) {
      clearTimeout(timer)
      reject(err)
    }
  })
}

/**
 * Runs a strategy through a real passport instance (passport.authenticate with a custom
 * callback), registered under its own name: { err, user, info, status }.
 */
function runPassport(passport, strategy, req = request()) {
  const p = new passport.Passport()
  p.use(strategy)
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('passport gave no outcome')), DEFAULT_TIMEOUT_MS)
    const middleware = p.authenticate(strategy.name, { session: false }, (err, user, info, status) => {
      clearTimeout(timer)
      resolve({ err, user, info, status })
    })
    middleware(req, {}, (err) => {
      clearTimeout(timer)
      reject(err || new Error('next() was called'))
    })
  })
}

module.exports = { request, run, runPassport }
