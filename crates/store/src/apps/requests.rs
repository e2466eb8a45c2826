//! How many requests each application made per hour: counted in each instance's memory and
//! added here about once a minute (a row per application and hour, summed by every instance).

use crate::Result;
use crate::Store;
use crate::db::{Cols, DbTime, on_conn, on_db};
use jumpgate_domain::AppId;
use time::OffsetDateTime;

impl Store {
    /// Adds `requests` to each application's count for its hour (the hour's start). An
    /// application deleted meanwhile is skipped.
    pub async fn add_app_requests(&self, counts: &[(AppId, OffsetDateTime, u64)]) -> Result<()> {
        if counts.is_empty() {
            return Ok(());
        }
        let mut tx = self.transaction().await?;
        for (app, hour, requests) in counts {
            let requests = i64::try_from(*requests).unwrap_or(i64::MAX);
            on_conn!(tx.conn(), |c| sqlx::query(
                "INSERT INTO app_requests (app_id, hour, requests)
                 SELECT id, $2, $3 FROM apps WHERE id = $1
                 ON CONFLICT (app_id, hour)
                 DO UPDATE SET requests = app_requests.requests + excluded.requests"
            )
            .bind(app.get())
            .bind(DbTime(*hour))
            .bind(requests)
            .execute(c)
            .await?
            .rows_affected());
        }
        tx.commit().await
    }

    /// `app`'s requests per hour since `since`, oldest first.
    pub async fn app_requests(
        &self,
        app: AppId,
        since: OffsetDateTime,
    ) -> Result<Vec<(OffsetDateTime, u64)>> {
        on_db!(self, |db| sqlx::query(
            "SELECT hour, requests FROM app_requests WHERE app_id = $1 AND hour >= $2
             ORDER BY hour"
        )
        .bind(app.get())
        .bind(DbTime(since))
        .fetch_all(db.reader())
        .await?
        .iter()
        .map(|r| {
            let n: i64 = r.get("requests")?;
            Ok((r.time("hour")?, u64::try_from(n).unwrap_or_default()))
        })
        .collect())
    }
}
