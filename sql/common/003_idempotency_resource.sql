-- The id of what the first request with a key creates (an order, a
-- payment, a payout), chosen when the key is claimed.  A retry after a
-- crash that left the key unanswered keeps it, so the handler can find
-- what the first attempt made (and an order is never made twice).
ALTER TABLE idempotency_keys ADD COLUMN resource_id uuid;
