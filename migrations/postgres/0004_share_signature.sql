-- Version 4: each share keeps the miner's ed25519 signature over its share_message (protocol v2; see
-- docs/SPEC.md), published in the export so anyone can check the share's wallet. NULL for shares recorded
-- before this version.
ALTER TABLE shares ADD COLUMN signature BYTEA CHECK (signature IS NULL OR length(signature) = 64);
