-- Relayers sharing this ledger, version 2: each upserts its row every second (the lease loop), saying
-- whether it leads; `/api/pool` counts those seen in the last 5 s and names the leader among them.
CREATE TABLE relayers (
    id           TEXT    PRIMARY KEY,
    last_seen_ms BIGINT  NOT NULL,
    leader       BOOLEAN NOT NULL DEFAULT false
);
