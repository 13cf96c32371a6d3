-- The share ledger on PostgreSQL, version 1: the same tables as the SQLite schema (migrations/0001-0005),
-- applied by the relayer's migration runner (table ledger_migrations, under an advisory lock so relayers
-- starting together migrate once). Keys and challenges are 32-byte BYTEA; nonces, block counts and amounts
-- are u64 stored as their i64 bit pattern; PPLNS weights (u128) are decimal TEXT.

-- Every accepted share, in acceptance order. `seq` is the PPLNS order.
CREATE TABLE shares (
    seq         BIGSERIAL PRIMARY KEY,
    wallet      BYTEA   NOT NULL CHECK (length(wallet) = 32),
    worker      TEXT    NOT NULL,
    challenge   BYTEA   NOT NULL CHECK (length(challenge) = 32),
    block_count BIGINT  NOT NULL,
    nonce       BIGINT  NOT NULL,
    -- Share difficulty the job was issued with, bits: the share weighs 2^bits.
    bits        INTEGER NOT NULL CHECK (bits BETWEEN 0 AND 192),
    -- Zero bits the digest actually has (>= bits).
    zero_bits   INTEGER NOT NULL,
    -- Unix time of acceptance, milliseconds.
    created_ms  BIGINT  NOT NULL,
    -- A nonce is worth one share per challenge, whoever submits it and through whichever relayer.
    UNIQUE (challenge, nonce)
);
CREATE INDEX shares_wallet ON shares (wallet, seq);
CREATE INDEX shares_created ON shares (created_ms);
CREATE INDEX shares_wallet_created ON shares (wallet, created_ms);

-- Block-meeting shares handed to the solution submitter; committed with their share.
CREATE TABLE solutions (
    id          BIGSERIAL PRIMARY KEY,
    share_seq   BIGINT  NOT NULL REFERENCES shares (seq),
    wallet      BYTEA   NOT NULL,
    challenge   BYTEA   NOT NULL,
    block_count BIGINT  NOT NULL,
    nonce       BIGINT  NOT NULL,
    -- pending | confirmed | lost | stranded
    status      TEXT    NOT NULL DEFAULT 'pending',
    reason      TEXT,
    signature   TEXT,
    created_ms  BIGINT  NOT NULL,
    updated_ms  BIGINT  NOT NULL,
    UNIQUE (challenge, nonce)
);

-- One row per Round the pool landed; written (with its leaves and window) before `begin_credit` is sent.
CREATE TABLE rounds (
    block_count  BIGINT  PRIMARY KEY,
    solution_id  BIGINT  NOT NULL REFERENCES solutions (id),
    share_seq    BIGINT  NOT NULL,
    network_bits INTEGER NOT NULL,
    pplns_factor BIGINT  NOT NULL,
    reward       BIGINT  NOT NULL,
    fee          BIGINT  NOT NULL,
    leaves_root  BYTEA   NOT NULL,
    leaf_count   INTEGER NOT NULL,
    -- computed | credited
    status       TEXT    NOT NULL DEFAULT 'computed',
    created_ms   BIGINT  NOT NULL,
    credited_ms  BIGINT
);

-- Leaves in wallet order (idx = position in the merkle tree).
CREATE TABLE round_leaves (
    block_count BIGINT  NOT NULL REFERENCES rounds (block_count),
    idx         INTEGER NOT NULL,
    wallet      BYTEA   NOT NULL,
    weight      TEXT    NOT NULL,
    shares      BIGINT  NOT NULL,
    amount      BIGINT  NOT NULL,
    PRIMARY KEY (block_count, idx)
);

-- The window: which shares counted, and for what weight (the oldest may count in part).
CREATE TABLE round_shares (
    block_count BIGINT NOT NULL REFERENCES rounds (block_count),
    share_seq   BIGINT NOT NULL REFERENCES shares (seq),
    weight      TEXT   NOT NULL,
    PRIMARY KEY (block_count, share_seq)
);
CREATE INDEX round_shares_seq ON round_shares (share_seq);

-- Every transaction a relayer landed or imported.
CREATE TABLE chain_txs (
    signature   TEXT    PRIMARY KEY,
    kind        TEXT    NOT NULL,
    block_count BIGINT,
    batch_index INTEGER,
    created_ms  BIGINT  NOT NULL
);

-- Every transfer of members' balances out of the escrow: 'payout' | 'claim' | 'stranded'.
CREATE TABLE payouts (
    id         BIGSERIAL PRIMARY KEY,
    signature  TEXT    NOT NULL,
    wallet     BYTEA   NOT NULL,
    amount     BIGINT  NOT NULL,
    kind       TEXT    NOT NULL DEFAULT 'payout',
    created_ms BIGINT  NOT NULL,
    UNIQUE (signature, wallet)
);
CREATE INDEX payouts_wallet ON payouts (wallet);
