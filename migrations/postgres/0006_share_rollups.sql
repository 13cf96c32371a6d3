-- Version 6 (SQLite: 0008): rollups of accepted shares, so the dashboard's charts, worker table and leaderboard read a few rows
-- per minute or hour instead of every share (derived data: the audit never reads it).
--
-- The rollup job (`Ledger::roll_up`, every 30 s off the share path, on any relayer: the watermark row is locked) folds the shares accepted before a
-- watermark into the three tables in one grouped read and moves the watermark (`rollup_state.upto_ms`, a
-- whole minute) in the same transaction, so every share is counted once. The `*_live` views add the shares
-- at or after the watermark, grouped the same way, so a read sees every share up to now. Pruned with the
-- shares (`[ledger] retention_days`).

-- Per minute, wallet, worker and share difficulty: `shares` counted, `last_ms` the newest of them.
CREATE TABLE share_minutes (
    -- Start of the minute, unix ms (a multiple of 60000).
    minute_ms BIGINT  NOT NULL,
    wallet    BYTEA   NOT NULL,
    worker    TEXT    NOT NULL,
    -- Share difficulty, bits: each share weighs 2^bits expected hashes.
    bits      INTEGER NOT NULL,
    shares    BIGINT  NOT NULL,
    -- Unix ms of the newest share counted here.
    last_ms   BIGINT  NOT NULL,
    PRIMARY KEY (minute_ms, wallet, worker, bits)
);
CREATE INDEX share_minutes_wallet ON share_minutes (wallet, minute_ms);

-- The pool's shares per minute (the pool charts read 1 440 rows a day whatever the number of miners).
CREATE TABLE pool_minutes (
    minute_ms BIGINT  NOT NULL,
    bits      INTEGER NOT NULL,
    shares    BIGINT  NOT NULL,
    PRIMARY KEY (minute_ms, bits)
);

-- Each wallet's shares per hour (the leaderboard reads 24 rows a wallet a day). An hour is folded in minute by
-- minute: its row grows until the hour is over.
CREATE TABLE wallet_hours (
    -- Start of the hour, unix ms (a multiple of 3600000).
    hour_ms   BIGINT  NOT NULL,
    wallet    BYTEA   NOT NULL,
    bits      INTEGER NOT NULL,
    shares    BIGINT  NOT NULL,
    last_ms   BIGINT  NOT NULL,
    PRIMARY KEY (hour_ms, wallet, bits)
);

-- Shares with created_ms < upto_ms are in the rollups; the others are not.
CREATE TABLE rollup_state (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    upto_ms BIGINT NOT NULL
);
INSERT INTO rollup_state (id, upto_ms) VALUES (1, 0);

CREATE VIEW share_minutes_live AS
SELECT minute_ms, wallet, worker, bits, shares, last_ms FROM share_minutes
UNION ALL
SELECT created_ms - created_ms % 60000, wallet, worker, bits, count(*)::BIGINT, max(created_ms) FROM shares
 WHERE created_ms >= (SELECT upto_ms FROM rollup_state) GROUP BY 1, 2, 3, 4;

CREATE VIEW pool_minutes_live AS
SELECT minute_ms, bits, shares FROM pool_minutes
UNION ALL
SELECT created_ms - created_ms % 60000, bits, count(*)::BIGINT FROM shares
 WHERE created_ms >= (SELECT upto_ms FROM rollup_state) GROUP BY 1, 2;

CREATE VIEW wallet_hours_live AS
SELECT hour_ms, wallet, bits, shares, last_ms FROM wallet_hours
UNION ALL
SELECT created_ms - created_ms % 3600000, wallet, bits, count(*)::BIGINT, max(created_ms) FROM shares
 WHERE created_ms >= (SELECT upto_ms FROM rollup_state) GROUP BY 1, 2, 3;

-- A miner's credits per round (the miner page) read its leaves by wallet.
CREATE INDEX round_leaves_wallet ON round_leaves (wallet, block_count);
