-- The reaper (POST /internal/product/jobs/reap-reservations) releases
-- reservations that no order owns: a worker killed between the
-- reservation and the order's commit, or a product worker killed after its
-- reservation committed, leaves one.  touched_at is when the reservation
-- was made or last asked for again by a retry of its order (a retry after a
-- crash reserves under the same order id); the reaper releases only
-- reservations untouched for its bound, so a retry racing it either finds
-- its reservation released (and is refused) or keeps it.
ALTER TABLE reservations ADD COLUMN touched_at timestamptz NOT NULL DEFAULT now();
CREATE INDEX reservations_held_age ON reservations (touched_at) WHERE status = 'RESERVED';
