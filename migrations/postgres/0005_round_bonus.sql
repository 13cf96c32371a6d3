-- Version 5: each round keeps the part of its reward that TREZ paid as the referral bonus (the on-chain
-- Round.bonus, base units; 3 TREZ per block while the pool's authority has no referrer). 0 for rounds
-- recorded before this version.
ALTER TABLE rounds ADD COLUMN bonus BIGINT NOT NULL DEFAULT 0 CHECK (bonus >= 0);
