-- The analytics benchmark's history, generated in the database (bench/analytics_scale.py
-- runs it with these psql-style variables substituted): :orders orders placed over the two
-- years before :end_ts in the shop's zone :tz, 1 to 5 lines each (3 on average) over the
-- catalog's variants, card and bank-transfer payments (a few declined first), refunds by hand
-- and returns on about 5 % of the orders, parcels for the shipped ones, :customers customers
-- with repeat orders, and :events storefront events over the last 390 days in sessions that
-- follow the funnel. Every "random" draw is a hash of the row's number and :seed, so the same
-- arguments give the same rows.

-- r(n, k): a deterministic draw in [0, 1) for row n and stream k
CREATE FUNCTION pg_temp.r(n bigint, k int) RETURNS float8
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT (hashint8extended(n, k + :seed) & 2147483647)::float8 / 2147483648 $$;

CREATE FUNCTION pg_temp.uid(kind text, n bigint) RETURNS uuid
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT md5(kind || ':' || n || ':' || :seed)::uuid $$;

-- where the shoppers live (weighted towards the shop's own country) and the VAT rate there
CREATE TEMP TABLE place (idx int, city text, postal text, country text, street text, rate numeric);
INSERT INTO place VALUES
  (0, 'Berlin', '10115', 'DE', 'Invalidenstraße', 0.19),
  (1, 'Hamburg', '20095', 'DE', 'Mönckebergstraße', 0.19),
  (2, 'München', '80331', 'DE', 'Sendlinger Straße', 0.19),
  (3, 'Köln', '50667', 'DE', 'Hohe Straße', 0.19),
  (4, 'Leipzig', '04109', 'DE', 'Grimmaische Straße', 0.19),
  (5, 'Frankfurt am Main', '60311', 'DE', 'Zeil', 0.19),
  (6, 'Wien', '1010', 'AT', 'Kärntner Straße', 0.20),
  (7, 'Paris', '75004', 'FR', 'Rue de Rivoli', 0.20),
  (8, 'Amsterdam', '1012 JS', 'NL', 'Kalverstraat', 0.21),
  (9, 'Bruxelles', '1000', 'BE', 'Rue Neuve', 0.21);

-- the catalog's variants, best sellers first (a fixed shuffle)
CREATE TEMP TABLE pool AS
SELECT (row_number() OVER (ORDER BY md5(v.sku || :seed)) - 1)::int AS idx,
       v.id AS variant_id, v.product_id, v.sku, p.name AS product_name, v.name AS variant_name,
       v.price
FROM catalog_productvariant v JOIN catalog_product p ON p.id = v.product_id
WHERE p.status = 'published' AND v.price > 0;
CREATE INDEX ON pool (idx);
ANALYZE pool;

-- customers: registered before the history starts
INSERT INTO accounts_user (password, last_login, is_superuser, public_id, email, first_name,
  last_name, phone, is_active, is_staff, email_verified_at, marketing_opt_in, date_joined,
  updated_at, erased_at)
SELECT '!', NULL, false, pg_temp.uid('user', c), 'bench-customer-' || c || '@example.com',
       'Customer', 'No. ' || c, '', true, false, :start_ts::timestamptz, pg_temp.r(c, 1) < 0.3,
       :start_ts::timestamptz - interval '1 day', :start_ts::timestamptz, NULL
FROM generate_series(1, :customers) AS c;

CREATE TEMP TABLE customer AS
SELECT (row_number() OVER (ORDER BY id))::int AS idx, id FROM accounts_user
WHERE email LIKE 'bench-customer-%';
CREATE INDEX ON customer (idx);

-- one row per order: when, who, where, what becomes of it
CREATE TEMP TABLE o AS
SELECT i AS id,
       :start_ts::timestamptz
         + (i - 1 + pg_temp.r(i, 2)) * (:end_ts::timestamptz - :start_ts::timestamptz) / :orders
         AS placed_at,
       -- 72 % by registered customers, the busy ones more often (repeat orders)
       CASE WHEN pg_temp.r(i, 3) < 0.72
            THEN 1 + floor(:customers * power(pg_temp.r(i, 4), 2))::int END AS customer_idx,
       floor(power(pg_temp.r(i, 5), 1.6) * 10)::int AS place_idx,
       1 + floor(pg_temp.r(i, 6) * 5)::int AS line_count,
       pg_temp.r(i, 7) < 0.08 AS voucher,
       pg_temp.r(i, 8) AS fate_roll,
       pg_temp.r(i, 9) < 0.85 AS by_card,
       pg_temp.r(i, 10) < 0.01 AS declined_first,
       pg_temp.r(i, 11) AS later_roll,
       -- a business buyer in another member state: reverse charge, no VAT
       pg_temp.r(i, 12) < 0.02 AND floor(power(pg_temp.r(i, 5), 1.6) * 10) >= 6 AS reverse_charge
FROM generate_series(1, :orders) AS i;

-- fate: cancelled 3 %, declined and never paid 0.2 %, open (the last two days) or shipped;
-- of the shipped ones older than 10 days: returned and refunded 2 %, a return still open
-- 0.5 %, refunded in part by hand 3 %
CREATE TEMP TABLE fate AS
SELECT o.*,
       CASE
         WHEN fate_roll < 0.03 THEN 'cancelled'
         WHEN fate_roll < 0.032 THEN 'declined'
         WHEN placed_at > :end_ts::timestamptz - interval '2 days' THEN 'open'
         WHEN placed_at > :end_ts::timestamptz - interval '10 days' THEN 'shipped'
         WHEN fate_roll < 0.052 THEN 'returned'
         WHEN fate_roll < 0.057 THEN 'return_open'
         WHEN fate_roll < 0.087 THEN 'refunded'
         ELSE 'shipped'
       END AS fate,
       least(placed_at + interval '5 days' + later_roll * interval '20 days',
             :end_ts::timestamptz - interval '1 hour') AS later_at
FROM o;
CREATE INDEX ON fate (id);
ANALYZE fate;

-- the lines, priced as the checkout prices them (gross prices with VAT in them)
CREATE TEMP TABLE l AS
SELECT f.id AS order_id, n AS line_no,
       (row_number() OVER (ORDER BY f.id, n))::bigint AS line_idx,
       p.variant_id, p.product_name, p.variant_name, p.sku, p.price AS unit_price,
       CASE WHEN pg_temp.r(f.id * 8 + n, 20) < 0.85 THEN 1 ELSE 2 END AS quantity,
       pg_temp.r(f.id * 8 + n, 21) < 0.10 AS promoted,
       f.voucher, pl.rate, f.reverse_charge
FROM fate f
CROSS JOIN LATERAL generate_series(1, f.line_count) AS n
JOIN place pl ON pl.idx = f.place_idx
JOIN pool p ON p.idx = floor(:variants * power(pg_temp.r(f.id * 8 + n, 22), 1.5))::int;

CREATE TEMP TABLE line AS
SELECT x.*, x.after_promotion - x.voucher_discount AS total_gross,
       round((x.after_promotion - x.voucher_discount) * x.tax_rate / (1 + x.tax_rate), 2) AS total_tax
FROM (
  SELECT l.*, y.promotion_discount, y.after_promotion,
         CASE WHEN l.voucher THEN round(y.after_promotion * 0.10, 2) ELSE 0 END AS voucher_discount,
         CASE WHEN l.reverse_charge THEN 0 ELSE l.rate END AS tax_rate
  FROM l
  CROSS JOIN LATERAL (
    SELECT CASE WHEN l.promoted THEN round(l.unit_price * l.quantity * 0.10, 2) ELSE 0 END
             AS promotion_discount,
           l.unit_price * l.quantity
             - CASE WHEN l.promoted THEN round(l.unit_price * l.quantity * 0.10, 2) ELSE 0 END
             AS after_promotion
  ) y
) x;
CREATE INDEX ON line (order_id);
ANALYZE line;

CREATE TEMP TABLE total AS
SELECT f.*, s.*,
       CASE WHEN s.lines_after_promotion >= 100 THEN 0 ELSE 4.90 END AS ship,
       CASE WHEN f.reverse_charge THEN 0 ELSE pl.rate END AS ship_rate, pl.*
FROM fate f
JOIN place pl ON pl.idx = f.place_idx
JOIN (
  SELECT order_id, sum(after_promotion) AS lines_after_promotion,
         sum(voucher_discount) AS lines_voucher, sum(promotion_discount) AS lines_promotion,
         sum(total_tax) AS lines_tax, sum(total_gross - total_tax) AS lines_net,
         sum(total_gross) FILTER (WHERE line_no = 1) AS first_line_gross,
         min(variant_id) FILTER (WHERE line_no = 1) AS first_variant,
         count(*) AS lines_n
  FROM line GROUP BY order_id
) s ON s.order_id = f.id;

CREATE TEMP TABLE ord AS
SELECT t.*, round(t.ship * t.ship_rate / (1 + t.ship_rate), 2) AS ship_tax,
       t.lines_after_promotion - t.lines_voucher + t.ship AS total_gross,
       -- what goes back: a return refunds the first line, a refund by hand 10 to 30 %
       CASE t.fate
         WHEN 'returned' THEN t.first_line_gross
         WHEN 'refunded' THEN round((t.lines_after_promotion - t.lines_voucher + t.ship)
                                    * (0.10 + 0.05 * floor(t.later_roll * 5))::numeric, 2)
         ELSE 0
       END AS refund
FROM total t;
CREATE INDEX ON ord (id);
ANALYZE ord;

INSERT INTO orders_order (id, public_id, number, email, status, payment_status, currency,
  shipping_address, billing_address, shipping_method_id, shipping_method_name, shipping_net,
  shipping_tax, shipping_gross, shipping_tax_rate, subtotal_net, subtotal_gross, discount_total,
  tax_total, total_net, total_gross, prices_include_tax, voucher_code, vat_number,
  reverse_charge, tax_note, customer_note, checkout_token, guest_token, created_at, updated_at,
  user_id, cancelled_at, origin, placed_at, total_authorized, total_charged, total_refunded,
  shipping_price, subtotal, voucher_discount)
SELECT d.id, pg_temp.uid('order', d.id), 10000 + d.id,
       CASE WHEN d.customer_idx IS NULL THEN 'bench-guest-' || d.id || '@example.com'
            ELSE 'bench-customer-' || c.idx || '@example.com' END,
       CASE d.fate
         WHEN 'cancelled' THEN 'cancelled'
         WHEN 'declined' THEN 'unfulfilled'
         WHEN 'open' THEN 'unfulfilled'
         WHEN 'returned' THEN CASE WHEN d.lines_n > 1 THEN 'partially_returned' ELSE 'returned' END
         ELSE 'fulfilled'
       END,
       CASE
         WHEN d.fate = 'cancelled' THEN 'not_charged'
         WHEN d.fate = 'declined' THEN 'failed'
         WHEN d.refund >= d.total_gross THEN 'refunded'
         WHEN d.refund > 0 THEN 'partially_refunded'
         ELSE 'charged'
       END,
       'EUR', a.address, a.address, 'standard', 'Standard', d.ship - d.ship_tax, d.ship_tax,
       d.ship, d.ship_rate, d.lines_net, d.lines_after_promotion - d.lines_voucher,
       d.lines_promotion + d.lines_voucher, d.lines_tax + d.ship_tax,
       d.lines_net + d.ship - d.ship_tax, d.total_gross, true,
       CASE WHEN d.voucher THEN 'WELCOME10' ELSE '' END,
       CASE WHEN d.reverse_charge THEN d.country || lpad((d.id % 1000000000)::text, 9, '0') ELSE '' END,
       d.reverse_charge,
       CASE WHEN d.reverse_charge THEN 'Reverse charge: VAT to be accounted for by the recipient.' ELSE '' END,
       '', '', md5('guest:' || d.id || ':' || :seed), d.placed_at, coalesce(
         CASE WHEN d.fate IN ('returned', 'refunded', 'return_open') THEN d.later_at END,
         d.placed_at + interval '1 day'),
       c.id, CASE WHEN d.fate = 'cancelled' THEN d.placed_at + interval '2 hours' END,
       'checkout', d.placed_at,
       CASE WHEN d.fate IN ('declined') THEN 0 ELSE d.total_gross END,
       CASE WHEN d.fate IN ('declined', 'cancelled') THEN 0 ELSE d.total_gross END,
       d.refund, d.ship, d.lines_after_promotion, d.lines_voucher
FROM ord d
LEFT JOIN customer c ON c.idx = d.customer_idx
CROSS JOIN LATERAL (
  SELECT jsonb_build_object('first_name', 'Customer', 'last_name', 'No. ' || coalesce(c.idx, 0),
    'company', CASE WHEN d.reverse_charge THEN 'Bench GmbH' ELSE '' END,
    'line1', d.street || ' ' || (1 + d.id % 120), 'line2', '', 'city', d.city, 'region', '',
    'postal_code', d.postal, 'country', d.country, 'phone', '') AS address
) a;

INSERT INTO orders_orderline (public_id, product_name, variant_name, sku, quantity, unit_price,
  unit_price_discounted, promotion_discount, voucher_discount, total_net, total_tax,
  total_gross, tax_rate, tax_class, quantity_fulfilled, quantity_returned, order_id, variant_id,
  promotion_id, promotion_name)
SELECT pg_temp.uid('line', l.line_idx), l.product_name, l.variant_name, l.sku, l.quantity,
       l.unit_price, round(l.unit_price - l.promotion_discount / l.quantity, 2),
       l.promotion_discount, l.voucher_discount, l.total_gross - l.total_tax, l.total_tax,
       l.total_gross, l.tax_rate, 'standard',
       CASE WHEN d.fate IN ('shipped', 'returned', 'return_open', 'refunded') THEN l.quantity ELSE 0 END,
       CASE WHEN d.fate = 'returned' AND l.line_no = 1 THEN l.quantity ELSE 0 END,
       l.order_id, l.variant_id,
       -- one of five promotions (not in the pricing tables: the lines keep their names)
       CASE WHEN l.promotion_discount > 0 THEN 1 + l.variant_id % 5 END,
       CASE WHEN l.promotion_discount > 0 THEN 'Bench promotion ' || (1 + l.variant_id % 5) ELSE '' END
FROM line l JOIN ord d ON d.id = l.order_id
ORDER BY l.line_idx;

-- the planner must know the new tables' sizes for the joins below
ANALYZE orders_order, orders_orderline;

-- parcels: one per shipped order, delivered
INSERT INTO orders_fulfilment (public_id, number, status, carrier, tracking_number,
  tracking_url, created_at, shipped_at, delivered_at, cancelled_at, order_id, warehouse_id)
SELECT pg_temp.uid('parcel', d.id), 1, 'delivered', 'DHL', 'BENCH' || d.id, '',
       d.placed_at + interval '3 hours', d.placed_at + interval '20 hours',
       d.placed_at + interval '2 days', NULL, d.id, :warehouse
FROM ord d WHERE d.fate IN ('shipped', 'returned', 'return_open', 'refunded')
ORDER BY d.id;

INSERT INTO orders_fulfilmentline (quantity, fulfilment_id, order_line_id, stock_id)
SELECT ol.quantity, f.id, ol.id, NULL
FROM orders_fulfilment f JOIN orders_orderline ol ON ol.order_id = f.order_id
ORDER BY ol.id;

ANALYZE orders_fulfilment;

-- returns: the first line back, refunded (or still waiting for the parcel)
INSERT INTO orders_return (public_id, number, status, reason, staff_note, refund_shipping,
  refund_amount, created_at, decided_at, received_at, refunded_at, order_id)
SELECT pg_temp.uid('return', d.id), 1,
       CASE d.fate WHEN 'returned' THEN 'refunded' ELSE 'approved' END,
       (ARRAY['Too small', 'Too large', 'Not as pictured', 'Changed my mind'])[1 + d.id % 4], '',
       false, CASE d.fate WHEN 'returned' THEN d.refund ELSE 0 END,
       d.later_at - interval '3 days', d.later_at - interval '2 days',
       CASE d.fate WHEN 'returned' THEN d.later_at - interval '1 hour' END,
       CASE d.fate WHEN 'returned' THEN d.later_at END, d.id
FROM ord d WHERE d.fate IN ('returned', 'return_open')
ORDER BY d.id;

INSERT INTO orders_returnline (quantity, reason, restock, order_line_id, order_return_id,
  warehouse_id)
SELECT ol.quantity, '', CASE r.status WHEN 'refunded' THEN true END, ol.id, r.id,
       CASE r.status WHEN 'refunded' THEN :warehouse END
FROM orders_return r
JOIN (
  SELECT DISTINCT ON (order_id) id, order_id, quantity FROM orders_orderline
  WHERE order_id IN (SELECT order_id FROM orders_return) ORDER BY order_id, id
) ol ON ol.order_id = r.order_id
ORDER BY r.id;

-- payments: a declined card first for 1 % (and for the orders never paid), then the one that
-- went through (voided when the order was cancelled)
CREATE TEMP TABLE pay AS
SELECT d.id AS order_id, d.placed_at, d.later_at, d.fate, d.refund, d.total_gross,
       CASE WHEN d.by_card OR d.fate = 'declined' THEN 'test' ELSE 'manual' END AS provider,
       (d.declined_first AND d.by_card) OR d.fate = 'declined' AS declined
FROM ord d WHERE d.total_gross > 0;

INSERT INTO payments_payment (public_id, provider, status, amount, currency, captured_amount,
  refunded_amount, voided_amount, provider_reference, action, failure_code, failure_message,
  card_brand, card_last4, created_at, updated_at, order_id)
SELECT pg_temp.uid('declined', p.order_id), 'test', 'failed', p.total_gross, 'EUR', 0, 0, 0,
       'sim_d' || p.order_id, NULL::jsonb, 'card_declined', 'The card was declined.', 'visa', '0002',
       p.placed_at, p.placed_at, p.order_id
FROM pay p WHERE p.declined
UNION ALL
SELECT pg_temp.uid('payment', p.order_id), p.provider,
       CASE
         WHEN p.fate = 'cancelled' THEN 'voided'
         WHEN p.refund >= p.total_gross THEN 'refunded'
         WHEN p.refund > 0 THEN 'partially_refunded'
         ELSE 'captured'
       END,
       p.total_gross, 'EUR', CASE WHEN p.fate = 'cancelled' THEN 0 ELSE p.total_gross END,
       p.refund, CASE WHEN p.fate = 'cancelled' THEN p.total_gross ELSE 0 END,
       CASE WHEN p.provider = 'test' THEN 'sim_' || p.order_id ELSE '' END, NULL::jsonb, '', '',
       CASE WHEN p.provider = 'test' THEN (ARRAY['visa', 'mastercard'])[1 + p.order_id % 2] ELSE '' END,
       CASE WHEN p.provider = 'test' THEN lpad((p.order_id % 10000)::text, 4, '0') ELSE '' END,
       p.placed_at + interval '1 minute', coalesce(
         CASE WHEN p.refund > 0 THEN p.later_at END, p.placed_at + interval '1 minute'),
       p.order_id
FROM pay p WHERE p.fate <> 'declined'
ORDER BY 17, 15;

ANALYZE payments_payment, orders_return;

INSERT INTO payments_transaction (public_id, kind, amount, success, error_code, error_message,
  provider_reference, idempotency_key, reference, reason, actor_label, raw_response,
  created_at, payment_id)
SELECT pg_temp.uid(t.kind || t.success::text, pm.id), t.kind, pm.amount, t.success,
       CASE WHEN t.success THEN '' ELSE 'card_declined' END,
       CASE WHEN t.success THEN '' ELSE 'The card was declined.' END,
       pm.provider_reference, t.kind || ':' || pm.public_id, '', '', 'system', '{}'::jsonb,
       pm.created_at + t.after, pm.id
FROM payments_payment pm
CROSS JOIN LATERAL (
  VALUES ('authorize', pm.status <> 'failed', interval '0'),
         ('capture', true, interval '1 second'),
         ('void', true, interval '2 hours')
) AS t(kind, success, after)
WHERE (t.kind = 'authorize')
   OR (t.kind = 'capture' AND pm.captured_amount > 0)
   OR (t.kind = 'void' AND pm.voided_amount > 0)
UNION ALL
SELECT pg_temp.uid('refund', pm.id), 'refund', pm.refunded_amount, true, '', '',
       pm.provider_reference, 'refund:' || pm.public_id,
       coalesce('return:' || r.public_id, ''), '', 'system', '{}'::jsonb, pm.updated_at, pm.id
FROM payments_payment pm
LEFT JOIN orders_return r ON r.order_id = pm.order_id AND r.status = 'refunded'
WHERE pm.refunded_amount > 0
ORDER BY 13, 14;

-- storefront events over the last 390 days (inside the 13 months of retention): 40 % of the
-- orders placed then come from a tracked session (consent given) of six events: a list, two
-- product views, an add to cart, a checkout started, the order placed. The rest are sessions
-- of six events too: 10 % leave a cart (half of them at the checkout), 30 % search first, the
-- others browse a list and products.
CREATE TEMP TABLE tracked AS
SELECT (row_number() OVER (ORDER BY d.id))::bigint AS s, d.id AS order_id, d.placed_at,
       c.id AS customer_id, pl.idx AS first_idx
FROM ord d LEFT JOIN customer c ON c.idx = d.customer_idx
JOIN pool pl ON pl.variant_id = d.first_variant
WHERE d.placed_at >= :end_ts::timestamptz - interval '390 days' AND pg_temp.r(d.id, 30) < 0.40
  AND d.fate <> 'declined'
ORDER BY d.id
LIMIT :events / 6;

CREATE TEMP TABLE term (idx int, term text, hits int);
INSERT INTO term
SELECT n - 1, t, CASE WHEN n % 12 = 0 THEN 0 ELSE 5 + n * 7 END
FROM unnest(ARRAY['shirt', 'linen shirt', 'sneakers', 'boots', 'dress', 'wool', 'merino',
  'scarf', 'bag', 'jeans', 'sandals', 'hat', 'rain jacket', 'belt', 'watch', 'mug', 'vase',
  'oak table', 'lamp', 'socks', 'beanie', 'gift card', 'sale', 'xyzzy']) WITH ORDINALITY AS u(t, n);

CREATE TEMP TABLE sess AS
SELECT s + (SELECT count(*) FROM tracked) AS s,
       :end_ts::timestamptz - interval '390 days'
         + pg_temp.r(s, 31) * (interval '390 days' - interval '1 hour') AS started_at,
       pg_temp.r(s, 32) AS kind_roll
FROM generate_series(1, (:events - 6 * (SELECT count(*) FROM tracked)) / 6) AS s;

INSERT INTO analytics_storefrontevent (type, visitor_id, session_id, customer_id, occurred_at,
  received_at, day, product_id, variant_id, list_name, search_term, result_count, cart_key,
  order_id)
SELECT e.type, pg_temp.uid('visitor', floor(e.s * 0.7)::bigint),
       pg_temp.uid('session', e.s), e.customer_id, e.at, e.at + interval '1 second',
       (e.at AT TIME ZONE :tz)::date,
       CASE WHEN e.type IN ('product_viewed', 'added_to_cart') THEN pv.product_id END,
       CASE WHEN e.type = 'added_to_cart' THEN pv.variant_id END,
       CASE WHEN e.type IN ('list_viewed', 'product_viewed') THEN 'category' ELSE '' END,
       CASE WHEN e.type = 'search' THEN tm.term ELSE '' END,
       CASE WHEN e.type = 'search' THEN tm.hits END,
       CASE WHEN e.type IN ('added_to_cart', 'checkout_started', 'order_placed')
            THEN encode(sha256(('cart:' || e.s || ':' || :seed)::bytea), 'hex') ELSE '' END,
       e.order_id
FROM (
  SELECT t.s, t.customer_id, t.order_id, n,
         t.placed_at - (6 - n) * interval '2 minutes' AS at,
         (ARRAY['list_viewed', 'product_viewed', 'product_viewed', 'added_to_cart',
                'checkout_started', 'order_placed'])[n] AS type,
         t.first_idx AS pidx
  FROM tracked t CROSS JOIN generate_series(1, 6) AS n
  UNION ALL
  SELECT g.s, NULL, NULL, n, g.started_at + (n - 1) * interval '90 seconds',
         CASE
           WHEN g.kind_roll < 0.05 THEN (ARRAY['list_viewed', 'product_viewed', 'product_viewed',
             'added_to_cart', 'product_viewed', 'checkout_started'])[n]
           WHEN g.kind_roll < 0.10 THEN (ARRAY['list_viewed', 'product_viewed', 'added_to_cart',
             'product_viewed', 'product_viewed', 'product_viewed'])[n]
           WHEN g.kind_roll < 0.40 THEN (ARRAY['search', 'product_viewed', 'product_viewed',
             'search', 'product_viewed', 'list_viewed'])[n]
           ELSE (ARRAY['list_viewed', 'product_viewed', 'product_viewed', 'product_viewed',
             'list_viewed', 'product_viewed'])[n]
         END,
         floor(:variants * power(pg_temp.r(g.s * 8 + n, 33), 1.5))::int
  FROM sess g CROSS JOIN generate_series(1, 6) AS n
) e
LEFT JOIN pool pv ON pv.idx = e.pidx
LEFT JOIN term tm ON e.type = 'search' AND tm.idx = floor(24 * pg_temp.r(e.s * 8 + e.n, 34))::int;

-- the sequences go on after the generated rows; the next order number after the last one
SELECT setval(pg_get_serial_sequence('orders_order', 'id'), (SELECT max(id) FROM orders_order));
SELECT setval(pg_get_serial_sequence('orders_ordernumber', 'id'), (SELECT max(id) FROM orders_order));
