-- RazorpayX payout webhooks (POST /wallets/webhook/razorpayx).
--
-- The deliveries applied: X-Razorpay-Event-Id (or "body:" and the body's
-- SHA-256 without one), inserted in the same transaction as the effect, so
-- a redelivered event changes nothing.
CREATE TABLE webhook_events (
    event_id    text PRIMARY KEY CHECK (length(event_id) BETWEEN 1 AND 200),
    event       text NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhook_events_age ON webhook_events (received_at);

-- A payout RazorpayX processed and the bank then reversed: its amount
-- returns to the available balance in a ledger row of its own.
ALTER TABLE wallet_transactions DROP CONSTRAINT wallet_transactions_type_check;
ALTER TABLE wallet_transactions ADD CONSTRAINT wallet_transactions_type_check
    CHECK (type IN ('COMMISSION_CREATED', 'COMMISSION_RELEASED', 'COMMISSION_REVERSED',
    'COMMISSION_OWED', 'OWED_DEDUCTED', 'PAYOUT_REQUESTED', 'PAYOUT_REJECTED',
    'PAYOUT_COMPLETED', 'PAYOUT_REVERSED'));

-- The webhook finds our payout by RazorpayX's id.
CREATE UNIQUE INDEX wallet_payouts_gateway ON wallet_payouts (gateway_payout_id)
    WHERE gateway_payout_id IS NOT NULL;
