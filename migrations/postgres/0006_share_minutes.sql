-- Version 6: a per-minute rollup of accepted shares, so the dashboard's charts, worker table and leaderboard
-- read a few rows per minute instead of every share (derived data; the audit never reads it).
-- One row per (minute, wallet, worker, share difficulty): `shares` counted, `last_ms` the newest of them.
-- Kept in step by a statement trigger on the shares insert (one per group commit); its rows are upserted in
-- key order, so two relayers committing at once lock them in the same order. Pruned with the shares.
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

INSERT INTO share_minutes (minute_ms, wallet, worker, bits, shares, last_ms)
SELECT created_ms - created_ms % 60000, wallet, worker, bits, count(*), max(created_ms) FROM shares GROUP BY 1, 2, 3, 4;

CREATE FUNCTION shares_rollup() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO share_minutes (minute_ms, wallet, worker, bits, shares, last_ms)
    SELECT created_ms - created_ms % 60000, wallet, worker, bits, count(*), max(created_ms)
      FROM new_shares GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
    ON CONFLICT (minute_ms, wallet, worker, bits)
    DO UPDATE SET shares = share_minutes.shares + EXCLUDED.shares, last_ms = greatest(share_minutes.last_ms, EXCLUDED.last_ms);
    RETURN NULL;
END
$$;
CREATE TRIGGER shares_rollup AFTER INSERT ON shares REFERENCING NEW TABLE AS new_shares
    FOR EACH STATEMENT EXECUTE FUNCTION shares_rollup();

-- A miner's credits per round (the miner page) read its leaves by wallet.
CREATE INDEX round_leaves_wallet ON round_leaves (wallet, block_count);
