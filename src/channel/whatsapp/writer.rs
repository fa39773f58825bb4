//! One task applies all of the channel's writes, in batches: whatever queued up while the
//! previous batch committed goes in the next transaction. Under load a commit is shared by
//! many webhook bodies, sent messages and window updates; a write arriving alone is
//! committed alone, at once.

use crate::store::{Store, WhatsAppWrite};
use tokio::sync::{mpsc, oneshot};

/// The most writes in one transaction: enough to share commits in a burst, few enough that
/// the write lock is held briefly.
const MAX_BATCH: usize = 256;

type Ack = oneshot::Sender<Result<Option<i64>, String>>;

struct Job {
    /// `None`: a barrier, acknowledged once everything queued before it is committed.
    write: Option<WhatsAppWrite>,
    ack: Option<Ack>,
}

/// The queue to the writer task.
#[derive(Clone)]
pub(crate) struct Writer {
    tx: mpsc::UnboundedSender<Job>,
}

impl Writer {
    /// Starts the writer task; it ends when the last `Writer` is dropped.
    pub(crate) fn spawn(store: Store) -> Writer {
        let (tx, rx) = mpsc::unbounded_channel();
        tokio::spawn(run(store, rx));
        Writer { tx }
    }

    /// Stores a webhook body; returns its id once committed.
    pub(crate) async fn store_inbound(
        &self,
        body: String,
        received_at: chrono::DateTime<chrono::Utc>,
    ) -> Result<i64, String> {
        let (ack, rx) = oneshot::channel();
        self.tx
            .send(Job {
                write: Some(WhatsAppWrite::StoreInbound { body, received_at }),
                ack: Some(ack),
            })
            .map_err(|_| "the WhatsApp writer has stopped".to_string())?;
        match rx.await {
            Ok(Ok(Some(id))) => Ok(id),
            Ok(Ok(None)) => Err("the store returned no id".into()),
            Ok(Err(e)) => Err(e),
            Err(_) => Err("the WhatsApp writer has stopped".into()),
        }
    }

    /// Queues a write without waiting for it. A write lost to a failing database is one
    /// the channel can do without (a window update, a delivery status, the deletion of a
    /// processed body, which is then processed again after a restart and found duplicate).
    pub(crate) fn push(&self, w: WhatsAppWrite) {
        let _ = self.tx.send(Job {
            write: Some(w),
            ack: None,
        });
    }

    /// Waits until everything queued before is committed (or failed).
    pub(crate) async fn flush(&self) {
        let (ack, rx) = oneshot::channel();
        if self
            .tx
            .send(Job {
                write: None,
                ack: Some(ack),
            })
            .is_ok()
        {
            let _ = rx.await;
        }
    }
}

async fn run(store: Store, mut rx: mpsc::UnboundedReceiver<Job>) {
    let mut jobs = Vec::with_capacity(MAX_BATCH);
    while rx.recv_many(&mut jobs, MAX_BATCH).await > 0 {
        let writes: Vec<WhatsAppWrite> = jobs.iter().filter_map(|j| j.write.clone()).collect();
        let mut result = store.whatsapp().whatsapp_apply(&writes).await;
        if result.is_err() {
            // One more try: a busy database or a dropped connection often passes.
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            result = store.whatsapp().whatsapp_apply(&writes).await;
        }
        match result {
            Ok(ids) => {
                let mut ids = ids.into_iter();
                for job in jobs.drain(..) {
                    let id = if job.write.is_some() {
                        ids.next().flatten()
                    } else {
                        None
                    };
                    if let Some(ack) = job.ack {
                        let _ = ack.send(Ok(id));
                    }
                }
            }
            Err(e) => {
                tracing::error!(error = %e, writes = writes.len(), "WhatsApp channel writes failed");
                let msg = e.to_string();
                for job in jobs.drain(..) {
                    if let Some(ack) = job.ack {
                        let _ = ack.send(Err(msg.clone()));
                    }
                }
            }
        }
    }
}
