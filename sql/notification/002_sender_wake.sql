-- The sender (workers/sender.c) runs one lane per channel, each claiming
-- only its own channel's due rows.  Two changes for it:
--
-- 1. The wake-up names the channel, and only a row that becomes due for
--    sending sends it (a new PENDING row, or one put back to PENDING by an
--    admin's retry).  The statement trigger of 001 also fired on every
--    SENT and FAILED mark: under a burst of 500 emails a second, the idle
--    SMS and WhatsApp lanes were woken 500 times a second each to find
--    nothing.  pg_notify folds identical payloads of one transaction, so
--    an insert of many rows wakes each channel's lane once.
-- 2. A lane's claim reads the due rows of its channel: an index on
--    (channel, next_attempt_at, id) of the PENDING rows, so a backlog of
--    one channel (a provider that hangs) costs the others nothing.

DROP TRIGGER notifications_notify ON notifications;
DROP FUNCTION notifications_notify();

CREATE FUNCTION notifications_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('notifications', NEW.channel);
    RETURN NULL;
END $$;
CREATE TRIGGER notifications_notify AFTER INSERT OR UPDATE OF status ON notifications
    FOR EACH ROW WHEN (NEW.status = 'PENDING') EXECUTE FUNCTION notifications_notify();

CREATE INDEX notifications_due_channel ON notifications (channel, next_attempt_at, id)
    WHERE status = 'PENDING';
