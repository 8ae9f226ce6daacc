-- Precise cache invalidation for the product workers (fcgi/product/cache.c):
-- a change to a product, its variants or its images notifies that
-- product's id; a category change notifies with an empty payload (every
-- cached document shows its category's name).
DROP TRIGGER products_notify ON products;
DROP TRIGGER variants_notify ON variants;
DROP TRIGGER images_notify ON images;

CREATE FUNCTION catalog_notify_product() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'products' THEN
        PERFORM pg_notify('catalog', coalesce(NEW.id, OLD.id)::text);
    ELSE
        PERFORM pg_notify('catalog', coalesce(NEW.product_id, OLD.product_id)::text);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER products_notify AFTER INSERT OR UPDATE OR DELETE ON products
    FOR EACH ROW EXECUTE FUNCTION catalog_notify_product();
CREATE TRIGGER variants_notify AFTER INSERT OR UPDATE OR DELETE ON variants
    FOR EACH ROW EXECUTE FUNCTION catalog_notify_product();
CREATE TRIGGER images_notify AFTER INSERT OR UPDATE OR DELETE ON images
    FOR EACH ROW EXECUTE FUNCTION catalog_notify_product();
