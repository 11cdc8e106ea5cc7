-- Claim a request's cache entry for a new job, or find the job already holding it, in one round
-- trip (it took three: the claim, the holder's record, the hit's count).
-- KEYS[1]: the cache entry; KEYS[2]: the new job's record; KEYS[3]: the job counters.
-- ARGV[1]: the new job's id; ARGV[2]: its record; ARGV[3]: TTL (s) of both;
-- ARGV[4]: the cache-hit counter's field; ARGV[5]: the prefix of job record keys.
-- Returns {holder's id, its record as stored} when another job holds the entry and its record
-- is still there (a hit, counted); else false, and the entry is the new job's, its record stored
-- (a holder whose record expired is replaced).
local holder = redis.call("GET", KEYS[1])
if holder then
    local stored = redis.call("GET", ARGV[5] .. holder)
    if stored then
        redis.call("HINCRBY", KEYS[3], ARGV[4], 1)
        return {holder, stored}
    end
end
redis.call("SET", KEYS[2], ARGV[2], "EX", ARGV[3])
redis.call("SET", KEYS[1], ARGV[1], "EX", ARGV[3])
return false
