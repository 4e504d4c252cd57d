//! Shared pieces of the end-to-end suites (a demo ledger served by a real node on loopback), and the
//! [`bench`](mod@bench) behind the `trace-bench` binary.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use trace_core::demo::{self, Story};
use trace_core::{DataDir, Origin, Time};

/// A node serving a ledger on `127.0.0.1`, in its own thread with its own runtime, until dropped.
#[derive(Debug)]
pub struct RunningNode {
    /// Where it listens.
    pub addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<anyhow::Result<()>>>,
}

impl RunningNode {
    /// Serves `data` on an ephemeral loopback port.
    pub fn start(data: DataDir) -> anyhow::Result<RunningNode> {
        let node = Arc::new(trace_node::Node::new(
            data.ledger,
            data.log_key,
            data.config.log_key_name,
            trace_node::Limits::default(),
        ));
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        let (stop, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || -> anyhow::Result<()> {
            let rt = tokio::runtime::Runtime::new()?;
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
                addr_tx.send(listener.local_addr()?)?;
                trace_node::serve(node, listener, async {
                    let _ = stop_rx.await;
                })
                .await?;
                Ok(())
            })
        });
        let addr = addr_rx.recv().context("the node thread died before binding")?;
        Ok(RunningNode { addr, stop: Some(stop), thread: Some(thread) })
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for RunningNode {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// A demo ledger in `dir`: the whole story appended.
pub fn demo_ledger(dir: &Path) -> anyhow::Result<(DataDir, Story)> {
    let origin: Origin = demo::DEMO_ORIGIN.parse()?;
    let (data, _, story) = demo::install(dir, origin, Time::now())?;
    Ok((data, story))
}

pub mod bench;
