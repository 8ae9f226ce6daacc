-- Response documents are built here, in one round trip per request; the
-- service passes them through.  Money leaves as numeric with two decimals
-- (150010 -> 1500.10), times as ISO 8601 UTC with milliseconds.
CREATE FUNCTION money_json(bigint) RETURNS numeric
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT round($1::numeric / 100, 2) $$;

CREATE FUNCTION iso_time(timestamptz) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT to_char($1 AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') $$;

CREATE FUNCTION category_json(c categories) RETURNS json LANGUAGE sql STABLE AS $$
    SELECT json_build_object('id', c.id, 'name', c.name, 'slug', c.slug,
        'description', c.description,
        'createdAt', iso_time(c.created_at), 'updatedAt', iso_time(c.updated_at))
$$;

-- A variant without a price of its own sells at the product's base price.
CREATE FUNCTION product_json(p products) RETURNS json LANGUAGE sql STABLE AS $$
    SELECT json_build_object(
        'id', p.id, 'name', p.name, 'slug', p.slug, 'description', p.description,
        'basePrice', money_json(p.base_price), 'currency', p.currency,
        'isActive', p.is_active, 'categoryId', p.category_id,
        'category', (SELECT json_build_object('id', c.id, 'name', c.name, 'slug', c.slug)
                     FROM categories c WHERE c.id = p.category_id),
        'variants', coalesce((
            SELECT json_agg(json_build_object('id', v.id, 'sku', v.sku,
                       'price', money_json(coalesce(v.price, p.base_price)),
                       'stock', v.stock, 'optionValues', v.option_values,
                       'isDefault', v.is_default) ORDER BY v.position, v.id)
            FROM variants v WHERE v.product_id = p.id AND v.deleted_at IS NULL), '[]'),
        'images', coalesce((
            SELECT json_agg(json_build_object('id', i.id, 'url', i.url,
                       'altText', i.alt_text, 'isPrimary', i.is_primary,
                       'position', i.position) ORDER BY i.position, i.id)
            FROM images i WHERE i.product_id = p.id), '[]'),
        'createdAt', iso_time(p.created_at), 'updatedAt', iso_time(p.updated_at))
$$;

-- Any catalog change wakes the product workers' caches (LISTEN catalog).
CREATE FUNCTION catalog_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('catalog', '');
    RETURN NULL;
END $$;
CREATE TRIGGER categories_notify AFTER INSERT OR UPDATE OR DELETE ON categories
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_notify();
CREATE TRIGGER products_notify AFTER INSERT OR UPDATE OR DELETE ON products
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_notify();
CREATE TRIGGER variants_notify AFTER INSERT OR UPDATE OR DELETE ON variants
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_notify();
CREATE TRIGGER images_notify AFTER INSERT OR UPDATE OR DELETE ON images
    FOR EACH STATEMENT EXECUTE FUNCTION catalog_notify();
