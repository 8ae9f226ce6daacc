-- Idempotency-Key: the first response to a (caller, key) is kept 24 hours
-- and replayed to a retry with the same request; a different request with
-- the same key is a 422.  request_hash is SHA-256 of method, path and body.
CREATE TABLE idempotency_keys (
    owner_id        text NOT NULL,            -- the caller's user id
    key             text NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
    request_hash    text NOT NULL,
    status          integer,                  -- NULL while the first request runs
    response        text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (owner_id, key)
);
CREATE INDEX idempotency_keys_age ON idempotency_keys (created_at);
