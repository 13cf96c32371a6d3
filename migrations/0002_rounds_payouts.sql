-- Rounds, their PPLNS leaves and window shares (the audit trail), and payouts. Version 2.

-- One row per Round the pool landed; written (with its leaves and window) before `begin_credit` is sent.
CREATE TABLE rounds (
    block_count  INTEGER PRIMARY KEY,
    solution_id  INTEGER NOT NULL REFERENCES solutions (id),
    -- Sequence of the block-finding share: the window ends here.
    share_seq    INTEGER NOT NULL,
    -- Network difficulty the block met, bits (sets the window size).
    network_bits INTEGER NOT NULL,
    pplns_factor INTEGER NOT NULL,
    -- Base units, as on the on-chain Round.
    reward       INTEGER NOT NULL,
    fee          INTEGER NOT NULL,
    leaves_root  BLOB    NOT NULL,
    leaf_count   INTEGER NOT NULL,
    -- computed | credited
    status       TEXT    NOT NULL DEFAULT 'computed',
    created_ms   INTEGER NOT NULL,
    credited_ms  INTEGER
);

-- Leaves in wallet order (idx = position in the merkle tree). Weights are u128 decimal strings.
CREATE TABLE round_leaves (
    block_count INTEGER NOT NULL REFERENCES rounds (block_count),
    idx         INTEGER NOT NULL,
    wallet      BLOB    NOT NULL,
    weight      TEXT    NOT NULL,
    shares      INTEGER NOT NULL,
    amount      INTEGER NOT NULL,
    PRIMARY KEY (block_count, idx)
);

-- The window: which shares counted, and for what weight (the oldest may count in part).
CREATE TABLE round_shares (
    block_count INTEGER NOT NULL REFERENCES rounds (block_count),
    share_seq   INTEGER NOT NULL REFERENCES shares (seq),
    weight      TEXT    NOT NULL,
    PRIMARY KEY (block_count, share_seq)
);

-- Every transaction the relayer landed: submit | register | begin_credit | credit_batch | create_ata | payout.
CREATE TABLE chain_txs (
    signature   TEXT    PRIMARY KEY,
    kind        TEXT    NOT NULL,
    block_count INTEGER,
    batch_index INTEGER,
    created_ms  INTEGER NOT NULL
);

-- Transfers made by `payout` transactions the relayer sent (the chain is the source of truth for totals).
CREATE TABLE payouts (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    signature  TEXT    NOT NULL,
    wallet     BLOB    NOT NULL,
    amount     INTEGER NOT NULL,
    created_ms INTEGER NOT NULL
);
CREATE INDEX payouts_wallet ON payouts (wallet);
