-- A request's throttles and quota in one atomic step: every bucket gives a token and the quota counts the
-- request, or nothing changes (bucket_fns.lua is prepended; the quota's arithmetic is quota.lua's).
-- KEYS[1..n]: the buckets; with a quota, then
-- KEYS[n+1]: this window's counter and KEYS[n+2]: the first window counted for the key.
-- ARGV[1]: n; ARGV[2i], ARGV[2i+1]: bucket i's rate (tokens per second) and burst; with a quota, then its
-- limit, offset, window start and expiry (unix seconds).
-- Returns 1 admitted, 0 throttled (a bucket is empty), -1 quota used up.
if redis.replicate_commands then redis.replicate_commands() end
local n = tonumber(ARGV[1])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000000 + tonumber(time[2])
local tokens = {}
local ats = {}
for i = 1, n do
  local t, at = refill(KEYS[i], tonumber(ARGV[2 * i]), tonumber(ARGV[2 * i + 1]), now)
  if not has_token(t) then return 0 end
  tokens[i] = t
  ats[i] = at
end
local quota = #KEYS > n
local q = 2 * n + 2
if quota then
  local first = redis.call('GET', KEYS[n + 2])
  if not first then
    redis.call('SET', KEYS[n + 2], ARGV[q + 2])
    first = ARGV[q + 2]
  end
  local limit = tonumber(ARGV[q])
  if first == ARGV[q + 2] then
    limit = math.max(limit - tonumber(ARGV[q + 1]), 0)
  end
  local count = tonumber(redis.call('GET', KEYS[n + 1]) or '0')
  if count >= limit then return -1 end
end
for i = 1, n do
  save(KEYS[i], math.max(tokens[i] - 1, 0), ats[i], tonumber(ARGV[2 * i]), tonumber(ARGV[2 * i + 1]))
end
if quota then
  local count = redis.call('INCR', KEYS[n + 1])
  if count == 1 then
    -- Never in the past (a node whose clock is far behind would otherwise restart the count on every request).
    redis.call('EXPIREAT', KEYS[n + 1], string.format('%d', math.max(tonumber(ARGV[q + 3]), tonumber(time[1]) + 3600)))
  end
end
return 1
