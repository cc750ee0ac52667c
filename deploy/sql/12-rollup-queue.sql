-- The rollup's queue and quarantine (cluster mode; single-node mode keeps the same tables in SQLite).
--
-- profile_rollup_queue: the id of every stored window the rollup has not consumed yet. The silo inserts a window and
--   its queue row in one statement, and the rollup deletes queue rows in the transaction that writes their buckets, so
--   the rollup consumes exactly the committed windows whatever order their transactions commit in. (Identity values
--   are handed out before commit: a watermark on ids steps over a window whose transaction commits late.)
-- profile_rollup.watermark: from this file on, the number of windows the rollup has consumed; every rollup commit
--   is a compare-and-set on it, so two rollups at once cannot both apply the same windows.
-- profile_quarantine: rows the rollup could not decode (a window, or a bucket with window_id NULL), with a copy of
--   their payload; the rollup and retention go on without them. Deleted after Profiles:DayRetention.
--
-- Upgrade: on a store from before this file, the windows above the old id watermark are queued once, when the queue
-- table is created. Stop every silo before applying it (a silo of an older version writes windows without queue rows).

DO $$
BEGIN
    IF to_regclass('profile_rollup_queue') IS NULL THEN
        CREATE TABLE profile_rollup_queue
        (
            window_id bigint NOT NULL,
            CONSTRAINT pk_profile_rollup_queue PRIMARY KEY (window_id)
        );
        INSERT INTO profile_rollup_queue (window_id)
        SELECT id FROM profile_window WHERE id > (SELECT watermark FROM profile_rollup WHERE id = 1);
    END IF;
END
$$;

CREATE TABLE IF NOT EXISTS profile_quarantine
(
    id             bigint GENERATED ALWAYS AS IDENTITY,
    window_id      bigint,               -- the quarantined window; NULL for a bucket
    service        text        NOT NULL,
    host           text        NOT NULL,
    what           text        NOT NULL, -- which row, for people: agent and sequence, or bucket level and start
    reason         text        NOT NULL,
    payload        bytea       NOT NULL,
    quarantined_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT pk_profile_quarantine PRIMARY KEY (id)
);

CREATE INDEX IF NOT EXISTS ix_profile_quarantine_window ON profile_quarantine (window_id) WHERE window_id IS NOT NULL;
