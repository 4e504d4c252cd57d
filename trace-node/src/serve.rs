//! Running the node: bind, serve until a shutdown signal, finish in-flight requests (appends included), flush.
//! While serving, a task re-signs the checkpoint every [`CHECKPOINT_INTERVAL`](crate::CHECKPOINT_INTERVAL).

use std::future::Future;
use std::sync::Arc;

use crate::api::{Node, app};

/// Resolves on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}

/// Serves `node` on an already-bound listener until `shutdown` resolves, then waits for in-flight requests
/// and flushes the ledger.
pub async fn serve(
    node: Arc<Node>,
    listener: tokio::net::TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let addr = listener.local_addr()?;
    tracing::info!(%addr, origin = %node.ledger.origin(), "serving");
    // Re-signs the checkpoint when the log grew outside the API's appends (which sign on their own).
    let signer = node.clone();
    let ticker = tokio::spawn(async move {
        let mut every = tokio::time::interval(crate::log::CHECKPOINT_INTERVAL);
        loop {
            every.tick().await;
            let n = signer.clone();
            let _ = tokio::task::spawn_blocking(move || n.refresh_checkpoint()).await;
        }
    });
    let served = axum::serve(listener, app(node.clone()).into_make_service()).with_graceful_shutdown(shutdown).await;
    ticker.abort();
    served?;
    tracing::info!("shut down; flushing");
    node.ledger.flush().map_err(|e| std::io::Error::other(e.to_string()))
}
