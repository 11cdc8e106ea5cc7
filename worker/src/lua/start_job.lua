-- Start a job: count the attempt and mark the record started, unless the job already ended,
-- in one round trip (the worker used to read the record, then write it).
-- KEYS[1]: the job record; KEYS[2]: the job's attempt counter.
-- ARGV[1]: TTL (s) of both; ARGV[2]: most attempts; ARGV[3], ARGV[4]: the started record before
-- and after its attempt count.
-- Returns this attempt's number (the record was marked started unless it is over the most
-- attempts), 0 when the job had ended, -2 when its record is gone, -1 when the record is not laid
-- out status first (written by an earlier version): then nothing was changed, and the worker
-- decides from the record itself.
local rec = redis.call("GET", KEYS[1])
if not rec then
    return -2
end
local head = string.sub(rec, 1, 20)
-- A large final record is stored compressed (velo_jobs::compressed, "vgz1").
if string.sub(head, 1, 4) == "vgz1" or head == '{"status":"finished"'
    or string.sub(head, 1, 18) == '{"status":"failed"' then
    return 0
end
if string.sub(head, 1, 18) ~= '{"status":"queued"' and head ~= '{"status":"started",' then
    return -1
end
local attempt = redis.call("INCR", KEYS[2])
redis.call("EXPIRE", KEYS[2], ARGV[1])
if attempt <= tonumber(ARGV[2]) then
    redis.call("SET", KEYS[1], ARGV[3] .. attempt .. ARGV[4], "EX", ARGV[1])
end
return attempt
