-- The wallet: a ledger of each reseller's commissions and payouts.  Money is
-- integer paise; the currency is stored with every amount.  The invariants
-- live here, not only in fcgi/wallet/: balances never go negative (CHECK),
-- an order's commission is credited once (one wallet_orders row per order,
-- credited only while its commission is NULL) and reversed at most in full
-- (reversed <= commission), and ledger rows are never changed or deleted
-- (the trigger below): a correction is a new row.
CREATE TABLE wallets (
    id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    seller_id      uuid NOT NULL CONSTRAINT wallets_seller_key UNIQUE,
    currency       text NOT NULL DEFAULT 'INR' CHECK (currency ~ '^[A-Z]{3}$'),
    pending        bigint NOT NULL DEFAULT 0 CHECK (pending >= 0),
    available      bigint NOT NULL DEFAULT 0 CHECK (available >= 0),
    -- commissions credited less those reversed
    total_earnings bigint NOT NULL DEFAULT 0 CHECK (total_earnings >= 0),
    -- reversals the available balance could not cover: deducted from the
    -- next releases (and returned payouts) before they become available
    owed           bigint NOT NULL DEFAULT 0 CHECK (owed >= 0),
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now()
);

-- One row per order the wallet has heard of, in whatever order its events
-- arrive: the facts (paid with a commission, delivered, cancelled, the
-- largest refundedPaise seen) and what was done about them (credited,
-- released, reversed so far).  The event consumer locks this row first,
-- then the wallet.
CREATE TABLE wallet_orders (
    order_id    uuid PRIMARY KEY,
    seller_id   uuid,
    wallet_id   uuid REFERENCES wallets (id),     -- set when credited
    commission  bigint CHECK (commission > 0),    -- NULL until ORDER_PAID credits it
    total       bigint CHECK (total >= 0),        -- the order's total (ORDER_PAID)
    currency    text CHECK (currency ~ '^[A-Z]{3}$'),
    credited_at timestamptz,
    delivered_at timestamptz,
    release_at  timestamptz,                      -- delivered_at + COMMISSION_HOLD_DAYS
    released_at timestamptz,                      -- moved to available (or nothing left)
    cancelled   boolean NOT NULL DEFAULT false,
    full_refund boolean NOT NULL DEFAULT false,
    refunded    bigint NOT NULL DEFAULT 0 CHECK (refunded >= 0),
    reversed    bigint NOT NULL DEFAULT 0 CHECK (reversed >= 0),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CHECK (reversed <= coalesce(commission, 0)),
    CHECK ((commission IS NULL) = (wallet_id IS NULL)),
    CHECK ((commission IS NULL) = (credited_at IS NULL))
);
-- The release job's queue.
CREATE INDEX wallet_orders_due ON wallet_orders (release_at)
    WHERE released_at IS NULL AND commission IS NOT NULL;

CREATE TABLE wallet_payouts (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    wallet_id    uuid NOT NULL REFERENCES wallets (id),
    seller_id    uuid NOT NULL,
    amount       bigint NOT NULL CHECK (amount > 0),
    currency     text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    bank_account text NOT NULL CHECK (length(bank_account) BETWEEN 1 AND 200),
    notes        text CHECK (length(notes) <= 1000),
    admin_notes  text CHECK (length(admin_notes) <= 1000),
    status       text NOT NULL DEFAULT 'PENDING'
                 CHECK (status IN ('PENDING', 'APPROVED', 'REJECTED', 'COMPLETED')),
    batch_id     uuid,                            -- the settlement file it went out in
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    approved_at  timestamptz,
    rejected_at  timestamptz,
    completed_at timestamptz
);
CREATE INDEX wallet_payouts_seller ON wallet_payouts (seller_id, created_at DESC, id DESC);
CREATE INDEX wallet_payouts_newest ON wallet_payouts (created_at DESC, id DESC);
CREATE INDEX wallet_payouts_approved ON wallet_payouts (approved_at, id) WHERE status = 'APPROVED';
CREATE INDEX wallet_payouts_batch ON wallet_payouts (batch_id) WHERE batch_id IS NOT NULL;

-- A settlement run's file: one batch per run that completed payouts; a
-- payout is in exactly one batch.  file_written_at NULL: the file is still
-- to be (re)written (the next run does it).
CREATE TABLE wallet_settlements (
    id              uuid PRIMARY KEY,
    payouts         integer NOT NULL CHECK (payouts > 0),
    file            text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    file_written_at timestamptz
);

-- The ledger.  amount is the signed change of the balance named in
-- `balance` (PENDING, AVAILABLE or OWED), and balance_before/after are
-- that balance around the row: after = before + amount always.
CREATE TABLE wallet_transactions (
    seq            bigserial NOT NULL UNIQUE,     -- newest first = seq DESC
    id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    wallet_id      uuid NOT NULL REFERENCES wallets (id),
    type           text NOT NULL CHECK (type IN ('COMMISSION_CREATED', 'COMMISSION_RELEASED',
                   'COMMISSION_REVERSED', 'COMMISSION_OWED', 'OWED_DEDUCTED',
                   'PAYOUT_REQUESTED', 'PAYOUT_REJECTED', 'PAYOUT_COMPLETED')),
    balance        text NOT NULL CHECK (balance IN ('PENDING', 'AVAILABLE', 'OWED')),
    amount         bigint NOT NULL,
    currency       text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    balance_before bigint NOT NULL CHECK (balance_before >= 0),
    balance_after  bigint NOT NULL CHECK (balance_after >= 0),
    order_id       uuid,
    payout_id      uuid REFERENCES wallet_payouts (id),
    description    text NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    CHECK (balance_after = balance_before + amount)
);
CREATE INDEX wallet_transactions_wallet ON wallet_transactions (wallet_id, seq DESC);

CREATE FUNCTION wallet_transactions_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'wallet_transactions rows are never changed or deleted'
        USING ERRCODE = 'check_violation';
END $$;
CREATE TRIGGER wallet_transactions_immutable BEFORE UPDATE OR DELETE ON wallet_transactions
    FOR EACH ROW EXECUTE FUNCTION wallet_transactions_immutable();
