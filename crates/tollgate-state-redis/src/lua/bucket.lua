-- A token bucket (AWS ThrottleSettings) in one atomic step, on Redis's clock so gateway nodes need not agree
-- on the time.
-- KEYS[1]: the bucket, a hash {t = tokens, at = microseconds of the last update}.
-- ARGV[1]: rate (tokens per second), ARGV[2]: burst (capacity), ARGV[3]: 1 to take a token, -1 to give one back.
-- Returns 1 when a token was taken (or given back), 0 when the bucket is empty.
-- A missing bucket is full. The key expires once the bucket would be full again, which is the same as missing;
-- with a rate of 0 it never refills, so it never expires.
if redis.replicate_commands then redis.replicate_commands() end
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000000 + tonumber(time[2])
local saved = redis.call('HMGET', KEYS[1], 't', 'at')
local tokens = tonumber(saved[1])
local at = tonumber(saved[2])
if tokens == nil or at == nil then
  if cost < 0 then return 1 end
  tokens = burst
  at = now
end
if now > at then
  tokens = tokens + (now - at) / 1000000 * rate
  at = now
end
if tokens > burst then tokens = burst end
local taken = 1
if cost > 0 then
  -- The tolerance absorbs a full token summed as 0.999999999.
  if tokens + 1e-9 >= 1 then
    tokens = math.max(tokens - 1, 0)
  else
    taken = 0
  end
else
  tokens = math.min(tokens + 1, burst)
end
-- Numbers go to Redis as exact decimals (tostring would keep only 14 digits).
redis.call('HSET', KEYS[1], 't', tokens, 'at', string.format('%d', at))
if rate > 0 then
  -- Capped at ten years so a tiny rate cannot overflow the expiry.
  local ms = math.min(math.ceil((burst - tokens) / rate * 1000) + 1000, 315360000000)
  redis.call('PEXPIRE', KEYS[1], string.format('%d', ms))
else
  redis.call('PERSIST', KEYS[1])
end
return taken
