-- Share ledger, version 1. Applied by rusqlite_migration (PRAGMA user_version) at relayer start.
-- Keys and challenges are 32-byte BLOBs; nonces and block counts are u64 stored as their i64 bit pattern.

-- Every accepted share, in acceptance order. `seq` is the PPLNS order.
CREATE TABLE shares (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    wallet      BLOB    NOT NULL CHECK (length(wallet) = 32),
    worker      TEXT    NOT NULL,
    challenge   BLOB    NOT NULL CHECK (length(challenge) = 32),
    block_count INTEGER NOT NULL,
    nonce       INTEGER NOT NULL,
    -- Share difficulty the job was issued with, bits: the share weighs 2^bits.
    bits        INTEGER NOT NULL CHECK (bits BETWEEN 0 AND 192),
    -- Zero bits the digest actually has (>= bits).
    zero_bits   INTEGER NOT NULL,
    -- Unix time of acceptance, milliseconds.
    created_ms  INTEGER NOT NULL
);
-- A nonce is worth one share per challenge, whoever submits it.
CREATE UNIQUE INDEX shares_challenge_nonce ON shares (challenge, nonce);
CREATE INDEX shares_wallet ON shares (wallet, seq);

-- Block-meeting shares handed to the solution submitter; persisted before anything is sent.
CREATE TABLE solutions (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    share_seq   INTEGER NOT NULL REFERENCES shares (seq),
    wallet      BLOB    NOT NULL,
    challenge   BLOB    NOT NULL,
    block_count INTEGER NOT NULL,
    nonce       INTEGER NOT NULL,
    -- pending | confirmed | lost
    status      TEXT    NOT NULL DEFAULT 'pending',
    reason      TEXT,
    signature   TEXT,
    created_ms  INTEGER NOT NULL,
    updated_ms  INTEGER NOT NULL,
    UNIQUE (challenge, nonce)
);
