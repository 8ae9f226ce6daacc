-- A product's version: bumped by every write that emits a PRODUCT_* event,
-- under the product's row lock, so it orders the snapshots the pricing
-- service keeps (fcgi/pricing/catalog.c): a snapshot older than the one it
-- has is ignored, whichever arrives first (the direct push or the event).
ALTER TABLE products ADD COLUMN version bigint NOT NULL DEFAULT 1 CHECK (version > 0);
