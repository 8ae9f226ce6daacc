-- Orders: the state machine PENDING -> PAID -> SHIPPED -> DELIVERED and
-- PENDING|PAID -> CANCELLED (fcgi/order/status.c), the priced lines, and
-- every status change.  Money is integer paise; the currency is stored with
-- every amount.  Prices are the pricing service's, never the client's.
CREATE TABLE orders (
    id               uuid PRIMARY KEY,
    user_id          uuid NOT NULL,                 -- the buyer (auth users.id)
    seller_id        uuid,                          -- the reseller sold through
    share_link_id    uuid,                          -- the link ordered through
    status           text NOT NULL DEFAULT 'PENDING'
                     CHECK (status IN ('PENDING', 'PAID', 'SHIPPED', 'DELIVERED', 'CANCELLED')),
    currency         text NOT NULL DEFAULT 'INR' CHECK (currency ~ '^[A-Z]{3}$'),
    subtotal         bigint NOT NULL CHECK (subtotal >= 0),
    commission       bigint NOT NULL CHECK (commission >= 0 AND commission <= subtotal),
    total            bigint NOT NULL CHECK (total >= 0),
    shipping_address text CHECK (length(shipping_address) <= 1000),
    payment_id       uuid,                          -- the payment that paid it
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    -- No seller, no commission.
    CHECK (seller_id IS NOT NULL OR commission = 0)
);
-- The list filters, each in the list's order (newest first).
CREATE INDEX orders_newest ON orders (created_at DESC, id DESC);
CREATE INDEX orders_user ON orders (user_id, created_at DESC, id DESC);
CREATE INDEX orders_seller ON orders (seller_id, created_at DESC, id DESC)
    WHERE seller_id IS NOT NULL;
CREATE INDEX orders_status ON orders (status, created_at DESC, id DESC);

CREATE TABLE order_items (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    order_id            uuid NOT NULL REFERENCES orders (id),
    position            integer NOT NULL CHECK (position >= 0),
    product_id          uuid NOT NULL,
    variant_id          uuid NOT NULL,
    product_name        text CHECK (length(product_name) <= 200),  -- at order time
    quantity            integer NOT NULL CHECK (quantity > 0),
    base_price          bigint NOT NULL CHECK (base_price >= 0),     -- per unit
    seller_price        bigint NOT NULL CHECK (seller_price >= base_price),
    subtotal            bigint NOT NULL CHECK (subtotal = seller_price * quantity),
    commission          bigint NOT NULL CHECK (commission >= 0 AND commission <= subtotal),
    commission_rate_bps integer NOT NULL CHECK (commission_rate_bps BETWEEN 0 AND 10000),
    UNIQUE (order_id, position)
);

CREATE TABLE order_status_history (
    id          bigserial PRIMARY KEY,
    order_id    uuid NOT NULL REFERENCES orders (id),
    from_status text,                               -- NULL: the order was created
    to_status   text NOT NULL,
    notes       text CHECK (length(notes) <= 1000),
    actor_id    uuid,                               -- NULL: an event (payment, refund)
    actor_role  text,                               -- ADMIN, CUSTOMER, RESELLER, SYSTEM
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX order_status_history_order ON order_status_history (order_id, id);
