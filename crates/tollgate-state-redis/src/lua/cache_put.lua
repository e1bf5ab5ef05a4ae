-- Stores a cached response under the partition's current generation, read in the same atomic step: an entry
-- stored after a flush (on any node) is a hit, one stored before it is a miss, whatever this node last saw.
-- KEYS[1]: the entry; KEYS[2]: the partition's generation counter (bumped by a flush; missing means 0).
-- ARGV[1]: the value's start (magic), ARGV[2]: the rest (status, headers, body), ARGV[3]: TTL in milliseconds.
-- The value is ARGV[1] .. GENERATION .. '\n' .. ARGV[2] (src/entry.rs). Returns the generation.
local generation = redis.call('GET', KEYS[2]) or '0'
redis.call('SET', KEYS[1], ARGV[1] .. generation .. '\n' .. ARGV[2], 'PX', ARGV[3])
return tonumber(generation)
