-- FleetProfiler's own profile store (cluster mode). Single-node mode keeps the same tables in SQLite.
--
-- profile_window: raw windows as agents upload them. (agent_id, sequence) is unique, which makes agent
--   delivery exactly-once: a resent batch finds its row and is acknowledged as a duplicate. id orders the
--   windows for the rollup.
-- profile_bucket: the rollup's minute/hour/day merges per service (host = '') and per host (hour, day).
-- profile_rollup: the rollup's watermark (see 12-rollup-queue.sql: the queue, not the ids, says what is compacted).

CREATE TABLE IF NOT EXISTS profile_window
(
    id                   bigint GENERATED ALWAYS AS IDENTITY,
    service              text             NOT NULL,
    host                 text             NOT NULL,
    agent_id             text             NOT NULL,
    sequence             bigint           NOT NULL,
    process_id           integer          NOT NULL,
    process_name         text             NOT NULL,
    window_start         timestamptz      NOT NULL,
    window_end           timestamptz      NOT NULL,
    kinds                text             NOT NULL,
    sampling_interval_ms double precision NOT NULL,
    tree                 bytea            NOT NULL,
    received_at          timestamptz      NOT NULL DEFAULT clock_timestamp(),
    CONSTRAINT pk_profile_window PRIMARY KEY (id),
    CONSTRAINT uq_profile_window_agent_sequence UNIQUE (agent_id, sequence)
);

CREATE INDEX IF NOT EXISTS ix_profile_window_service_time ON profile_window (service, window_start);
CREATE INDEX IF NOT EXISTS ix_profile_window_host_time ON profile_window (service, host, window_start);

CREATE TABLE IF NOT EXISTS profile_bucket
(
    level                smallint         NOT NULL, -- 1 minute, 2 hour, 3 day
    service              text             NOT NULL,
    host                 text             NOT NULL, -- '' = the whole service
    bucket_start         timestamptz      NOT NULL,
    windows              integer          NOT NULL,
    sampling_interval_ms double precision NOT NULL,
    tree                 bytea            NOT NULL,
    CONSTRAINT pk_profile_bucket PRIMARY KEY (level, service, host, bucket_start)
);

CREATE TABLE IF NOT EXISTS profile_rollup
(
    id        integer NOT NULL PRIMARY KEY CHECK (id = 1),
    watermark bigint  NOT NULL
);
INSERT INTO profile_rollup (id, watermark) VALUES (1, 0) ON CONFLICT (id) DO NOTHING;

-- profile_source_path: per service, the path a PDB named (original) for each repository-relative file path the
-- windows use; written with the window that first names a pair, latest wins.
CREATE TABLE IF NOT EXISTS profile_source_path
(
    service  text        NOT NULL,
    path     text        NOT NULL,
    original text        NOT NULL,
    seen_at  timestamptz NOT NULL,
    CONSTRAINT pk_profile_source_path PRIMARY KEY (service, path)
);
