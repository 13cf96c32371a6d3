-- Pruning shares (retention) asks, per share, whether a round's window holds it.
CREATE INDEX round_shares_seq ON round_shares (share_seq);
