-- How each profile window's samples were attributed to requests (cluster mode; single-node mode adds the same columns
-- to its SQLite table when it opens the store).
--
-- profile_window.attribution_method: the agent's Attribution.method ("timeline", "threads" = the thread-correlation
--   fallback, "none" = no request during the window), "off" when the window carried no attribution, "unknown" for
--   windows stored before this file (and by silos of an older version during a rolling upgrade: they insert without
--   the column and get the default). attribution_note: the agent's note (why the fallback was used), "" otherwise.
--   Reports count the windows behind their sample figures by method (docs/cost.md, "Attribution of the windows").
--
-- Upgrade: safe to apply while older silos run (they never name these columns); apply it before starting silos of
-- this version, which write and read them.

ALTER TABLE profile_window ADD COLUMN IF NOT EXISTS attribution_method text NOT NULL DEFAULT 'unknown';
ALTER TABLE profile_window ADD COLUMN IF NOT EXISTS attribution_note text NOT NULL DEFAULT '';
