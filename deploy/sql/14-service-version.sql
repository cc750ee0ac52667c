-- The service version of each profile window (cluster mode; single-node mode adds the same column and index to its
-- SQLite table when it opens the store).
--
-- profile_window.service_version: the version the agent read from the process (ingest.proto Batch.service_version:
--   OTEL_RESOURCE_ATTRIBUTES service.version, else the entry assembly's informational version), '' when unknown
--   (windows stored before this file, agents of an older version). A version labels a whole window and is kept on raw
--   windows only (not on the rollup's buckets): version queries and the diff of two versions read raw windows, so they
--   reach back at most FleetProfiler:Profiles:WindowRetention (default 48 h). docs/flamegraph.md, "Diff of two versions".
--
-- Upgrade: safe to apply while older silos run (they never name the column); apply it before starting silos of this
-- version, which write and read it.

ALTER TABLE profile_window ADD COLUMN IF NOT EXISTS service_version text NOT NULL DEFAULT '';
CREATE INDEX IF NOT EXISTS ix_profile_window_service_version ON profile_window (service, service_version, window_start);
