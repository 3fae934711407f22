-- FerretDB v1 (the tests' MongoDB) pushes an equality filter down to PostgreSQL as
-- `_jsonb -> 'field' @> value`, which its own btree indexes cannot serve: every lookup by
-- message_id, chat_id or client_msg_id scanned the whole collection (10 ms at 5,000 documents,
-- growing with it). A GIN index on the same expression serves `@>`. This event trigger gives every
-- field FerretDB indexes a GIN twin as the index is created, in every database FerretDB makes.
-- Only the test/dev FerretDB's PostgreSQL gets it; MongoDB uses its own indexes. Idempotent.
--
-- Two fields get no twin, since every index is paid for on each write and FerretDB rewrites the
-- whole document on each update: `_id` (FerretDB updates and deletes by `_jsonb -> '_id' = $1`,
-- which its own btree serves) and `created_at` (only ever compared by range, never pushed down).

SET client_min_messages = warning;

CREATE OR REPLACE FUNCTION wa_ferretdb_gin_for(idx oid) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  tbl regclass;
  field text;
BEGIN
  SELECT indrelid::regclass INTO tbl FROM pg_index WHERE indexrelid = idx;
  FOR field IN
    SELECT DISTINCT m[1]
    FROM regexp_matches(pg_get_indexdef(idx), '_jsonb -> ''([A-Za-z0-9_]+)''::text', 'g') AS m
    WHERE m[1] NOT IN ('_id', 'created_at')
  LOOP
    EXECUTE format(
      'CREATE INDEX IF NOT EXISTS %I ON %s USING gin ((_jsonb -> %L))',
      'gin_' || md5(tbl::text || '/' || field),
      tbl,
      field
    );
  END LOOP;
END $$;

CREATE OR REPLACE FUNCTION wa_ferretdb_gin_trigger() RETURNS event_trigger
LANGUAGE plpgsql AS $$
DECLARE
  created record;
BEGIN
  FOR created IN
    SELECT c.objid
    FROM pg_event_trigger_ddl_commands() AS c
    JOIN pg_class AS i ON i.oid = c.objid
    JOIN pg_am AS a ON a.oid = i.relam
    WHERE c.command_tag = 'CREATE INDEX' AND a.amname = 'btree'
  LOOP
    PERFORM wa_ferretdb_gin_for(created.objid);
  END LOOP;
END $$;

DROP EVENT TRIGGER IF EXISTS wa_ferretdb_gin;
CREATE EVENT TRIGGER wa_ferretdb_gin ON ddl_command_end
  WHEN TAG IN ('CREATE INDEX')
  EXECUTE FUNCTION wa_ferretdb_gin_trigger();

-- Indexes made before the trigger existed.
SELECT wa_ferretdb_gin_for(i.indexrelid)
FROM pg_index AS i
JOIN pg_class AS c ON c.oid = i.indexrelid
JOIN pg_am AS a ON a.oid = c.relam
WHERE a.amname = 'btree' AND pg_get_indexdef(i.indexrelid) LIKE '%_jsonb -> %';

-- Twins an earlier version of this file made for those two fields.
DO $$
DECLARE
  twin record;
BEGIN
  FOR twin IN
    SELECT schemaname, indexname
    FROM pg_indexes
    WHERE indexname LIKE 'gin\_%'
      AND (indexdef LIKE '%(_jsonb -> ''_id''::text)%' OR indexdef LIKE '%(_jsonb -> ''created_at''::text)%')
  LOOP
    EXECUTE format('DROP INDEX IF EXISTS %I.%I', twin.schemaname, twin.indexname);
  END LOOP;
END $$;
