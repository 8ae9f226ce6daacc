-- Exact stats after the sale: an order cancelled after it was paid is no
-- longer a conversion and brings no revenue (ORDER_CANCELLED, now with the
-- order's shareLinkId), and a refund (PAYMENT_REFUNDED) takes what was
-- given back off the link's revenue.
ALTER TABLE share_link_orders ADD COLUMN cancelled_at timestamptz;

-- What was refunded of an order's payments, from PAYMENT_REFUNDED's
-- refundedPaise (the payment's refunded total so far, so the largest seen
-- wins whatever order the events arrive in).  The payment service does not
-- know the link, so every refund is recorded here, also of orders that did
-- not come through a link (the stats join it to theirs); refunds are few.
CREATE TABLE share_link_refunds (
    order_id   uuid PRIMARY KEY,
    refunded   bigint NOT NULL CHECK (refunded >= 0),   -- paise
    updated_at timestamptz NOT NULL DEFAULT now()
);
