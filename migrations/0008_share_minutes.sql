-- Version 8: a per-minute rollup of accepted shares, so the dashboard's charts, worker table and leaderboard
-- read a few rows per minute instead of every share (docs/SPEC.md does not depend on it: it is derived data).
-- One row per (minute, wallet, worker, share difficulty): `shares` counted, `last_ms` the newest of them.
-- Kept in step by a trigger on every inserted share; pruned with the shares (`[ledger] retention_days`).
CREATE TABLE share_minutes (
    -- Start of the minute, unix ms (a multiple of 60000).
    minute_ms INTEGER NOT NULL,
    wallet    BLOB    NOT NULL,
    worker    TEXT    NOT NULL,
    -- Share difficulty, bits: each share weighs 2^bits expected hashes.
    bits      INTEGER NOT NULL,
    shares    INTEGER NOT NULL,
    -- Unix ms of the newest share counted here.
    last_ms   INTEGER NOT NULL,
    PRIMARY KEY (minute_ms, wallet, worker, bits)
) WITHOUT ROWID;
CREATE INDEX share_minutes_wallet ON share_minutes (wallet, minute_ms);

INSERT INTO share_minutes (minute_ms, wallet, worker, bits, shares, last_ms)
SELECT created_ms - created_ms % 60000, wallet, worker, bits, count(*), max(created_ms) FROM shares GROUP BY 1, 2, 3, 4;

CREATE TRIGGER shares_rollup AFTER INSERT ON shares BEGIN
    INSERT INTO share_minutes (minute_ms, wallet, worker, bits, shares, last_ms)
    VALUES (NEW.created_ms - NEW.created_ms % 60000, NEW.wallet, NEW.worker, NEW.bits, 1, NEW.created_ms)
    ON CONFLICT (minute_ms, wallet, worker, bits) DO UPDATE SET shares = shares + 1, last_ms = max(last_ms, excluded.last_ms);
END;

-- A miner's credits per round (the miner page) read its leaves by wallet.
CREATE INDEX round_leaves_wallet ON round_leaves (wallet, block_count);
