/**
 * Token bucket, atomically in Redis so that every server process shares it.
 *
 * KEYS[1]  the bucket's hash key (fields: tokens, ts)
 * ARGV[1]  capacity (tokens)
 * ARGV[2]  refill rate (tokens per millisecond)
 * ARGV[3]  now (ms since epoch, the caller's clock)
 * ARGV[4]  tokens to take (0: only look whether one token is left)
 *
 * Allowed when at least max(cost, 1) tokens are left (less 1e-9, so that
 * waiting exactly retryAfterMs is enough despite float rounding), so that
 * a look with cost 0 is refused once the bucket is empty.
 * Returns {allowed (1|0), retryAfterMs}.
 */
export const TOKEN_BUCKET_LUA = `
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local cost = tonumber(ARGV[4])
local need = math.max(cost, 1)
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1]) or capacity
local ts = tonumber(state[2]) or now
tokens = math.min(capacity, tokens + math.max(0, now - ts) * rate)
local allowed = 0
local retry = 0
if tokens + 1e-9 >= need then
  tokens = tokens - cost
  allowed = 1
else
  retry = math.ceil((need - tokens) / rate)
end
redis.call('HSET', KEYS[1], 'tokens', tokens, 'ts', now)
redis.call('PEXPIRE', KEYS[1], math.ceil(capacity / rate) + 1000)
return {allowed, retry}
`;
