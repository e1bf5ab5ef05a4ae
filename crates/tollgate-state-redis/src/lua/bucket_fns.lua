-- Prepended to bucket.lua and admit.lua: a token bucket (AWS ThrottleSettings) read, refilled and saved, on
-- Redis's clock so gateway nodes need not agree on the time. A bucket is a hash {t = tokens, at = microseconds
-- of the last update}; a missing bucket is full. Its key expires once the bucket would be full again, which is
-- the same as missing; with a rate of 0 it never refills, so it never expires.

-- The bucket at `key` refilled to `now`: its tokens, the time they are counted at, and whether it was missing.
local function refill(key, rate, burst, now)
  local saved = redis.call('HMGET', key, 't', 'at')
  local tokens = tonumber(saved[1])
  local at = tonumber(saved[2])
  local missing = tokens == nil or at == nil
  if missing then
    tokens = burst
    at = now
  end
  if now > at then
    tokens = tokens + (now - at) / 1000000 * rate
    at = now
  end
  if tokens > burst then tokens = burst end
  return tokens, at, missing
end

-- Writes the bucket back with its expiry.
local function save(key, tokens, at, rate, burst)
  -- Numbers go to Redis as exact decimals (tostring would keep only 14 digits).
  redis.call('HSET', key, 't', tokens, 'at', string.format('%d', at))
  if rate > 0 then
    -- Capped at ten years so a tiny rate cannot overflow the expiry.
    local ms = math.min(math.ceil((burst - tokens) / rate * 1000) + 1000, 315360000000)
    redis.call('PEXPIRE', key, string.format('%d', ms))
  else
    redis.call('PERSIST', key)
  end
end

-- The tolerance absorbs a full token summed as 0.999999999.
local function has_token(tokens)
  return tokens + 1e-9 >= 1
end

