-- make bench: a catalog of 10,000 products in 20 categories, each with two
-- variants and one image (run against product_db as its owner).
INSERT INTO categories (name, slug)
SELECT 'Bench category ' || g, 'bench-category-' || g FROM generate_series(1, 20) g
ON CONFLICT DO NOTHING;

INSERT INTO products (name, slug, description, base_price, category_id, created_at)
SELECT 'Bench product ' || g, 'bench-product-' || g,
       'A product for the benchmark, number ' || g,
       10000 + (g * 7919) % 500000,
       (SELECT id FROM categories WHERE slug = 'bench-category-' || (1 + g % 20)),
       now() - make_interval(secs => g)
FROM generate_series(1, 10000) g;

INSERT INTO variants (product_id, sku, price, stock, option_values, is_default, position)
SELECT p.id, NULL, NULL, 1000000000, '[{"optionName":"Size","value":"M"}]', true, 0
FROM products p WHERE p.slug LIKE 'bench-product-%';
INSERT INTO variants (product_id, sku, price, stock, option_values, is_default, position)
SELECT p.id, NULL, p.base_price + 5000, 1000000000, '[{"optionName":"Size","value":"L"}]', false, 1
FROM products p WHERE p.slug LIKE 'bench-product-%';
INSERT INTO images (product_id, url, is_primary, position)
SELECT p.id, 'https://cdn.example.com/' || p.slug || '.jpg', true, 0
FROM products p WHERE p.slug LIKE 'bench-product-%';
ANALYZE categories, products, variants, images;
