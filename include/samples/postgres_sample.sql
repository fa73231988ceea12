-- =============================================================================
-- postgres_sample.sql -- sample "shop" database for the Timescale migration DAG
-- =============================================================================
-- Purpose: a small but nasty plain-PostgreSQL source database (13+; written for 15) used to
-- test the pg_dumpall --roles-only + pg_dump --format=plain
-- --quote-all-identifiers --no-tablespaces --no-owner --no-privileges | psql
-- migration into a PostgreSQL 17 / TimescaleDB target.
--
-- Load into a fresh, empty database:
--     psql -X -v ON_ERROR_STOP=1 -d <db> -f postgres_sample.sql
-- The file can be loaded into many databases of the same cluster: roles are
-- cluster-wide and are created idempotently.
--
-- Covers: awkward identifiers (spaces, quotes, upper case, unicode), many
-- column types (incl. NaN/Infinity/-0 floats, numeric NaN), enum, domains,
-- composite type, serial/identity columns, standalone sequences (setval, one
-- with is_called = false), range-partitioned table with default partition,
-- inheritance, views, a materialized view, plpgsql/sql functions, a trigger,
-- row level security, comments, constraints, partial/expression indexes,
-- large objects with fixed OIDs, a "C"-collated column, stored generated
-- columns and the contrib extensions pgcrypto, citext and hstore.
-- Data is deterministic (generate_series only, no random()); ~4,000 rows.
-- =============================================================================

SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SET client_min_messages = warning;
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';

-- -----------------------------------------------------------------------------
-- Roles (cluster-wide, therefore idempotent)
-- -----------------------------------------------------------------------------
DO $do$
BEGIN
    CREATE ROLE tsm_app_owner NOLOGIN;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
    RAISE NOTICE 'role tsm_app_owner already exists, skipping';
END
$do$;

DO $do$
BEGIN
    CREATE ROLE tsm_app_reader LOGIN PASSWORD 'tsm-sample-reader-pw' CONNECTION LIMIT 5;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
    RAISE NOTICE 'role tsm_app_reader already exists, skipping';
END
$do$;

-- NOLOGIN group role with an awkward name
DO $do$
BEGIN
    CREATE ROLE "TSM Reporting ""Role""" NOLOGIN;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
    RAISE NOTICE 'role "TSM Reporting ""Role""" already exists, skipping';
END
$do$;

-- group memberships (re-granting an existing membership is only a notice)
DO $do$
BEGIN
    GRANT "TSM Reporting ""Role""" TO tsm_app_reader;
    GRANT "TSM Reporting ""Role""" TO tsm_app_owner;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
    RAISE NOTICE 'membership already granted, skipping';
END
$do$;

-- -----------------------------------------------------------------------------
-- Extensions (all part of contrib in PostgreSQL 15 and 17)
-- -----------------------------------------------------------------------------
CREATE EXTENSION IF NOT EXISTS pgcrypto;
CREATE EXTENSION IF NOT EXISTS citext;
CREATE EXTENSION IF NOT EXISTS hstore;

-- -----------------------------------------------------------------------------
-- Schemas
-- -----------------------------------------------------------------------------
CREATE SCHEMA shop;
CREATE SCHEMA "Sales Data";
COMMENT ON SCHEMA shop IS 'Catalogue, customers and web events of the sample shop';
COMMENT ON SCHEMA "Sales Data" IS 'Orders and reporting objects (awkward identifiers on purpose)';

-- -----------------------------------------------------------------------------
-- Types, domains, sequences
-- -----------------------------------------------------------------------------
CREATE TYPE shop.order_status AS ENUM
    ('pending', 'paid', 'shipped', 'delivered', 'cancelled', 'on hold');
COMMENT ON TYPE shop.order_status IS 'Life cycle of an order';

CREATE TYPE shop.address AS (
    street       text,
    city         text,
    postal_code  varchar(10),
    country_code char(2)
);

CREATE DOMAIN shop.positive_qty AS integer
    CONSTRAINT positive_qty_check CHECK (VALUE > 0);

CREATE DOMAIN shop.email_address AS public.citext
    CONSTRAINT "email must contain @" CHECK (VALUE LIKE '%_@_%._%');

-- standalone sequences (not owned by any column)
CREATE SEQUENCE shop.invoice_number_seq AS bigint START WITH 100000 INCREMENT BY 7;
CREATE SEQUENCE "Sales Data"."Coupon Code Seq" AS integer
    START WITH 1 MINVALUE 1 MAXVALUE 99999 CYCLE;

-- -----------------------------------------------------------------------------
-- Functions
-- -----------------------------------------------------------------------------
CREATE FUNCTION shop.normalize_sku(p_sku text) RETURNS text
    LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
    SET search_path = pg_catalog
AS $fn$
BEGIN
    RETURN upper(regexp_replace(p_sku, '[^A-Za-z0-9]', '', 'g'));
END
$fn$;
COMMENT ON FUNCTION shop.normalize_sku(text) IS 'SKU without punctuation, upper case (used by an expression index)';

-- SQL-standard function body (PostgreSQL 14+; on an older server, the same function as a string body)
-- (sql_standard_bodies: PostgreSQL 14 or newer, asked once for the whole file)
SELECT current_setting('server_version_num')::int >= 140000 AS sql_standard_bodies \gset
\if :sql_standard_bodies
CREATE FUNCTION shop.gross_price(p_net numeric) RETURNS numeric
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN round(p_net * 1.19, 2);
\else
CREATE FUNCTION shop.gross_price(p_net numeric) RETURNS numeric
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS 'SELECT round(p_net * 1.19, 2)';
\endif

-- -----------------------------------------------------------------------------
-- Tables
-- -----------------------------------------------------------------------------
CREATE TABLE shop.customers (
    customer_id           serial PRIMARY KEY,
    external_id           uuid NOT NULL,
    email                 shop.email_address NOT NULL,
    full_name             text NOT NULL,
    sort_name             text COLLATE "C" NOT NULL,
    country_code          char(2) NOT NULL DEFAULT 'DE',
    phone                 varchar(20),
    is_active             boolean NOT NULL DEFAULT true,
    birth_date            date,
    preferred_call_time   time without time zone,
    signed_up_at          timestamptz NOT NULL,
    last_login_ip         inet,
    home_network          cidr,
    device_mac            macaddr,
    tags                  text[] NOT NULL DEFAULT '{}',
    favourite_product_ids integer[],
    preferences           public.hstore,
    billing_address       shop.address,
    password_hash         bytea,
    CONSTRAINT customers_external_id_key UNIQUE (external_id),
    CONSTRAINT customers_email_key UNIQUE (email),
    CONSTRAINT customers_country_code_check CHECK (country_code ~ '^[A-Z]{2}$')
);
COMMENT ON TABLE shop.customers IS 'Registered customers (RLS enabled and forced)';
COMMENT ON COLUMN shop.customers.email IS 'Case-insensitive (citext domain), unique';
COMMENT ON COLUMN shop.customers.sort_name IS 'Sort key in collation "C" (byte order)';
COMMENT ON COLUMN shop.customers.password_hash IS 'sha256 digest computed with pgcrypto';

CREATE TABLE shop.products (
    product_id       integer GENERATED ALWAYS AS IDENTITY (START WITH 1000) PRIMARY KEY,
    "SKU"            varchar(32) NOT NULL,
    name             text NOT NULL,
    description      text,
    price            numeric(12,2) NOT NULL,
    price_with_tax   numeric(12,2) GENERATED ALWAYS AS (round(price * 1.19, 2)) STORED,
    cost_ratio       double precision,
    weight_kg        real,
    stock            smallint NOT NULL DEFAULT 0,
    avg_rating       numeric,
    dimensions_mm    integer[],
    attributes       jsonb NOT NULL DEFAULT '{}'::jsonb,
    raw_feed         json,
    spec_sheet       xml,
    available_during tstzrange,
    pack_sizes       int4range,
    warranty         interval,
    thumbnail        bytea,
    is_discontinued  boolean NOT NULL DEFAULT false,
    CONSTRAINT products_sku_key UNIQUE ("SKU"),
    CONSTRAINT "Price must be >= 0" CHECK (price >= 0),
    CONSTRAINT products_stock_check CHECK (stock >= 0)
);
COMMENT ON TABLE shop.products IS 'Product catalogue';
COMMENT ON COLUMN shop.products."SKU" IS 'Stock keeping unit, upper-case column name';
COMMENT ON COLUMN shop.products.price_with_tax IS 'Generated (stored) column: price incl. 19 % VAT';
COMMENT ON COLUMN shop.products.avg_rating IS 'NaN when the product has not been rated yet';

CREATE TABLE "Sales Data"."Orders" (
    order_id          bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    customer_id       integer NOT NULL REFERENCES shop.customers (customer_id) ON DELETE RESTRICT,
    status            shop.order_status NOT NULL DEFAULT 'pending',
    "Order Date"      timestamptz NOT NULL,
    invoice_no        bigint DEFAULT nextval('shop.invoice_number_seq'),
    shipping_address  shop.address,
    delivery_window   tstzrange,
    total_amount      numeric(14,2) NOT NULL DEFAULT 0,
    "Note ""quoted""" text,
    CONSTRAINT "Orders: unique invoice" UNIQUE (invoice_no),
    CONSTRAINT "Orders: delivery after order" CHECK (lower(delivery_window) >= "Order Date")
);
COMMENT ON TABLE "Sales Data"."Orders" IS 'Customer orders; total_amount is maintained by a trigger';
COMMENT ON COLUMN "Sales Data"."Orders"."Order Date" IS 'When the order was placed';
COMMENT ON COLUMN "Sales Data"."Orders"."Note ""quoted""" IS 'Column name containing double quotes';

CREATE TABLE "Sales Data"."Order ""Items""" (
    order_id     bigint NOT NULL REFERENCES "Sales Data"."Orders" (order_id) ON DELETE CASCADE,
    "Line No"    smallint NOT NULL,
    product_id   integer NOT NULL REFERENCES shop.products (product_id),
    quantity     shop.positive_qty NOT NULL,
    unit_price   numeric(12,2) NOT NULL,
    "Discount %" real NOT NULL DEFAULT 0,
    line_total   numeric(14,2) GENERATED ALWAYS AS
                     (round(quantity * unit_price * (1 - "Discount %"::numeric / 100), 2)) STORED,
    CONSTRAINT "Order ""Items"" pkey" PRIMARY KEY (order_id, "Line No"),
    CONSTRAINT "Discount between 0 and 100" CHECK ("Discount %" BETWEEN 0 AND 100)
);
COMMENT ON TABLE "Sales Data"."Order ""Items""" IS 'Order lines (table name contains double quotes)';
COMMENT ON COLUMN "Sales Data"."Order ""Items"""."Discount %" IS 'Percentage, real';

CREATE TABLE "Sales Data"."Café ☕" (
    "Id"            serial PRIMARY KEY,
    "Größe"         varchar(10) NOT NULL,
    "Temperatur °C" double precision,
    "Ratio"         real,
    "Preis €"       numeric(8,2),
    "Exact Value"   numeric,
    "Brewed At"     timestamptz,
    "Brew Time"     interval,
    "Origin"        text COLLATE "C"
);
COMMENT ON TABLE "Sales Data"."Café ☕" IS 'Unicode table name; float edge cases (NaN, ±Infinity, -0)';

-- range-partitioned table: 3 partitions + default partition
CREATE TABLE shop.web_events (
    event_id    bigint NOT NULL,
    occurred_at timestamptz NOT NULL,
    customer_id integer REFERENCES shop.customers (customer_id),
    event_type  varchar(32) NOT NULL,
    url_path    text,
    payload     jsonb,
    CONSTRAINT web_events_pkey PRIMARY KEY (event_id, occurred_at)
) PARTITION BY RANGE (occurred_at);
CREATE TABLE shop.web_events_2024_q1 PARTITION OF shop.web_events
    FOR VALUES FROM ('2024-01-01 00:00:00+00') TO ('2024-04-01 00:00:00+00');
CREATE TABLE shop.web_events_2024_q2 PARTITION OF shop.web_events
    FOR VALUES FROM ('2024-04-01 00:00:00+00') TO ('2024-07-01 00:00:00+00');
CREATE TABLE shop."Web Events 2024-Q3" PARTITION OF shop.web_events
    FOR VALUES FROM ('2024-07-01 00:00:00+00') TO ('2024-10-01 00:00:00+00');
CREATE TABLE shop.web_events_default PARTITION OF shop.web_events DEFAULT;
COMMENT ON TABLE shop.web_events IS 'Click stream, range partitioned by quarter';

-- inheritance parent / child
CREATE TABLE shop.audit_log (
    audit_id   bigserial PRIMARY KEY,
    logged_at  timestamptz NOT NULL,
    table_name text NOT NULL,
    action     char(1) NOT NULL CHECK (action IN ('I', 'U', 'D')),
    row_data   jsonb
);
CREATE TABLE shop.audit_log_archive (
    archived_on date NOT NULL
) INHERITS (shop.audit_log);
COMMENT ON TABLE shop.audit_log IS 'Audit log (inheritance parent)';
COMMENT ON TABLE shop.audit_log_archive IS 'Archived audit rows (inherits shop.audit_log)';

-- references the large objects created below
CREATE TABLE shop.product_documents (
    document_id serial PRIMARY KEY,
    product_id  integer NOT NULL REFERENCES shop.products (product_id),
    title       text NOT NULL,
    mime_type   varchar(64) NOT NULL,
    content_oid oid NOT NULL UNIQUE
);
COMMENT ON COLUMN shop.product_documents.content_oid IS 'OID of a large object (fixed OIDs 424242..424244)';

-- -----------------------------------------------------------------------------
-- Indexes and extended statistics
-- -----------------------------------------------------------------------------
CREATE INDEX customers_lower_full_name_idx ON shop.customers (lower(full_name));       -- expression
CREATE INDEX customers_sort_name_idx ON shop.customers (sort_name COLLATE "C");
CREATE INDEX customers_active_signup_idx ON shop.customers (signed_up_at) WHERE is_active; -- partial
CREATE INDEX customers_tags_gin ON shop.customers USING gin (tags);
CREATE INDEX products_normalized_sku_idx ON shop.products (shop.normalize_sku("SKU"));  -- expression (user function)
CREATE INDEX products_attributes_gin ON shop.products USING gin (attributes jsonb_path_ops);
CREATE INDEX products_in_stock_price_idx ON shop.products (price) WHERE NOT is_discontinued; -- partial
CREATE INDEX "Orders by customer" ON "Sales Data"."Orders" (customer_id, "Order Date" DESC);
CREATE INDEX "Pending orders" ON "Sales Data"."Orders" ("Order Date") WHERE status = 'pending'; -- partial
CREATE INDEX order_items_product_idx ON "Sales Data"."Order ""Items""" (product_id);
CREATE INDEX web_events_customer_idx ON shop.web_events (customer_id, occurred_at);
CREATE INDEX "Café origin" ON "Sales Data"."Café ☕" ("Origin");
CREATE STATISTICS shop.customers_country_active (dependencies) ON country_code, is_active FROM shop.customers;

-- -----------------------------------------------------------------------------
-- Data (deterministic)
-- -----------------------------------------------------------------------------
INSERT INTO shop.customers (external_id, email, full_name, sort_name, country_code, phone,
                            is_active, birth_date, preferred_call_time, signed_up_at,
                            last_login_ip, home_network, device_mac, tags,
                            favourite_product_ids, preferences, billing_address, password_hash)
SELECT md5('customer-' || g)::uuid,
       format('Customer.%s@Example.com', g),
       (ARRAY['Zoë', 'Jürgen', 'Łukasz', 'O''Brien', 'Søren', 'Ana María', '李 雷', 'Renée'])[1 + g % 8]
           || ' Kunde ' || g,
       (ARRAY['zoë', 'Ångström', 'apple', 'Zebra', 'éclair', '_under', '123abc', 'Banana'])[1 + g % 8]
           || '-' || lpad(g::text, 4, '0'),
       (ARRAY['DE', 'FR', 'US', 'PL', 'DK', 'ES', 'CN', 'CA'])[1 + g % 8],
       CASE WHEN g % 5 = 0 THEN NULL ELSE '+49 30 ' || lpad((g * 7919 % 1000000)::text, 6, '0') END,
       g % 7 <> 0,
       CASE WHEN g % 9 = 0 THEN NULL ELSE date '1950-01-01' + (g * 37 % 20000) END,
       time '08:00' + (g % 40) * interval '15 minutes',
       timestamptz '2023-01-01 00:00:00+00' + g * interval '17 hours 13 minutes',
       CASE g % 3
           WHEN 0 THEN ('10.' || (g / 256) % 256 || '.' || g % 256 || '.1')::inet
           WHEN 1 THEN ('2001:db8::' || to_hex(g))::inet
       END,
       ('10.' || g % 256 || '.0.0/16')::cidr,
       lpad(to_hex(g * 4099), 12, '0')::macaddr,
       CASE g % 4
           WHEN 0 THEN ARRAY['vip', 'newsletter']
           WHEN 1 THEN ARRAY['newsletter']
           WHEN 2 THEN ARRAY['with "quotes"', 'comma,inside', 'ünïcödé']
           ELSE '{}'::text[]
       END,
       CASE WHEN g % 3 = 0 THEN NULL ELSE ARRAY[1000 + g % 200, 1000 + (g * 3) % 200] END,
       public.hstore(ARRAY['lang', 'theme', 'note'],
                     ARRAY[(ARRAY['de', 'en', 'fr'])[1 + g % 3], CASE WHEN g % 2 = 0 THEN 'dark' END,
                           'a=>b, "quoted"']),
       ROW('Hauptstraße ' || g, (ARRAY['Berlin', 'Paris', 'New York', 'Kraków'])[1 + g % 4],
           lpad((10000 + g)::text, 5, '0'), 'DE')::shop.address,
       public.digest('password-' || g, 'sha256')
FROM generate_series(1, 400) AS g
ORDER BY g;

INSERT INTO shop.products ("SKU", name, description, price, cost_ratio, weight_kg, stock,
                           avg_rating, dimensions_mm, attributes, raw_feed, spec_sheet,
                           available_during, pack_sizes, warranty, thumbnail, is_discontinued)
SELECT format('sku-%s/%s', (ARRAY['tea', 'cof', 'mug', 'bag'])[1 + g % 4], lpad(g::text, 4, '0')),
       (ARRAY['Tea', 'Coffee', 'Mug', 'Bag'])[1 + g % 4] || ' #' || g,
       CASE WHEN g % 6 = 0 THEN NULL ELSE E'Line one\nLine two with tab\tand backslash \\ ' || g END,
       round((g * 1.37 + 0.99)::numeric, 2),
       (g % 13) / 13.0,
       (g % 50) * 0.125,
       (g * 11) % 500,
       CASE WHEN g % 10 = 0 THEN 'NaN'::numeric ELSE round(((g % 5) + 1 + (g % 3) / 3.0)::numeric, 3) END,
       ARRAY[100 + g % 50, 50 + g % 20, 10 + g % 5],
       jsonb_build_object('color', (ARRAY['red', 'green', 'blue'])[1 + g % 3],
                          'organic', g % 2 = 0,
                          'origin', jsonb_build_object('country', 'Ümland', 'farm', 'Farm ' || g % 17),
                          'scores', jsonb_build_array(g % 5, g % 7, NULL)),
       json_build_object('feed_id', g, 'raw', '  keeps   whitespace  '),
       xmlelement(name spec, xmlattributes(g AS id), xmlelement(name weight, (g % 50) * 0.125)),
       tstzrange(timestamptz '2024-01-01 00:00:00+00' + g * interval '1 day',
                 CASE WHEN g % 4 = 0 THEN NULL ELSE timestamptz '2025-01-01 00:00:00+00' + g * interval '1 day' END,
                 '[)'),
       int4range(1 + g % 3, 10 + g % 10),
       make_interval(years => g % 3, months => g % 12, days => g % 30),
       decode(md5('thumb-' || g) || md5('thumb2-' || g), 'hex'),
       g % 25 = 0
FROM generate_series(1, 200) AS g
ORDER BY g;

INSERT INTO "Sales Data"."Orders" (order_id, customer_id, status, "Order Date", shipping_address,
                                  delivery_window, "Note ""quoted""")
SELECT g,
       1 + (g * 37) % 400,
       (enum_range(NULL::shop.order_status))[1 + g % 6],
       timestamptz '2024-01-01 00:00:00+00' + g * interval '11 hours 7 minutes',
       CASE WHEN g % 8 = 0 THEN NULL
            ELSE ROW('Lieferweg ' || g, 'Köln', lpad((50000 + g)::text, 5, '0'), 'DE')::shop.address END,
       CASE WHEN g % 6 IN (2, 3)
            THEN tstzrange(timestamptz '2024-01-01 00:00:00+00' + g * interval '11 hours 7 minutes' + interval '2 days',
                           timestamptz '2024-01-01 00:00:00+00' + g * interval '11 hours 7 minutes' + interval '5 days')
       END,
       CASE WHEN g % 11 = 0 THEN 'Please ring "twice"; it''s urgent' END
FROM generate_series(1, 600) AS g
ORDER BY g;
SELECT setval(pg_get_serial_sequence('"Sales Data"."Orders"', 'order_id'), 600);

INSERT INTO "Sales Data"."Order ""Items""" (order_id, "Line No", product_id, quantity, unit_price, "Discount %")
SELECT o.g,
       l.line,
       p.product_id,
       1 + (o.g + l.line) % 5,
       p.price,
       CASE WHEN o.g % 10 = 0 THEN 10 WHEN o.g % 25 = 0 THEN 12.5 ELSE 0 END
FROM generate_series(1, 600) AS o(g)
CROSS JOIN LATERAL generate_series(1, 1 + o.g % 4) AS l(line)
JOIN shop.products p ON p.product_id = 1000 + (o.g * 7 + l.line * 13) % 200
ORDER BY o.g, l.line;

-- numeric holds infinities from PostgreSQL 14 on; an older server gets NULL in their place
\if :sql_standard_bodies
\set numeric_infinity '''Infinity'''
\set numeric_minus_infinity '''-Infinity'''
\else
\set numeric_infinity NULL
\set numeric_minus_infinity NULL
\endif
INSERT INTO "Sales Data"."Café ☕" ("Größe", "Temperatur °C", "Ratio", "Preis €", "Exact Value", "Brewed At", "Brew Time", "Origin")
VALUES ('NaN',       'NaN',       'NaN',       1.00, 'NaN',  '2024-03-01 08:00:00+00', '00:03:30', 'Äthiopien'),
       ('+Infinity', 'Infinity',  'Infinity',  2.00, :numeric_infinity, 'infinity', '1 day', 'Brazil'),
       ('-Infinity', '-Infinity', '-Infinity', 3.00, :numeric_minus_infinity, '-infinity', '-00:00:01', 'colombia'),
       ('-0',        '-0',        '-0',        0.00, '-0',   '2024-03-01 08:00:00.123456+00', '0', 'Zimbabwe'),
       ('tiny',      1e-300,      1.17549435e-38, 0.01, 0.000000000000000000001, NULL, NULL, NULL);
INSERT INTO "Sales Data"."Café ☕" ("Größe", "Temperatur °C", "Ratio", "Preis €", "Exact Value", "Brewed At", "Brew Time", "Origin")
SELECT (ARRAY['Klein', 'Mittel', 'Groß', 'Très grand'])[1 + g % 4],
       85 + g / 7.0,
       g / 3.0,
       round((1.5 + g * 0.25)::numeric, 2),
       (g::numeric / 7),
       timestamptz '2024-03-01 08:00:00+00' + g * interval '37 minutes',
       make_interval(mins => 2 + g % 5, secs => g % 60),
       (ARRAY['Äthiopien', 'Brazil', 'colombia', 'Zimbabwe', 'äpfel', 'Apfel'])[1 + g % 6]
FROM generate_series(1, 50) AS g
ORDER BY g;

INSERT INTO shop.web_events (event_id, occurred_at, customer_id, event_type, url_path, payload)
SELECT g,
       timestamptz '2023-12-15 00:00:00+00' + g * interval '8 hours',
       CASE WHEN g % 4 = 0 THEN NULL ELSE 1 + g % 400 END,
       (ARRAY['page_view', 'add_to_cart', 'checkout', 'search'])[1 + g % 4],
       '/products/' || (1000 + g % 200) || CASE WHEN g % 5 = 0 THEN '?q=caf%C3%A9&x=1' ELSE '' END,
       CASE WHEN g % 3 = 0 THEN NULL ELSE jsonb_build_object('session', md5('s' || g / 10), 'n', g) END
FROM generate_series(1, 900) AS g
ORDER BY g;

INSERT INTO shop.audit_log (logged_at, table_name, action, row_data)
SELECT timestamptz '2024-06-01 00:00:00+00' + g * interval '1 hour',
       (ARRAY['shop.customers', 'shop.products', 'Sales Data.Orders'])[1 + g % 3],
       (ARRAY['I', 'U', 'D'])[1 + g % 3],
       jsonb_build_object('id', g, 'changed', g % 2 = 0)
FROM generate_series(1, 150) AS g
ORDER BY g;
INSERT INTO shop.audit_log_archive (logged_at, table_name, action, row_data, archived_on)
SELECT timestamptz '2023-01-01 00:00:00+00' + g * interval '3 hours',
       'shop.products', 'U',
       jsonb_build_object('id', g),
       date '2024-01-01' + g % 30
FROM generate_series(1, 100) AS g
ORDER BY g;

-- large objects with fixed OIDs
INSERT INTO shop.product_documents (product_id, title, mime_type, content_oid)
VALUES (1000, 'Manual (text)', 'text/plain',
        lo_from_bytea(424242, convert_to(E'Brewing manual ☕\nStep 1: boil water.\n', 'UTF8'))),
       (1001, 'Label (binary, 8 KiB)', 'application/octet-stream',
        lo_from_bytea(424243, decode(repeat('00ff10ef', 2048), 'hex'))),
       (1002, 'Certificate (JSON)', 'application/json',
        lo_from_bytea(424244, convert_to('{"certified": true, "by": "Öko-Kontrollstelle"}', 'UTF8')));
COMMENT ON LARGE OBJECT 424242 IS 'Brewing manual (plain text)';

-- standalone sequences: one advanced (is_called = true), one with is_called = false
SELECT setval('shop.invoice_number_seq', 250000);                   -- next value 250007
SELECT setval('"Sales Data"."Coupon Code Seq"', 500, false);        -- next value 500

-- -----------------------------------------------------------------------------
-- Trigger (created after the bulk load, fed by the initial totals below)
-- -----------------------------------------------------------------------------
CREATE FUNCTION shop.refresh_order_total() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog
AS $fn$
DECLARE
    v_order_id bigint;
BEGIN
    IF TG_OP = 'DELETE' THEN
        v_order_id := OLD.order_id;
    ELSE
        v_order_id := NEW.order_id;
    END IF;

    UPDATE "Sales Data"."Orders" AS o
       SET total_amount = coalesce((SELECT sum(i.line_total)
                                      FROM "Sales Data"."Order ""Items""" AS i
                                     WHERE i.order_id = v_order_id), 0)
     WHERE o.order_id = v_order_id;

    IF TG_OP = 'UPDATE' AND OLD.order_id IS DISTINCT FROM NEW.order_id THEN
        UPDATE "Sales Data"."Orders" AS o
           SET total_amount = coalesce((SELECT sum(i.line_total)
                                          FROM "Sales Data"."Order ""Items""" AS i
                                         WHERE i.order_id = OLD.order_id), 0)
         WHERE o.order_id = OLD.order_id;
    END IF;
    RETURN NULL;
END
$fn$;

UPDATE "Sales Data"."Orders" AS o
   SET total_amount = t.total
  FROM (SELECT order_id, sum(line_total) AS total
          FROM "Sales Data"."Order ""Items"""
         GROUP BY order_id) AS t
 WHERE t.order_id = o.order_id;

CREATE TRIGGER "Keep order total in sync"
    AFTER INSERT OR UPDATE OR DELETE ON "Sales Data"."Order ""Items"""
    FOR EACH ROW EXECUTE FUNCTION shop.refresh_order_total();

-- exercise the trigger once (deterministic): add a line to order 1
INSERT INTO "Sales Data"."Order ""Items""" (order_id, "Line No", product_id, quantity, unit_price)
VALUES (1, 99, 1199, 2, 9.99);

-- -----------------------------------------------------------------------------
-- More functions / procedure
-- -----------------------------------------------------------------------------
CREATE FUNCTION shop.customer_lifetime_value(p_customer_id integer) RETURNS numeric
    LANGUAGE plpgsql STABLE
AS $fn$
DECLARE
    v_total numeric;
BEGIN
    SELECT coalesce(sum(o.total_amount), 0)
      INTO v_total
      FROM "Sales Data"."Orders" AS o
     WHERE o.customer_id = p_customer_id
       AND o.status NOT IN ('cancelled', 'pending');
    RETURN v_total;
END
$fn$;
COMMENT ON FUNCTION shop.customer_lifetime_value(integer) IS 'Sum of non-cancelled, non-pending orders';

CREATE FUNCTION "Sales Data"."Orders in Status"(p_status shop.order_status)
    RETURNS SETOF "Sales Data"."Orders"
    LANGUAGE sql STABLE
AS $fn$
    SELECT * FROM "Sales Data"."Orders" WHERE status = p_status ORDER BY order_id
$fn$;

CREATE PROCEDURE shop.restock(p_product_id integer, p_amount integer)
    LANGUAGE plpgsql
AS $fn$
BEGIN
    IF p_amount <= 0 THEN
        RAISE EXCEPTION 'restock amount must be positive, got %', p_amount;
    END IF;
    UPDATE shop.products SET stock = stock + p_amount WHERE product_id = p_product_id;
END
$fn$;

-- -----------------------------------------------------------------------------
-- Views and materialized view
-- -----------------------------------------------------------------------------
CREATE VIEW shop.active_customers WITH (security_barrier) AS
SELECT customer_id, email, full_name, country_code, signed_up_at
  FROM shop.customers
 WHERE is_active;
COMMENT ON VIEW shop.active_customers IS 'Customers with is_active = true';

CREATE VIEW shop.in_stock_products AS
SELECT product_id, "SKU", name, price, price_with_tax, stock
  FROM shop.products
 WHERE stock > 0
  WITH LOCAL CHECK OPTION;

-- relies on functional dependency on the primary key of "Orders"
CREATE VIEW "Sales Data"."Order Summary" AS
SELECT o.order_id,
       o."Order Date",
       o.status,
       c.email,
       count(i."Line No") AS "Item Count",
       coalesce(sum(i.line_total), 0) AS "Items Total",
       shop.gross_price(o.total_amount) AS "Gross Total"
  FROM "Sales Data"."Orders" AS o
  JOIN shop.customers AS c USING (customer_id)
  LEFT JOIN "Sales Data"."Order ""Items""" AS i ON i.order_id = o.order_id
 GROUP BY o.order_id, c.email;
COMMENT ON VIEW "Sales Data"."Order Summary" IS 'One row per order with item count and totals';

CREATE MATERIALIZED VIEW "Sales Data"."Monthly Revenue" AS
SELECT date_trunc('month', o."Order Date" AT TIME ZONE 'UTC') AS "Month",
       o.status,
       count(*) AS order_count,
       sum(o.total_amount) AS revenue
  FROM "Sales Data"."Orders" AS o
 GROUP BY 1, 2
WITH DATA;
CREATE UNIQUE INDEX "Monthly Revenue key" ON "Sales Data"."Monthly Revenue" ("Month", status);
COMMENT ON MATERIALIZED VIEW "Sales Data"."Monthly Revenue" IS 'Revenue per month and status';

-- -----------------------------------------------------------------------------
-- Row level security
-- -----------------------------------------------------------------------------
ALTER TABLE "Sales Data"."Orders" ENABLE ROW LEVEL SECURITY;
CREATE POLICY "Reader sees shipped orders" ON "Sales Data"."Orders"
    FOR SELECT TO tsm_app_reader
    USING (status IN ('shipped', 'delivered'));
CREATE POLICY reporting_sees_all ON "Sales Data"."Orders"
    FOR SELECT TO "TSM Reporting ""Role"""
    USING (true);
CREATE POLICY owner_full_access ON "Sales Data"."Orders"
    FOR ALL TO tsm_app_owner
    USING (true) WITH CHECK (true);

ALTER TABLE shop.customers ENABLE ROW LEVEL SECURITY;
ALTER TABLE shop.customers FORCE ROW LEVEL SECURITY;
CREATE POLICY customers_active_only ON shop.customers
    AS PERMISSIVE FOR SELECT TO tsm_app_reader, "TSM Reporting ""Role"""
    USING (is_active);
CREATE POLICY "No reader writes" ON shop.customers
    AS RESTRICTIVE FOR ALL TO tsm_app_reader
    USING (true) WITH CHECK (false);

-- -----------------------------------------------------------------------------
-- Ownership and privileges (stripped by --no-owner / --no-privileges, but
-- make the source realistic)
-- -----------------------------------------------------------------------------
ALTER TABLE shop.product_documents OWNER TO tsm_app_owner;
ALTER VIEW shop.in_stock_products OWNER TO tsm_app_owner;
ALTER SEQUENCE "Sales Data"."Coupon Code Seq" OWNER TO tsm_app_owner;
GRANT USAGE ON SCHEMA shop, "Sales Data" TO tsm_app_reader, "TSM Reporting ""Role""";
GRANT ALL ON SCHEMA shop, "Sales Data" TO tsm_app_owner;
GRANT SELECT ON ALL TABLES IN SCHEMA shop, "Sales Data" TO "TSM Reporting ""Role""";
GRANT SELECT ON "Sales Data"."Orders", shop.customers, shop.active_customers TO tsm_app_reader;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA shop, "Sales Data" TO tsm_app_owner;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA shop, "Sales Data" TO tsm_app_owner;
GRANT EXECUTE ON FUNCTION shop.customer_lifetime_value(integer) TO "TSM Reporting ""Role""";
GRANT SELECT ON LARGE OBJECT 424242 TO tsm_app_reader;
