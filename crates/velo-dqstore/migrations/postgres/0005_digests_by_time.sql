-- The alarm duty looks every round for recent digests that were taken but never sent (their
-- process died first): by time, across rules.
CREATE INDEX alarm_digests_by_time ON alarm_digests (created_ms);
