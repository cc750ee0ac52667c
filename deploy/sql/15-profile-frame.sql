-- The per-service frame dictionary of the profile store (cluster mode; single-node mode keeps the same table in SQLite).
--
-- profile_frame: each service's frames (function, source file or NULL, line) numbered 0, 1, 2, … in the order the
--   store first met them. Stored windows and buckets written by silos of this version name their frames by these ids
--   (codec flags bit 2, docs/benchmarks.md "Stored bytes") instead of carrying the strings, about 5× smaller. Ids are
--   handed out under a transaction-scoped advisory lock per service, in the transaction of the window that first
--   uses them, so two silos adding the same frame at once give it one id, and no committed row names a frame that is
--   not committed. Append-only and never deleted: at most Profiles:MaxFramesPerService rows per service (past it,
--   windows that bring new frames are stored self-contained). Id 0 is "[other]" (pruned buckets use it).
--
-- Upgrade: apply it before starting silos of this version. Silos of an older version cannot read rows that use the
-- dictionary: replace every silo at once, or first run the new version with Profiles:MaxFramesPerService = 0 (rows
-- stay self-contained) until no older silo is left, then lift it.

CREATE TABLE IF NOT EXISTS profile_frame
(
    service text NOT NULL,
    id integer NOT NULL,
    function text NOT NULL,
    file text,
    line integer NOT NULL,
    CONSTRAINT pk_profile_frame PRIMARY KEY (service, id)
);
