-- Version 3: the leader writes the backend pid of its lease connection (the session holding the advisory
-- lock) with every heartbeat. A follower that finds the lock held by a session no fresh heartbeat vouches
-- for (the holder froze, or its machine vanished without closing the connection) terminates that session,
-- which releases the lock (README, "Scaling out"). `last_seen_ms` is the database server's clock from now on.
ALTER TABLE relayers ADD COLUMN lease_pid INTEGER;
