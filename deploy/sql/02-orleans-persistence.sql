-- FleetProfiler: storage + query texts for Microsoft.Orleans.Persistence.AdoNet 10.4.2
-- (AddAdoNetGrainStorage), Invariant "Npgsql". Contract derived from
-- Orleans.Storage.AdoNetGrainStorage (Read/Write/ClearStateAsync, CheckVersionInconsistency)
-- and AdoGrainKey; see deploy/sql/README.md. Requires 00-orleans-query-table.sql.
--
-- Every statement receives the same identity parameters:
--   @ServiceId text, @GrainTypeString text (generic args normalised by the provider),
--   @GrainTypeHash int4, @GrainIdHash int4 (provider-side hashes, may be negative),
--   @GrainIdN0 int8, @GrainIdN1 int8 (GUID halves / integer key, 0 for string keys),
--   @GrainIdExtensionString text or NULL (key extension, or the whole string key).
-- Write also gets @GrainStateVersion int4 (NULL = "no ETag yet") and @PayloadBinary bytea;
-- Clear/Delete get @GrainStateVersion.
--
-- Version contract (what the provider compares, see CheckVersionInconsistency):
--   * a successful write/clear returns exactly one row whose value differs from the
--     ETag the grain sent; that value becomes the new ETag;
--   * a lost race must return no row (or NULL): the provider then throws
--     InconsistentStateException. Nothing here raises an SQL error for a conflict.

CREATE TABLE IF NOT EXISTS orleans_grain_state
(
    service_id         text        NOT NULL,
    grain_type         text        NOT NULL,
    grain_type_hash    integer     NOT NULL,
    grain_id_hash      integer     NOT NULL,
    grain_id_n0        bigint      NOT NULL,
    grain_id_n1        bigint      NOT NULL,
    grain_id_extension text        NULL,
    payload_binary     bytea       NULL,   -- NULL after ClearState (row and version kept)
    version            integer     NOT NULL,
    modified_at        timestamptz NOT NULL DEFAULT now()
);

-- One row per grain identity. The hashes are only lookup accelerators (they can
-- collide), so the identity also includes the exact strings. Strings are indexed via
-- md5() to stay far below the btree entry-size limit for long string keys; the NULL
-- extension is mapped to a marker that no md5() value can equal. This index is also
-- the ON CONFLICT arbiter that stops two activations from both inserting version 1.
CREATE UNIQUE INDEX IF NOT EXISTS ux_orleans_grain_state_identity
    ON orleans_grain_state (grain_id_hash, grain_type_hash, grain_id_n0, grain_id_n1,
                            md5(service_id), md5(grain_type),
                            COALESCE(md5(grain_id_extension), '-'));

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES

-- Zero or one row. PayloadBinary NULL => the grain sees RecordExists = false but still
-- gets the Version as ETag (a cleared row), no row => no ETag at all.
('ReadFromStorageKey', $q$
SELECT s.payload_binary AS "PayloadBinary",
       s.version        AS "Version"
FROM   orleans_grain_state s
WHERE  s.grain_id_hash = @GrainIdHash
  AND  s.grain_type_hash = @GrainTypeHash
  AND  s.grain_id_n0 = @GrainIdN0
  AND  s.grain_id_n1 = @GrainIdN1
  AND  s.service_id = @ServiceId
  AND  s.grain_type = @GrainTypeString
  AND  s.grain_id_extension IS NOT DISTINCT FROM @GrainIdExtensionString
$q$),

-- No ETag (@GrainStateVersion IS NULL): insert the first version (1); if a row already
-- exists the insert is skipped and no row comes back (conflict).
-- With an ETag: update only if the stored version still equals it, bump by one.
-- Result: one row "NewGrainStateVersion" on success, none on conflict.
('WriteToStorageKey', $q$
WITH updated AS (
    UPDATE orleans_grain_state s
    SET    payload_binary = @PayloadBinary,
           version = s.version + 1,
           modified_at = now()
    WHERE  @GrainStateVersion IS NOT NULL
      AND  s.grain_id_hash = @GrainIdHash
      AND  s.grain_type_hash = @GrainTypeHash
      AND  s.grain_id_n0 = @GrainIdN0
      AND  s.grain_id_n1 = @GrainIdN1
      AND  s.service_id = @ServiceId
      AND  s.grain_type = @GrainTypeString
      AND  s.grain_id_extension IS NOT DISTINCT FROM @GrainIdExtensionString
      AND  s.version = @GrainStateVersion
    RETURNING s.version
), inserted AS (
    INSERT INTO orleans_grain_state
        (service_id, grain_type, grain_type_hash, grain_id_hash, grain_id_n0, grain_id_n1,
         grain_id_extension, payload_binary, version)
    SELECT @ServiceId, @GrainTypeString, @GrainTypeHash, @GrainIdHash, @GrainIdN0, @GrainIdN1,
           @GrainIdExtensionString, @PayloadBinary, 1
    WHERE  @GrainStateVersion IS NULL
    ON CONFLICT (grain_id_hash, grain_type_hash, grain_id_n0, grain_id_n1,
                 md5(service_id), md5(grain_type), COALESCE(md5(grain_id_extension), '-'))
    DO NOTHING
    RETURNING version
)
SELECT version AS "NewGrainStateVersion" FROM updated
UNION ALL
SELECT version AS "NewGrainStateVersion" FROM inserted
$q$),

-- ClearStateAsync with DeleteStateOnClear = false (the default): keep the row, drop the
-- payload, bump the version. The provider reads column 0 as the new ETag.
('ClearStorageKey', $q$
UPDATE orleans_grain_state s
SET    payload_binary = NULL,
       version = s.version + 1,
       modified_at = now()
WHERE  s.grain_id_hash = @GrainIdHash
  AND  s.grain_type_hash = @GrainTypeHash
  AND  s.grain_id_n0 = @GrainIdN0
  AND  s.grain_id_n1 = @GrainIdN1
  AND  s.service_id = @ServiceId
  AND  s.grain_type = @GrainTypeString
  AND  s.grain_id_extension IS NOT DISTINCT FROM @GrainIdExtensionString
  AND  s.version = @GrainStateVersion
RETURNING s.version AS "NewGrainStateVersion"
$q$),

-- Optional key, used only with DeleteStateOnClear = true: remove the row under the
-- same version check. The provider needs a value different from the old ETag to
-- accept the delete (it then sets ETag = null), so deleted version + 1 is returned.
('DeleteStorageKey', $q$
DELETE FROM orleans_grain_state s
WHERE  s.grain_id_hash = @GrainIdHash
  AND  s.grain_type_hash = @GrainTypeHash
  AND  s.grain_id_n0 = @GrainIdN0
  AND  s.grain_id_n1 = @GrainIdN1
  AND  s.service_id = @ServiceId
  AND  s.grain_type = @GrainTypeString
  AND  s.grain_id_extension IS NOT DISTINCT FROM @GrainIdExtensionString
  AND  s.version = @GrainStateVersion
RETURNING s.version + 1 AS "NewGrainStateVersion"
$q$)

ON CONFLICT (QueryKey) DO UPDATE SET QueryText = EXCLUDED.QueryText;
