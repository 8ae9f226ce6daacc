-- Share links: a reseller's link to the shop (optionally to one product at
-- their own price), its clicks, and the orders placed through it.  Money is
-- integer paise; the currency is stored with every amount.
CREATE TABLE share_links (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    -- 12 random base64url characters (72 bits from the CSPRNG)
    code         text NOT NULL CONSTRAINT share_links_code_key UNIQUE
                 CHECK (code ~ '^[A-Za-z0-9_-]{12}$'),
    seller_id    uuid NOT NULL,                  -- the reseller (auth users.id)
    product_id   uuid,                           -- NULL: any product
    seller_price bigint CHECK (seller_price > 0),-- per unit; NULL: the buyer's line price
    currency     text NOT NULL DEFAULT 'INR' CHECK (currency ~ '^[A-Z]{3}$'),
    expires_at   timestamptz,                    -- NULL: never; past: answered 410
    is_active    boolean NOT NULL DEFAULT true,
    clicks       bigint NOT NULL DEFAULT 0 CHECK (clicks >= 0),
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    -- A price is only ever for one product.
    CHECK (product_id IS NOT NULL OR seller_price IS NULL)
);
CREATE INDEX share_links_seller ON share_links (seller_id, created_at DESC, id DESC);
CREATE INDEX share_links_newest ON share_links (created_at DESC, id DESC);

-- The visitors of a link: one click per visitor per link per hour is
-- counted.  visitor is a keyed SHA-256 of the client address and user
-- agent (fcgi/share-link/visits.c): the address itself is never stored.
CREATE TABLE share_link_visitors (
    link_id     uuid NOT NULL REFERENCES share_links (id),
    visitor     text NOT NULL CHECK (visitor ~ '^[0-9a-f]{64}$'),
    counted_at  timestamptz NOT NULL,            -- the last click counted
    PRIMARY KEY (link_id, visitor)
);

-- Orders placed through a link, from the order service's events:
-- ORDER_CREATED records the order, ORDER_PAID marks it paid (a conversion)
-- with the order's total as revenue.  Either may arrive first.
CREATE TABLE share_link_orders (
    order_id    uuid PRIMARY KEY,
    link_id     uuid NOT NULL REFERENCES share_links (id),
    currency    text NOT NULL DEFAULT 'INR' CHECK (currency ~ '^[A-Z]{3}$'),
    total       bigint NOT NULL CHECK (total >= 0),
    created_at  timestamptz NOT NULL DEFAULT now(),
    paid_at     timestamptz,
    revenue     bigint CHECK (revenue >= 0),     -- the total paid, paise
    CHECK ((paid_at IS NULL) = (revenue IS NULL))
);
CREATE INDEX share_link_orders_link ON share_link_orders (link_id);
