-- The notification service (fcgi/notification/README.md): what it knows
-- of each user (from USER_REGISTERED, later auth's internal API), each
-- user's channel preferences, and one row per (event, recipient, channel)
-- that the sender (workers/sender.c) delivers.  The outbox and inbox come
-- from sql/common, applied before this file.

-- A user's contact: where to reach them and how to greet them.
CREATE TABLE contacts (
    user_id     uuid PRIMARY KEY,                -- auth users.id
    email       text,
    phone       text,                            -- E.164 (+9198...)
    first_name  text,
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- Channels a user turned on or off; no row: the defaults below.
CREATE TABLE preferences (
    user_id     uuid PRIMARY KEY,
    email       boolean NOT NULL DEFAULT true,
    sms         boolean NOT NULL DEFAULT false,
    whatsapp    boolean NOT NULL DEFAULT true,
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- One message to one recipient on one channel.  The unique key makes a
-- repeated event (the relay delivers at least once) a no-op in SQL.
CREATE TABLE notifications (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id             uuid NOT NULL,
    type                text NOT NULL CHECK (type ~ '^[A-Z][A-Z_]{2,63}$'),
    channel             text NOT NULL CHECK (channel IN ('EMAIL', 'SMS', 'WHATSAPP')),
    recipient           text NOT NULL,           -- an address or a number
    subject             text,                    -- EMAIL only
    body                text NOT NULL,
    status              text NOT NULL DEFAULT 'PENDING'
                        CHECK (status IN ('PENDING', 'SENT', 'FAILED')),
    attempts            integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    last_error          text,
    provider_message_id text,
    event_id            uuid NOT NULL,           -- the event it came from
    created_at          timestamptz NOT NULL DEFAULT now(),
    sent_at             timestamptz,
    next_attempt_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT notifications_once UNIQUE (event_id, user_id, channel),
    CHECK ((status = 'SENT') = (sent_at IS NOT NULL))
);
-- What the sender claims: exactly the PENDING rows, the due ones first.
CREATE INDEX notifications_due ON notifications (next_attempt_at, id)
    WHERE status = 'PENDING';
-- A user's list, newest first.
CREATE INDEX notifications_user ON notifications (user_id, created_at DESC, id DESC);
-- An admin's list of everyone's, newest first.
CREATE INDEX notifications_newest ON notifications (created_at DESC, id DESC);

-- Wakes the sender at once (LISTEN notifications); polling is the fallback.
CREATE FUNCTION notifications_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('notifications', '');
    RETURN NULL;
END $$;
CREATE TRIGGER notifications_notify AFTER INSERT OR UPDATE OF status ON notifications
    FOR EACH STATEMENT EXECUTE FUNCTION notifications_notify();
