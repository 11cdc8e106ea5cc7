-- Resolutions are notified too, in the same digests as openings. Those recorded before this
-- version were never meant to go out: they are marked as taken (digest 0, which no digest is),
-- so that an upgrade does not send the whole history of resolutions at once.
UPDATE alarm_events SET digest_id = 0 WHERE event = 'resolved' AND digest_id IS NULL;
DROP INDEX alarm_events_unsent;
CREATE INDEX alarm_events_unsent ON alarm_events (id)
    WHERE digest_id IS NULL AND event IN ('opened', 'reopened', 'resolved');
