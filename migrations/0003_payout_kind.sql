-- Payouts, version 3: every transfer of members' balances out of the escrow, not only the crank's. `kind` is
-- 'payout' (a `payout` crank transaction, the relayer's or anyone's) or 'claim' (a member's own `claim`,
-- imported from the escrow's history), so Σ amount mirrors the pool's on-chain `paid`. A transaction moves a
-- member's tokens at most once, hence the unique (signature, wallet).
ALTER TABLE payouts ADD COLUMN kind TEXT NOT NULL DEFAULT 'payout';
CREATE UNIQUE INDEX payouts_transfer ON payouts (signature, wallet);
