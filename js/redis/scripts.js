'use strict'
// authbridge/redis: the two Lua scripts (a write; the periodic check) and how they are run
// (EVALSHA, EVAL when Redis does not have the script yet). Key layout: js/redis/index.js.

const crypto = require('node:crypto')

// KEYS: jti set, sub set, log, epoch. ARGV: now, subjectTtl, logLength, channel, publish
// command ('' for none), mode ('e' each change logged, 'w' written back unlogged, 'm' one
// marker), epoch candidate, then (t, x, id) triples. Returns { last log id or '', epoch, changed }.
const WRITE_SCRIPT = `
local now = tonumber(ARGV[1])
local ttl = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', '(' .. string.format('%.17g', now - ttl))
redis.call('SET', KEYS[4], ARGV[7], 'NX')
local epoch = redis.call('GET', KEYS[4])
local mode = ARGV[6]
local changed = 0
local last = ''
local function append(t, x, id)
  local prev = '0-0'
  local top = redis.call('XREVRANGE', KEYS[3], '+', '-', 'COUNT', 1)
  if top[1] then prev = top[1][1] end
  local nid = redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[3], '*', 'p', prev, 'e', epoch, 't', t, 'x', x, 'i', id)
  if ARGV[5] ~= '' then
    redis.call(ARGV[5], ARGV[4], '1 ' .. prev .. ' ' .. nid .. ' ' .. epoch .. ' ' .. t .. ' ' .. x .. ' ' .. id)
  end
  return nid
end
for k = 8, #ARGV, 3 do
  local t, x, id = ARGV[k], ARGV[k + 1], ARGV[k + 2]
  local v = tonumber(x)
  local key = KEYS[2]
  local live = v ~= nil and v + ttl >= now
  if t == 'j' then
    key = KEYS[1]
    live = v ~= nil and v >= now
  end
  if live and redis.call('ZADD', key, 'GT', 'CH', x, id) == 1 then
    changed = changed + 1
    if mode == 'e' then last = append(t, x, id) end
  end
end
if mode == 'm' then last = append('r', '0', '') end
return { last, epoch, changed }
`

// KEYS as above. ARGV: now, subjectTtl, epoch candidate. Trims expired entries, creates the
// epoch if missing; returns { epoch, the log's last id or '' }.
const SYNC_SCRIPT = `
local now = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', '(' .. string.format('%.17g', now - tonumber(ARGV[2])))
redis.call('SET', KEYS[4], ARGV[3], 'NX')
local top = redis.call('XREVRANGE', KEYS[3], '+', '-', 'COUNT', 1)
local last = ''
if top[1] then last = top[1][1] end
return { redis.call('GET', KEYS[4]), last }
`

const sha1 = (s) => crypto.createHash('sha1').update(s).digest('hex')
const SCRIPTS = {
  write: { text: WRITE_SCRIPT, sha: sha1(WRITE_SCRIPT) },
  sync: { text: SYNC_SCRIPT, sha: sha1(SYNC_SCRIPT) },
}

/** Runs a script on KEYS (jti set, sub set, log, epoch): EVALSHA, EVAL after a NOSCRIPT. */
async function runScript(driver, KEYS, script, args) {
  try {
    return await driver.command(['EVALSHA', script.sha, KEYS.length, ...KEYS, ...args])
  } catch (err) {
    if (!/NOSCRIPT/.test(String(err && err.message))) throw err
    return driver.command(['EVAL', script.text, KEYS.length, ...KEYS, ...args])
  }
}

/** A candidate id for a new Redis incarnation (the scripts SET it NX). */
const newEpoch = () => crypto.randomBytes(12).toString('hex')

module.exports = { WRITE_SCRIPT, SYNC_SCRIPT, SCRIPTS, runScript, newEpoch }
