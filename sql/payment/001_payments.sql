-- payment_db: payments through Razorpay, their refunds, and the webhook
-- deliveries already applied.  Money is integer paise.

CREATE TABLE payments (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    order_id            uuid NOT NULL,          -- order_db's order (no FK across databases)
    user_id             uuid NOT NULL,          -- the order's customer
    amount              bigint NOT NULL CHECK (amount > 0),
    currency            text NOT NULL DEFAULT 'INR' CHECK (currency ~ '^[A-Z]{3}$'),
    method              text CHECK (method IN ('CARD', 'UPI', 'NETBANKING', 'WALLET')),
    status              text NOT NULL DEFAULT 'PENDING'
                        CHECK (status IN ('PENDING', 'PROCESSING', 'SUCCESS', 'FAILED', 'REFUNDED')),
    razorpay_order_id   text UNIQUE,            -- set when the Razorpay order exists
    razorpay_payment_id text,                   -- the attempt that authorised/captured
    amount_refunded     bigint NOT NULL DEFAULT 0
                        CHECK (amount_refunded >= 0 AND amount_refunded <= amount),
    failure_reason      text,
    paid_at             timestamptz,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    CHECK (status <> 'REFUNDED' OR amount_refunded = amount)
);
-- One open (PENDING) payment per order: POST /payments and create-order
-- reuse it.  No transition ever leads back to PENDING, so webhooks never
-- trip over this index.
CREATE UNIQUE INDEX payments_one_pending ON payments (order_id) WHERE status = 'PENDING';
CREATE INDEX payments_order ON payments (order_id, created_at DESC, id DESC);
CREATE INDEX payments_user ON payments (user_id, created_at DESC, id DESC);
CREATE INDEX payments_created ON payments (created_at DESC, id DESC);
CREATE INDEX payments_rzp_payment ON payments (razorpay_payment_id)
    WHERE razorpay_payment_id IS NOT NULL;
-- The reconciliation job: payments stuck in PENDING, FAILED ones of the last day.
CREATE INDEX payments_status ON payments (status, updated_at);

CREATE TABLE refunds (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    payment_id          uuid NOT NULL REFERENCES payments (id),
    razorpay_refund_id  text NOT NULL UNIQUE,
    amount              bigint NOT NULL CHECK (amount > 0),
    currency            text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    status              text NOT NULL CHECK (status IN ('PENDING', 'PROCESSED', 'FAILED')),
    -- X-Refund-Idempotency sent to Razorpay; NULL for a refund made
    -- elsewhere (Dashboard) and learnt from a webhook.
    idempotency_key     text UNIQUE CHECK (idempotency_key ~ '^[A-Za-z0-9_-]{10,64}$'),
    notes               jsonb,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX refunds_payment ON refunds (payment_id, created_at);

-- X-Razorpay-Event-Id of every webhook delivery applied (or a hash of the
-- body when the header is missing), inserted in the transaction of its
-- effect: a redelivery finds its id and changes nothing.
CREATE TABLE webhook_events (
    event_id    text PRIMARY KEY CHECK (length(event_id) BETWEEN 1 AND 200),
    event       text NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhook_events_age ON webhook_events (received_at);
