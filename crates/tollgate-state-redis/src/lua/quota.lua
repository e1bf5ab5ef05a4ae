-- A usage plan's quota (AWS QuotaSettings) in one atomic step: check, then count. A refused request counts
-- nothing, so a quota of N admits exactly N however many gateway nodes race.
-- KEYS[1]: this window's counter; KEYS[2]: the first window counted for the key (the one the offset applies to).
-- ARGV[1]: limit, ARGV[2]: offset, ARGV[3]: window start, ARGV[4]: when the counter expires (unix seconds).
-- Redis's clock bounds the expiry from below.
-- Returns the requests left after this one, or -1 when the quota is used up.
if redis.replicate_commands then redis.replicate_commands() end
local first = redis.call('GET', KEYS[2])
if not first then
  redis.call('SET', KEYS[2], ARGV[3])
  first = ARGV[3]
end
local limit = tonumber(ARGV[1])
if first == ARGV[3] then
  limit = math.max(limit - tonumber(ARGV[2]), 0)
end
local count = tonumber(redis.call('GET', KEYS[1]) or '0')
if count >= limit then return -1 end
count = redis.call('INCR', KEYS[1])
if count == 1 then
  -- Never in the past (a node whose clock is far behind would otherwise restart the count on every request).
  local time = redis.call('TIME')
  redis.call('EXPIREAT', KEYS[1], string.format('%d', math.max(tonumber(ARGV[4]), tonumber(time[1]) + 3600)))
end
return limit - count
