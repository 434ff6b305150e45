/**
 * A login attempt, atomically in Redis so that every server process shares
 * the counts (login-attempts.ts LoginAttempts.admit; the arithmetic is
 * login-backoff.ts withFailure and forgottenAt, which the same tests hold
 * this script to). Each count is a hash: failures, waitUntil, knownUntil.
 *
 * KEYS[1]  the count of the account at the client's network (the pair)
 * KEYS[2]  the account-wide count
 * ARGV[1]  now (ms since epoch, the caller's clock)
 * ARGV[2]  how long failures are remembered after their wait (ms)
 * ARGV[3]  per-address rule: free failures
 * ARGV[4]  per-address rule: first delay (ms)
 * ARGV[5]  per-address rule: longest delay (ms)
 * ARGV[6..8]  the same for the account-wide rule
 *
 * Refuses while the pair waits or, for a network not known to the
 * account, while the account waits; otherwise counts the attempt as a
 * failure on the pair, and account-wide for an unknown network.
 * Returns {admitted (1|0), retryAfterMs, counted account-wide (1|0)}.
 */
export const LOGIN_ADMIT_LUA = `
local now = tonumber(ARGV[1])
local forget = tonumber(ARGV[2])
local function read(key)
  local f = redis.call('HMGET', key, 'failures', 'waitUntil', 'knownUntil')
  return {failures = tonumber(f[1]) or 0, waitUntil = tonumber(f[2]) or 0, knownUntil = tonumber(f[3]) or 0}
end
local function countFailure(key, count, free, first, max)
  local failures = count.failures + 1
  local delay = 0
  if failures > free then delay = math.min(max, first * 2 ^ math.min(failures - free - 1, 30)) end
  local waitUntil = now + delay
  redis.call('HSET', key, 'failures', failures, 'waitUntil', waitUntil, 'knownUntil', count.knownUntil)
  redis.call('PEXPIRE', key, math.max(waitUntil + forget, count.knownUntil) - now)
end
local pair = read(KEYS[1])
local known = pair.knownUntil > now
local account = {failures = 0, waitUntil = 0, knownUntil = 0}
if not known then account = read(KEYS[2]) end
local waitUntil = math.max(pair.waitUntil, account.waitUntil)
if waitUntil > now then return {0, waitUntil - now, 0} end
countFailure(KEYS[1], pair, tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5]))
if known then return {1, 0, 0} end
countFailure(KEYS[2], account, tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8]))
return {1, 0, 1}
`;

/**
 * A login that succeeded (LoginAttempts.succeeded).
 *
 * KEYS[1]  the count of the account at the client's network (the pair)
 * KEYS[2]  the account-wide count
 * ARGV[1]  now (ms since epoch, the caller's clock)
 * ARGV[2]  how long the network stays known to the account (ms)
 * ARGV[3]  1 when the attempt was counted account-wide, to be taken back
 *
 * Forgives the pair's failures and makes the network known; takes the
 * attempt back from the account-wide count (never below 0).
 */
export const LOGIN_SUCCEEDED_LUA = `
local now = tonumber(ARGV[1])
local knownFor = tonumber(ARGV[2])
redis.call('HSET', KEYS[1], 'failures', 0, 'waitUntil', 0, 'knownUntil', now + knownFor)
redis.call('PEXPIRE', KEYS[1], knownFor)
if ARGV[3] == '1' and (tonumber(redis.call('HGET', KEYS[2], 'failures')) or 0) > 0 then
  redis.call('HINCRBY', KEYS[2], 'failures', -1)
end
return 1
`;
