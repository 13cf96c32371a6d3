-- Shares by time, version 4: the pool and per-wallet hashrate estimates read the shares of the last minutes
-- (`created_ms >= now - window`); without an index each read scanned every share ever recorded.
CREATE INDEX shares_created ON shares (created_ms);
CREATE INDEX shares_wallet_created ON shares (wallet, created_ms);
