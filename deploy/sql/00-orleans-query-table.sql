-- FleetProfiler: query registry read by the Orleans ADO.NET providers (10.4.2).
--
-- Every provider starts with the fixed statement
--     SELECT QueryKey, QueryText FROM OrleansQuery
-- and then only ever runs the texts stored here. The identifiers are left
-- unquoted on purpose: PostgreSQL folds them to lower case, exactly as it folds
-- the unquoted names in the provider's statement, and Npgsql resolves the
-- reader's "QueryKey"/"QueryText" look-ups case-insensitively.
--
-- The files 01..03 upsert their texts with ON CONFLICT (QueryKey), so the
-- primary key is what makes re-applying the scripts safe. The persistence
-- provider also reads its keys with .Single(), so a key must never repeat.

CREATE TABLE IF NOT EXISTS OrleansQuery
(
    QueryKey  varchar(64) NOT NULL,
    QueryText text        NOT NULL,
    CONSTRAINT pk_orleans_query PRIMARY KEY (QueryKey)
);
