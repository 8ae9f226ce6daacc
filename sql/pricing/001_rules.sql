-- Commission rules: the most specific rule applies to a line,
-- PRODUCT (scope_id = product id) > CATEGORY (scope_id = category id) > DEFAULT.
-- Rates and markups are basis points (1000 = 10.00 %), never floating point.
CREATE TABLE commission_rules (
    id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    scope          text NOT NULL CHECK (scope IN ('DEFAULT', 'CATEGORY', 'PRODUCT')),
    scope_id       uuid,
    rate_bps       integer NOT NULL CHECK (rate_bps BETWEEN 0 AND 10000),
    -- seller price <= base price * (1 + max_markup_bps / 10000); NULL: no cap
    max_markup_bps integer CHECK (max_markup_bps >= 0),
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT commission_rules_scope_id CHECK ((scope = 'DEFAULT') = (scope_id IS NULL)),
    CONSTRAINT commission_rules_scope_unique UNIQUE (scope, scope_id)
);
-- UNIQUE treats NULLs as distinct: this keeps the DEFAULT rule single.
CREATE UNIQUE INDEX commission_rules_one_default ON commission_rules (scope)
    WHERE scope = 'DEFAULT';

INSERT INTO commission_rules (scope, scope_id, rate_bps) VALUES ('DEFAULT', NULL, 1000);
