-- FleetProfiler: storage + query texts for Microsoft.Orleans.Clustering.AdoNet 10.4.2
-- (UseAdoNetClustering on silos, the gateway list provider on clients), Invariant "Npgsql".
-- Contract derived from Orleans.Clustering.AdoNet (DbStoredQueries, RelationalOrleansQueries,
-- AdoNetClusteringTable); see deploy/sql/README.md. Requires 00-orleans-query-table.sql.
--
-- Type notes (what the provider binds / reads, Npgsql is strict):
--   * DeploymentId = ClusterOptions.ClusterId (text). Address is text (IPAddress.ToString()).
--   * Port, Generation, Status, ProxyPort, Version are bound as int4 and read back
--     with GetInt32, so the columns are "integer" (bigint would make GetInt32 throw).
--   * StartTime / IAmAliveTime are UTC DateTime bound as DbType.DateTime, which Npgsql
--     sends as timestamptz, so the columns are timestamptz (no session-TimeZone shifts).
--   * Boolean answers must be a single row with a single column.
--
-- Optimistic concurrency: every membership change carries the table version the silo
-- read (@Version). The change is applied only if the stored version still equals it,
-- and the version is bumped in the same statement. IAmAlive updates and defunct-row
-- cleanup deliberately do not touch the version (same as the other Orleans providers).

CREATE TABLE IF NOT EXISTS orleans_membership_version
(
    deployment_id text        NOT NULL,
    version       integer     NOT NULL DEFAULT 0,
    changed_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT pk_orleans_membership_version PRIMARY KEY (deployment_id)
);

-- One row per silo incarnation (address, port, generation). The FK ties rows to
-- their cluster's version row; deleting the version row removes the cluster.
CREATE TABLE IF NOT EXISTS orleans_membership
(
    deployment_id   text        NOT NULL,
    address         text        NOT NULL,
    port            integer     NOT NULL,
    generation      integer     NOT NULL,
    silo_name       text        NOT NULL,
    host_name       text        NOT NULL,
    status          integer     NOT NULL,
    proxy_port      integer     NOT NULL,
    suspect_times   text        NULL,      -- "silo,date|silo,date", opaque to us
    start_time      timestamptz NOT NULL,
    i_am_alive_time timestamptz NOT NULL,
    CONSTRAINT pk_orleans_membership PRIMARY KEY (deployment_id, address, port, generation),
    CONSTRAINT fk_orleans_membership_version FOREIGN KEY (deployment_id)
        REFERENCES orleans_membership_version (deployment_id) ON DELETE CASCADE
);

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES

-- Called by every silo at start-up. Must answer one row/one column: TRUE when the
-- version row was created by this call, FALSE when it already existed.
('InsertMembershipVersionKey', $q$
WITH created AS (
    INSERT INTO orleans_membership_version (deployment_id, version)
    VALUES (@DeploymentId, 0)
    ON CONFLICT (deployment_id) DO NOTHING
    RETURNING 1
)
SELECT EXISTS (SELECT 1 FROM created) AS "Created"
$q$),

-- Heartbeat. Executed without reading a result; no version change by design.
('UpdateIAmAlivetimeKey', $q$
UPDATE orleans_membership
SET    i_am_alive_time = @IAmAliveTime
WHERE  deployment_id = @DeploymentId
  AND  address = @Address
  AND  port = @Port
  AND  generation = @Generation
$q$),

-- Insert a silo row only if the table version is still @Version and the silo row is
-- not there yet; bump the version in the same statement. Answers TRUE/FALSE.
-- A concurrent writer holding the version row makes the UPDATE re-check
-- "version = @Version" after it commits, so only one of two racing writers wins.
('InsertMembershipKey', $q$
WITH bumped AS (
    UPDATE orleans_membership_version v
    SET    version = v.version + 1,
           changed_at = now()
    WHERE  v.deployment_id = @DeploymentId
      AND  v.version = @Version
      AND  NOT EXISTS (SELECT 1
                       FROM   orleans_membership m
                       WHERE  m.deployment_id = @DeploymentId
                         AND  m.address = @Address
                         AND  m.port = @Port
                         AND  m.generation = @Generation)
    RETURNING v.deployment_id
), inserted AS (
    INSERT INTO orleans_membership
        (deployment_id, address, port, generation, silo_name, host_name,
         status, proxy_port, suspect_times, start_time, i_am_alive_time)
    SELECT b.deployment_id, @Address, @Port, @Generation, @SiloName, @HostName,
           @Status, @ProxyPort, NULL, @StartTime, @IAmAliveTime
    FROM   bumped b
    ON CONFLICT ON CONSTRAINT pk_orleans_membership DO NOTHING
    RETURNING 1
)
SELECT EXISTS (SELECT 1 FROM inserted) AS "Inserted"
$q$),

-- Update status / suspicions / heartbeat of an existing silo row under the same
-- version check as the insert. Answers TRUE/FALSE.
('UpdateMembershipKey', $q$
WITH bumped AS (
    UPDATE orleans_membership_version v
    SET    version = v.version + 1,
           changed_at = now()
    WHERE  v.deployment_id = @DeploymentId
      AND  v.version = @Version
      AND  EXISTS (SELECT 1
                   FROM   orleans_membership m
                   WHERE  m.deployment_id = @DeploymentId
                     AND  m.address = @Address
                     AND  m.port = @Port
                     AND  m.generation = @Generation)
    RETURNING v.deployment_id
), updated AS (
    UPDATE orleans_membership m
    SET    status = @Status,
           suspect_times = @SuspectTimes,
           i_am_alive_time = @IAmAliveTime
    FROM   bumped b
    WHERE  m.deployment_id = b.deployment_id
      AND  m.address = @Address
      AND  m.port = @Port
      AND  m.generation = @Generation
    RETURNING 1
)
SELECT EXISTS (SELECT 1 FROM updated) AS "Updated"
$q$),

-- Reads start from the version row and LEFT JOIN the silo rows: the provider takes
-- the table version from the first row and treats StartTime IS NULL as "no entry",
-- so even an empty cluster must yield exactly one row.
('MembershipReadRowKey', $q$
SELECT v.version         AS "Version",
       m.address         AS "Address",
       m.port            AS "Port",
       m.generation      AS "Generation",
       m.silo_name       AS "SiloName",
       m.host_name       AS "HostName",
       m.status          AS "Status",
       m.proxy_port      AS "ProxyPort",
       m.suspect_times   AS "SuspectTimes",
       m.start_time      AS "StartTime",
       m.i_am_alive_time AS "IAmAliveTime"
FROM   orleans_membership_version v
LEFT JOIN orleans_membership m
       ON  m.deployment_id = v.deployment_id
       AND m.address = @Address
       AND m.port = @Port
       AND m.generation = @Generation
WHERE  v.deployment_id = @DeploymentId
$q$),

('MembershipReadAllKey', $q$
SELECT v.version         AS "Version",
       m.address         AS "Address",
       m.port            AS "Port",
       m.generation      AS "Generation",
       m.silo_name       AS "SiloName",
       m.host_name       AS "HostName",
       m.status          AS "Status",
       m.proxy_port      AS "ProxyPort",
       m.suspect_times   AS "SuspectTimes",
       m.start_time      AS "StartTime",
       m.i_am_alive_time AS "IAmAliveTime"
FROM   orleans_membership_version v
LEFT JOIN orleans_membership m
       ON  m.deployment_id = v.deployment_id
WHERE  v.deployment_id = @DeploymentId
$q$),

-- Removes the whole cluster (silo rows go with the version row via ON DELETE CASCADE).
('DeleteMembershipTableEntriesKey', $q$
DELETE FROM orleans_membership_version
WHERE  deployment_id = @DeploymentId
$q$),

-- Client gateway list; the provider binds @Status = 3 (SiloStatus.Active).
('GatewaysQueryKey', $q$
SELECT address    AS "Address",
       proxy_port AS "ProxyPort",
       generation AS "Generation"
FROM   orleans_membership
WHERE  deployment_id = @DeploymentId
  AND  status = @Status
  AND  proxy_port > 0
$q$),

-- Required key, but 10.4.2 only runs it when CleanupDefunctSiloEntryKey (below) is
-- absent. Kept to the same rule as the per-row variant: dead (6) silos whose last
-- heartbeat and start are both older than the cut-off.
('CleanupDefunctSiloEntriesKey', $q$
DELETE FROM orleans_membership
WHERE  deployment_id = @DeploymentId
  AND  status = 6
  AND  i_am_alive_time < @IAmAliveTime
  AND  start_time < @IAmAliveTime
$q$),

-- Optional key, preferred by 10.4.2: the provider reads all rows, picks dead silos
-- older than the cut-off itself, then deletes each one only if the values it saw are
-- still stored (compare-and-delete). An empty suspect list may come back as NULL or
-- '' depending on who wrote it, hence the COALESCE on both sides.
('CleanupDefunctSiloEntryKey', $q$
DELETE FROM orleans_membership
WHERE  deployment_id = @DeploymentId
  AND  address = @Address
  AND  port = @Port
  AND  generation = @Generation
  AND  status = 6
  AND  start_time = @StartTime
  AND  i_am_alive_time = @IAmAliveTime
  AND  COALESCE(suspect_times, '') = COALESCE(@SuspectTimes, '')
$q$)

ON CONFLICT (QueryKey) DO UPDATE SET QueryText = EXCLUDED.QueryText;
