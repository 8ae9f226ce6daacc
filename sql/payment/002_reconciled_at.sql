-- The reconcile job (fcgi/payment/reconcile.c) looks first at the payments
-- it looked at least recently: abandoned checkouts stay PENDING and due,
-- and ordered by age alone they would take every run's places forever.
ALTER TABLE payments ADD COLUMN reconciled_at timestamptz;
