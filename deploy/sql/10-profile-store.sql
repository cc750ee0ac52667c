-- FleetProfiler's own profile store (cluster mode). Single-node mode keeps the same table in SQLite.
-- Windows are append-only; (agent_id, sequence) is unique, which makes agent delivery exactly-once:
-- a resent batch finds its row and is acknowledged as a duplicate without being applied again.

CREATE TABLE IF NOT EXISTS profile_window
(
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
    received_at          timestamptz      NOT NULL DEFAULT now(),
    CONSTRAINT pk_profile_window PRIMARY KEY (agent_id, sequence)
);

-- Queries select a service (optionally one host) and a time range.
CREATE INDEX IF NOT EXISTS ix_profile_window_service_time ON profile_window (service, window_start);
CREATE INDEX IF NOT EXISTS ix_profile_window_host_time ON profile_window (service, host, window_start);
