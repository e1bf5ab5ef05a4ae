-- One bucket, one step (bucket_fns.lua is prepended).
-- KEYS[1]: the bucket. ARGV[1]: rate (tokens per second), ARGV[2]: burst (capacity), ARGV[3]: 1 to take a
-- token, -1 to give one back.
-- Returns 1 when a token was taken (or given back), 0 when the bucket is empty.
if redis.replicate_commands then redis.replicate_commands() end
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000000 + tonumber(time[2])
local tokens, at, missing = refill(KEYS[1], rate, burst, now)
-- Giving back to a full bucket changes nothing.
if missing and cost < 0 then return 1 end
local taken = 1
if cost > 0 then
  if has_token(tokens) then
    tokens = math.max(tokens - 1, 0)
  else
    taken = 0
  end
else
  tokens = math.min(tokens + 1, burst)
end
save(KEYS[1], tokens, at, rate, burst)
return taken
