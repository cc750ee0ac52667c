-- FleetProfiler: storage + query texts for Microsoft.Orleans.Reminders.AdoNet 10.4.2
-- (UseAdoNetReminderService), Invariant "Npgsql". Contract derived from
-- Orleans.Reminders.AdoNet (RelationalOrleansQueries, DbStoredQueries, AdoNetReminderTable);
-- see deploy/sql/README.md. Requires 00-orleans-query-table.sql.
--
-- Type notes:
--   * @ServiceId, @GrainId (GrainId.ToString(), e.g. "type/key"), @ReminderName are text.
--   * @GrainHash, @BeginHash, @EndHash are the uint ring hashes cast to int4 (signed!).
--   * @StartTime is a UTC DateTime bound as DbType.DateTime => timestamptz column.
--   * @Period is milliseconds, bound as int4 when it fits and as int8 otherwise, so the
--     column is bigint (the reader accepts int or bigint).
--   * @Version / "Version" is the reminder ETag, int4.

CREATE TABLE IF NOT EXISTS orleans_reminder
(
    service_id    text        NOT NULL,
    grain_id      text        NOT NULL,
    reminder_name text        NOT NULL,
    grain_hash    integer     NOT NULL,
    start_time    timestamptz NOT NULL,
    period        bigint      NOT NULL,
    version       integer     NOT NULL,
    CONSTRAINT pk_orleans_reminder PRIMARY KEY (service_id, grain_id, reminder_name)
);

-- The reminder service scans by ring range (service, hash window).
CREATE INDEX IF NOT EXISTS ix_orleans_reminder_ring
    ON orleans_reminder (service_id, grain_hash);

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES

-- All reminders of one grain.
('ReadReminderRowsKey', $q$
SELECT r.grain_id      AS "GrainId",
       r.reminder_name AS "ReminderName",
       r.start_time    AS "StartTime",
       r.period        AS "Period",
       r.version       AS "Version"
FROM   orleans_reminder r
WHERE  r.service_id = @ServiceId
  AND  r.grain_id = @GrainId
$q$),

-- Ring range (BeginHash, EndHash] when BeginHash < EndHash in signed int order.
('ReadRangeRows1Key', $q$
SELECT r.grain_id      AS "GrainId",
       r.reminder_name AS "ReminderName",
       r.start_time    AS "StartTime",
       r.period        AS "Period",
       r.version       AS "Version"
FROM   orleans_reminder r
WHERE  r.service_id = @ServiceId
  AND  r.grain_hash > @BeginHash
  AND  r.grain_hash <= @EndHash
$q$),

-- Wrapping ring range: everything above BeginHash plus everything up to EndHash
-- (also covers BeginHash = EndHash, i.e. the full ring).
('ReadRangeRows2Key', $q$
SELECT r.grain_id      AS "GrainId",
       r.reminder_name AS "ReminderName",
       r.start_time    AS "StartTime",
       r.period        AS "Period",
       r.version       AS "Version"
FROM   orleans_reminder r
WHERE  r.service_id = @ServiceId
  AND  (r.grain_hash > @BeginHash OR r.grain_hash <= @EndHash)
$q$),

-- Zero or one row.
('ReadReminderRowKey', $q$
SELECT r.grain_id      AS "GrainId",
       r.reminder_name AS "ReminderName",
       r.start_time    AS "StartTime",
       r.period        AS "Period",
       r.version       AS "Version"
FROM   orleans_reminder r
WHERE  r.service_id = @ServiceId
  AND  r.grain_id = @GrainId
  AND  r.reminder_name = @ReminderName
$q$),

-- Unconditional insert-or-update (the provider passes no ETag here); every write bumps
-- the version. Must return one row with the new "Version" (the new ETag).
('UpsertReminderRowKey', $q$
INSERT INTO orleans_reminder AS r
    (service_id, grain_id, reminder_name, grain_hash, start_time, period, version)
VALUES
    (@ServiceId, @GrainId, @ReminderName, @GrainHash, @StartTime, @Period, 1)
ON CONFLICT ON CONSTRAINT pk_orleans_reminder DO UPDATE
SET    grain_hash = EXCLUDED.grain_hash,
       start_time = EXCLUDED.start_time,
       period     = EXCLUDED.period,
       version    = r.version + 1
RETURNING r.version AS "Version"
$q$),

-- Delete only if the ETag still matches. Must answer one row/one column TRUE/FALSE.
('DeleteReminderRowKey', $q$
WITH deleted AS (
    DELETE FROM orleans_reminder r
    WHERE  r.service_id = @ServiceId
      AND  r.grain_id = @GrainId
      AND  r.reminder_name = @ReminderName
      AND  r.version = @Version
    RETURNING 1
)
SELECT EXISTS (SELECT 1 FROM deleted) AS "Deleted"
$q$),

-- Test helper of the provider (TestOnlyClearTable): all reminders of a service.
('DeleteReminderRowsKey', $q$
DELETE FROM orleans_reminder
WHERE  service_id = @ServiceId
$q$)

ON CONFLICT (QueryKey) DO UPDATE SET QueryText = EXCLUDED.QueryText;
