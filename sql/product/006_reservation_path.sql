-- The reservation's hot path (S_RES_ATOMIC), measured under the order bench.
--
-- 1. A line naming only a product reserves its default variant:
--    ORDER BY is_default DESC, position, id LIMIT 1.  variants_product
--    cannot give that order, so the plan was a bitmap scan and a sort; a
--    bitmap scan also visits every dead version a stock update left behind
--    (it cannot skip index entries known dead), 80 heap pages for a product
--    ordered often between two vacuums.  This index answers it with one
--    index scan that stops at the first live row.
CREATE INDEX variants_default ON variants (product_id, is_default DESC, position, id)
    WHERE deleted_at IS NULL;

-- 2. Every reservation and release updates a variant's stock: room on each
--    page lets that update stay on the page (HOT), so it adds no index entry
--    and leaves no dead one behind for the scans above.
ALTER TABLE variants SET (fillfactor = 70);

-- 3. 005 skipped the NOTIFY for a stock-only change by this service with a
--    WHEN that built two jsonb documents of the row at every reservation.
--    Column lists decide the same without evaluating anything: a change to
--    any column but stock and updated_at notifies; a stock change notifies
--    unless this service made it (it bumps its own cache counters).  A
--    column added to variants must be added to the first list.
DROP TRIGGER variants_notify_update ON variants;
CREATE TRIGGER variants_notify_update
    AFTER UPDATE OF id, product_id, sku, price, option_values, is_default, position,
                    deleted_at, created_at ON variants
    FOR EACH ROW EXECUTE FUNCTION catalog_notify_product();
CREATE TRIGGER variants_notify_stock AFTER UPDATE OF stock ON variants
    FOR EACH ROW WHEN (current_setting('application_name') <> 'product')
    EXECUTE FUNCTION catalog_notify_product();
