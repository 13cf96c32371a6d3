//! What every handler shares: the state it reads and the error it answers with.

use std::sync::Arc;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use crate::ledger::Ledger;
use crate::poolchain::PoolChain;
use crate::server::Shared;

/// Seconds of share history behind hashrate estimates.
pub const HASHRATE_WINDOW_SECS: i64 = 600;

/// What the handlers read.
#[derive(Clone)]
pub struct ApiState {
    pub shared: Arc<Shared>,
    pub pc: Arc<PoolChain>,
    pub ledger: Arc<dyn Ledger>,
    /// This relayer's view of the leader lease.
    pub leader: Arc<crate::tasks::leader::Leader>,
}

/// An error answered as `{ "error": message }` with a status code.
pub struct ApiError(pub StatusCode, pub String);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.0, Json(json!({ "error": self.1 }))).into_response()
    }
}

/// A failed read of the chain or the ledger: 503 with its message.
pub fn internal(e: impl std::fmt::Display) -> ApiError {
    ApiError(StatusCode::SERVICE_UNAVAILABLE, e.to_string())
}

