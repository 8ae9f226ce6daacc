-- The pricing service's copy of the catalog's price facts (fcgi/pricing/
-- catalog.c): one row per product and per live variant, as the product
-- service's snapshots carry them (PRODUCT_* events, and a push after every
-- catalog write).  A snapshot applies only when its version is newer than
-- the row's; a product not here yet is fetched from the product service on
-- first use.  Money is paise.
CREATE TABLE catalog_products (
    product_id  uuid PRIMARY KEY,
    version     bigint NOT NULL CHECK (version > 0),
    name        text,
    category_id uuid,
    currency    text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    base_price  bigint NOT NULL CHECK (base_price > 0),
    is_active   boolean NOT NULL,
    deleted     boolean NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE catalog_variants (
    variant_id uuid PRIMARY KEY,
    product_id uuid NOT NULL REFERENCES catalog_products (product_id) ON DELETE CASCADE,
    price      bigint NOT NULL CHECK (price > 0),
    is_default boolean NOT NULL,
    position   integer NOT NULL
);
CREATE INDEX catalog_variants_product ON catalog_variants (product_id, is_default DESC, position, variant_id);
