-- Settlement through RazorpayX Payouts (RAZORPAYX_ACCOUNT_NUMBER set): the
-- payout RazorpayX made for ours (its X-Payout-Idempotency key is our
-- payout id, so a retry never makes a second one), its status when we
-- asked, and why it failed if it did.
ALTER TABLE wallet_payouts
    ADD COLUMN gateway_payout_id text CHECK (gateway_payout_id ~ '^pout_[A-Za-z0-9]{1,40}$'),
    ADD COLUMN gateway_status text CHECK (length(gateway_status) <= 32),
    ADD COLUMN gateway_error text CHECK (length(gateway_error) <= 500);
