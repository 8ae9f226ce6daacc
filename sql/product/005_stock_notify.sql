-- A stock-only change made by the product service itself (a reservation,
-- a release) no longer NOTIFYs: the service bumps its pool's cache
-- counters directly (fcgi/product/cache.c, cache_product_changed), and a
-- NOTIFY per reservation woke every listening session of product_db, a
-- fifth of the CPU an order costs.  Every other change still notifies:
-- inserts and deletes, any change to another column, and stock changed by
-- any other session (SQL by hand).  A product pool on another host learns
-- of this service's stock changes within CATALOG_CACHE_TTL.
DROP TRIGGER variants_notify ON variants;
CREATE TRIGGER variants_notify AFTER INSERT OR DELETE ON variants
    FOR EACH ROW EXECUTE FUNCTION catalog_notify_product();
CREATE TRIGGER variants_notify_update AFTER UPDATE ON variants
    FOR EACH ROW
    WHEN (current_setting('application_name') <> 'product'
          OR (to_jsonb(OLD) - 'stock' - 'updated_at') IS DISTINCT FROM
             (to_jsonb(NEW) - 'stock' - 'updated_at'))
    EXECUTE FUNCTION catalog_notify_product();
