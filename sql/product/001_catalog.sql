CREATE TABLE categories (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    slug        text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
    description text CHECK (length(description) <= 2000),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE products (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    slug        text NOT NULL CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
    description text CHECK (length(description) <= 10000),
    base_price  bigint NOT NULL CHECK (base_price > 0),          -- paise
    currency    text NOT NULL DEFAULT 'INR' CHECK (currency ~ '^[A-Z]{3}$'),
    category_id uuid REFERENCES categories (id),
    is_active   boolean NOT NULL DEFAULT true,
    deleted_at  timestamptz,                                     -- soft delete
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    search      tsvector GENERATED ALWAYS AS (
                    to_tsvector('simple', name || ' ' || coalesce(description, ''))) STORED
);
-- A slug names one live product; a deleted product frees its slug.
CREATE UNIQUE INDEX products_slug ON products (slug) WHERE deleted_at IS NULL;
CREATE INDEX products_list ON products (created_at DESC, id DESC) WHERE deleted_at IS NULL;
CREATE INDEX products_category ON products (category_id, created_at DESC) WHERE deleted_at IS NULL;
CREATE INDEX products_price ON products (base_price, id) WHERE deleted_at IS NULL;
CREATE INDEX products_search ON products USING gin (search) WHERE deleted_at IS NULL;

CREATE TABLE variants (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    product_id    uuid NOT NULL REFERENCES products (id),
    sku           text CHECK (length(sku) BETWEEN 1 AND 64),
    price         bigint CHECK (price > 0),         -- paise; NULL: the base price
    stock         integer NOT NULL CHECK (stock >= 0),
    option_values jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(option_values) = 'array'),
    is_default    boolean NOT NULL DEFAULT false,
    position      integer NOT NULL DEFAULT 0,
    deleted_at    timestamptz,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX variants_sku ON variants (sku) WHERE sku IS NOT NULL AND deleted_at IS NULL;
CREATE INDEX variants_product ON variants (product_id, position) WHERE deleted_at IS NULL;

CREATE TABLE images (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    product_id uuid NOT NULL REFERENCES products (id),
    url        text NOT NULL CHECK (url ~ '^https?://' AND length(url) <= 2048),
    alt_text   text CHECK (length(alt_text) <= 200),
    is_primary boolean NOT NULL DEFAULT false,
    position   integer NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX images_product ON images (product_id, position);
CREATE UNIQUE INDEX images_one_primary ON images (product_id) WHERE is_primary;

-- Stock held for orders: all lines or none, keyed by the order.
CREATE TABLE reservations (
    order_id    uuid PRIMARY KEY,
    status      text NOT NULL CHECK (status IN ('RESERVED', 'RELEASED')),
    created_at  timestamptz NOT NULL DEFAULT now(),
    released_at timestamptz
);
CREATE TABLE reservation_lines (
    order_id   uuid NOT NULL REFERENCES reservations (order_id),
    variant_id uuid NOT NULL REFERENCES variants (id),
    quantity   integer NOT NULL CHECK (quantity > 0),
    PRIMARY KEY (order_id, variant_id)
);
