-- The reconcile job (fcgi/payment/reconcile.c, refund part in
-- reconcile_refunds.c) also settles refunds whose news never reached us:
-- a PENDING refund whose refund.processed / refund.failed was lost, and a
-- refund call whose answer was lost (a timeout, a crash: no row, yet
-- Razorpay may have refunded).  POST /payments/:id/refund sets
-- refund_asked_at before it asks Razorpay; once it is older than the job's
-- threshold, the job reads Razorpay's refunds of the payment, records what
-- we miss and clears it.  The rotation is the payment's reconciled_at.
ALTER TABLE payments ADD COLUMN refund_asked_at timestamptz;
CREATE INDEX payments_refund_asked ON payments (refund_asked_at)
    WHERE refund_asked_at IS NOT NULL;
CREATE INDEX refunds_pending ON refunds (payment_id, created_at) WHERE status = 'PENDING';
