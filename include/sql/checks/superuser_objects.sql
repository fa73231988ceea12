-- Objects of the current database that only a superuser may create, which the dump would create on the target
-- (an aggregate is written in language internal but made by CREATE AGGREGATE, which needs no superuser):
-- kind, name and why. Members of extensions are left out (CREATE EXTENSION makes them), and so are objects of
-- the system (oid below 16384) and the parts PostgreSQL makes of another object (a range type's constructor
-- functions in language internal, a type's array type: their pg_depend row is 'i', and pg_dump does not write them).
WITH members AS (
    SELECT classid, objid FROM pg_depend WHERE deptype = 'e'
), parts AS (
    SELECT classid, objid FROM pg_depend WHERE deptype = 'i'
)
SELECT 'event trigger' AS kind, quote_ident(e.evtname) AS name, 'on ' || e.evtevent AS detail
FROM pg_event_trigger e
WHERE (('pg_event_trigger'::regclass, e.oid) NOT IN (SELECT classid, objid FROM members))
UNION ALL
SELECT 'function in language ' || l.lanname, p.oid::regprocedure::text,
       CASE WHEN l.lanname = 'c' THEN 'C code from ' || coalesce(p.probin, '?')
            WHEN l.lanname = 'internal' THEN 'built-in code ' || p.prosrc
            ELSE 'untrusted language ' || l.lanname END
FROM pg_proc p
JOIN pg_language l ON l.oid = p.prolang
JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE NOT l.lanpltrusted AND p.oid >= 16384 AND p.prokind <> 'a'
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND (('pg_proc'::regclass, p.oid) NOT IN (SELECT classid, objid FROM members))
  AND (('pg_proc'::regclass, p.oid) NOT IN (SELECT classid, objid FROM parts))
UNION ALL
SELECT 'leakproof function', p.oid::regprocedure::text, 'LEAKPROOF (language ' || l.lanname || ')'
FROM pg_proc p
JOIN pg_language l ON l.oid = p.prolang
JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE p.proleakproof AND l.lanpltrusted AND p.oid >= 16384
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND (('pg_proc'::regclass, p.oid) NOT IN (SELECT classid, objid FROM members))
UNION ALL
SELECT 'base type', format_type(t.oid, NULL), 'input ' || t.typinput::regproc::text
FROM pg_type t
JOIN pg_namespace n ON n.oid = t.typnamespace
WHERE t.typtype = 'b' AND t.oid >= 16384
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND (('pg_type'::regclass, t.oid) NOT IN (SELECT classid, objid FROM members))
  AND (('pg_type'::regclass, t.oid) NOT IN (SELECT classid, objid FROM parts))
UNION ALL
SELECT 'procedural language', quote_ident(l.lanname), CASE WHEN l.lanpltrusted THEN 'trusted' ELSE 'untrusted' END
FROM pg_language l
WHERE l.oid >= 16384 AND (('pg_language'::regclass, l.oid) NOT IN (SELECT classid, objid FROM members))
UNION ALL
SELECT 'foreign-data wrapper', quote_ident(w.fdwname), 'not created by an extension'
FROM pg_foreign_data_wrapper w
WHERE (('pg_foreign_data_wrapper'::regclass, w.oid) NOT IN (SELECT classid, objid FROM members))
UNION ALL
SELECT 'user mapping', quote_ident(m.usename) || ' for server ' || quote_ident(m.srvname), o.option
FROM pg_user_mappings m, unnest(m.umoptions) AS o(option)
WHERE lower(o.option) IN ('password_required=false', 'password_required=off', 'password_required=0')
UNION ALL
SELECT 'cast', format('(%s AS %s)', c.castsource::regtype, c.casttarget::regtype),
       CASE WHEN c.castmethod = 'b' THEN 'binary-coercible (WITHOUT FUNCTION)' ELSE 'between built-in types' END
FROM pg_cast c
WHERE c.oid >= 16384 AND (c.castmethod = 'b' OR (c.castsource < 16384 AND c.casttarget < 16384))
  AND (('pg_cast'::regclass, c.oid) NOT IN (SELECT classid, objid FROM members))
UNION ALL
SELECT 'operator class', quote_ident(n.nspname) || '.' || quote_ident(o.opcname), 'for ' || a.amname
FROM pg_opclass o
JOIN pg_namespace n ON n.oid = o.opcnamespace
JOIN pg_am a ON a.oid = o.opcmethod
WHERE o.oid >= 16384 AND (('pg_opclass'::regclass, o.oid) NOT IN (SELECT classid, objid FROM members))
UNION ALL
SELECT 'operator family', quote_ident(n.nspname) || '.' || quote_ident(f.opfname), 'for ' || a.amname
FROM pg_opfamily f
JOIN pg_namespace n ON n.oid = f.opfnamespace
JOIN pg_am a ON a.oid = f.opfmethod
WHERE f.oid >= 16384 AND (('pg_opfamily'::regclass, f.oid) NOT IN (SELECT classid, objid FROM members))
  AND NOT EXISTS (SELECT 1 FROM pg_opclass o
                  WHERE o.opcfamily = f.oid AND o.opcname = f.opfname AND o.opcnamespace = f.opfnamespace)
UNION ALL
SELECT 'access method', quote_ident(a.amname), 'type ' || a.amtype::text
FROM pg_am a
WHERE a.oid >= 16384 AND (('pg_am'::regclass, a.oid) NOT IN (SELECT classid, objid FROM members))
UNION ALL
SELECT 'text search parser', quote_ident(n.nspname) || '.' || quote_ident(p.prsname), 'C functions'
FROM pg_ts_parser p
JOIN pg_namespace n ON n.oid = p.prsnamespace
WHERE p.oid >= 16384 AND (('pg_ts_parser'::regclass, p.oid) NOT IN (SELECT classid, objid FROM members))
UNION ALL
SELECT 'text search template', quote_ident(n.nspname) || '.' || quote_ident(t.tmplname), 'C functions'
FROM pg_ts_template t
JOIN pg_namespace n ON n.oid = t.tmplnamespace
WHERE t.oid >= 16384 AND (('pg_ts_template'::regclass, t.oid) NOT IN (SELECT classid, objid FROM members))
ORDER BY 1, 2;
