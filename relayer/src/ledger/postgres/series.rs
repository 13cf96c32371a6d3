//! [`crate::ledger::Ledger::share_series`] on PostgreSQL: shares per time bucket, grouped in the database.

use super::Postgres;
use crate::ledger::{types::fold_series, LedgerError, SeriesPoint};

pub(super) async fn share_series(db: &Postgres, wallet: Option<[u8; 32]>, since_ms: i64, bucket_ms: i64) -> Result<Vec<SeriesPoint>, LedgerError> {
    let c = db.pool.get().await?;
    let b = bucket_ms.max(1);
    let rows = match wallet {
        Some(w) => {
            c.query(
                "SELECT created_ms - created_ms % $2, bits, count(*) FROM shares WHERE wallet = $3 AND created_ms >= $1 GROUP BY 1, 2 ORDER BY 1",
                &[&since_ms, &b, &w.as_slice()],
            )
            .await?
        }
        None => c.query("SELECT created_ms - created_ms % $2, bits, count(*) FROM shares WHERE created_ms >= $1 GROUP BY 1, 2 ORDER BY 1", &[&since_ms, &b]).await?,
    };
    Ok(fold_series(rows.iter().map(|r| (r.get::<_, i64>(0), r.get::<_, i32>(1) as u32, r.get::<_, i64>(2)))))
}
