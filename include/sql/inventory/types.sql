-- Inventory: user types by what they are. Enums: labels in order (not their sort positions: values added later have
-- fractional ones until a dump makes them whole). Domains: base type, NOT NULL (pg_type.typnotnull on every
-- version; from PostgreSQL 17 also a constraint row, see inventory/constraints), default, collation (their CHECK
-- constraints are in the constraints section). Composite types: attributes are columns (inventory/columns).
-- Ranges: subtype, collation, subtype operator class, canonical and subtype_diff functions, multirange type.
-- Base types: input/output/receive/send/typmod/analyze functions, length, passing, alignment, storage,
-- category, preferred, delimiter, element type, default, collatable.
SELECT quote_ident(n.nspname) || '.' || quote_ident(t.typname) AS name,
       concat_ws(' ', CASE t.typtype WHEN 'e' THEN 'enum' WHEN 'd' THEN 'domain' WHEN 'c' THEN 'composite'
                                     WHEN 'r' THEN 'range' WHEN 'm' THEN 'multirange' ELSE 'base' END,
                 CASE WHEN t.typtype = 'd' THEN format_type(t.typbasetype, t.typtypmod) END,
                 CASE WHEN t.typtype = 'd' AND t.typnotnull THEN 'not null' END,
                 CASE WHEN t.typtype = 'd' AND t.typdefault IS NOT NULL THEN 'default ' || t.typdefault END,
                 CASE WHEN t.typtype = 'd' AND t.typcollation <> 0
                           AND t.typcollation <> (SELECT b.typcollation FROM pg_type b WHERE b.oid = t.typbasetype)
                      THEN 'collate ' || t.typcollation::regcollation::text END,
                 (SELECT string_agg(quote_literal(e.enumlabel), ',' ORDER BY e.enumsortorder)
                  FROM pg_enum e WHERE e.enumtypid = t.oid),
                 (SELECT concat_ws(' ', 'of ' || format_type(r.rngsubtype, NULL),
                                   CASE WHEN r.rngcollation <> 0 THEN 'collate ' || r.rngcollation::regcollation::text END,
                                   'opclass ' || (SELECT quote_ident(on_.nspname) || '.' || quote_ident(o.opcname)
                                                  FROM pg_opclass o JOIN pg_namespace on_ ON on_.oid = o.opcnamespace
                                                  WHERE o.oid = r.rngsubopc),
                                   CASE WHEN r.rngcanonical <> 0 THEN 'canonical ' || r.rngcanonical::regprocedure::text END,
                                   CASE WHEN r.rngsubdiff <> 0 THEN 'diff ' || r.rngsubdiff::regprocedure::text END,
                                   'multirange ' || format_type(nullif((to_jsonb(r) ->> 'rngmultitypid')::oid, 0), NULL))
                  FROM pg_range r WHERE r.rngtypid = t.oid),
                 CASE WHEN t.typtype = 'b' THEN concat_ws(' ',
                      'input', t.typinput::regprocedure::text, 'output', t.typoutput::regprocedure::text,
                      CASE WHEN t.typreceive <> 0 THEN 'receive ' || t.typreceive::regprocedure::text END,
                      CASE WHEN t.typsend <> 0 THEN 'send ' || t.typsend::regprocedure::text END,
                      CASE WHEN t.typmodin <> 0 THEN 'typmod in ' || t.typmodin::regprocedure::text END,
                      CASE WHEN t.typmodout <> 0 THEN 'typmod out ' || t.typmodout::regprocedure::text END,
                      CASE WHEN t.typanalyze <> 0 THEN 'analyze ' || t.typanalyze::regprocedure::text END,
                      'length', t.typlen, CASE WHEN t.typbyval THEN 'by value' END, 'align', t.typalign::text,
                      'storage', t.typstorage::text, 'category', t.typcategory::text, CASE WHEN t.typispreferred THEN 'preferred' END,
                      'delimiter', quote_literal(t.typdelim::text),
                      CASE WHEN t.typelem <> 0 THEN 'element ' || format_type(t.typelem, NULL) END,
                      CASE WHEN t.typdefault IS NOT NULL THEN 'default ' || quote_literal(t.typdefault) END,
                      CASE WHEN t.typcollation <> 0 THEN 'collatable' END) END) AS detail
FROM pg_type t
JOIN pg_namespace n ON n.oid = t.typnamespace
LEFT JOIN pg_class c ON c.oid = t.typrelid
WHERE t.typtype IN ('e', 'd', 'c', 'r', 'm', 'b')
  AND (t.typrelid = 0 OR c.relkind = 'c')
  AND t.typcategory <> 'A'
  AND {{user_schema}}
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_type'::regclass AND d.objid = t.oid AND d.deptype = 'e')
ORDER BY 1;
