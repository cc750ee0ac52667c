-- Request metrics per route (cluster mode; single-node mode keeps the same table in SQLite).
--
-- route_minute: one row per row of an agent's route-minutes batch: requests of one service on one host that ended in
--   one UTC minute, per (method, route template, status class). (agent_id, sequence, row_index) is the key: a resent
--   batch conflicts and stores nothing, so each batch is stored exactly once. Queries add hosts and batches up per
--   minute and key; percentiles are combined request-weighted. Deleted with the minute buckets (Profiles:MinuteRetention).

CREATE TABLE IF NOT EXISTS route_minute
(
    agent_id        text             NOT NULL,
    sequence        bigint           NOT NULL,
    row_index       integer          NOT NULL,
    service         text             NOT NULL,
    host            text             NOT NULL,
    minute          timestamptz      NOT NULL,
    method          text             NOT NULL,
    route           text             NOT NULL,
    status_class    text             NOT NULL,
    requests        bigint           NOT NULL,
    duration_sum_ms double precision NOT NULL,
    p50_ms          double precision NOT NULL,
    p95_ms          double precision NOT NULL,
    p99_ms          double precision NOT NULL,
    CONSTRAINT pk_route_minute PRIMARY KEY (agent_id, sequence, row_index)
);

CREATE INDEX IF NOT EXISTS ix_route_minute_service_time ON route_minute (service, minute);
