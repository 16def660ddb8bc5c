//! Writes off the engine's critical path: a thread with its own connection to the database runs
//! them in the order they were sent, so a probe passing, a process exiting or a chain finishing
//! costs the engine a channel send, not a SQLite statement. Reads that must see those writes
//! (a service's history) go through the same queue. The record of a new run is the exception:
//! it is what the next host needs to find the process after a crash, so the engine writes it
//! itself before it moves on.

use std::{path::Path, thread::JoinHandle};

use super::Store;
use crate::error::CoreError;

type Job = Box<dyn FnOnce(&Store) + Send>;

/// The queue to the writer thread.
#[derive(Debug)]
pub struct Writer {
    jobs: Option<std::sync::mpsc::Sender<Job>>,
    thread: Option<JoinHandle<()>>,
}

impl Writer {
    /// Opens a second connection to the (already migrated) database at `path` and starts the
    /// thread that serves the queue.
    pub fn open(path: &Path) -> Result<Self, CoreError> {
        let store = Store::open(path)?;
        let (jobs, queue) = std::sync::mpsc::channel::<Job>();
        let thread = std::thread::Builder::new()
            .name("nexsock-store".into())
            .spawn(move || {
                for job in queue {
                    job(&store);
                }
            })
            .map_err(|e| CoreError::io("starting the store writer thread", e))?;
        Ok(Self { jobs: Some(jobs), thread: Some(thread) })
    }

    /// Queues a write; a failure is logged with `what` (the engine has moved on).
    pub fn write(&self, what: &'static str, f: impl FnOnce(&Store) -> Result<(), CoreError> + Send + 'static) {
        let job: Job = Box::new(move |store| {
            if let Err(e) = f(store) {
                tracing::error!("cannot record {what}: {e}");
            }
        });
        if let Some(jobs) = &self.jobs
            && jobs.send(job).is_err()
        {
            tracing::error!("cannot record {what}: the store writer thread is gone");
        }
    }

    /// Queues a read after every write sent before it; `answer` gets its result on the thread.
    pub fn read<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Store) -> Result<T, CoreError> + Send + 'static,
        answer: impl FnOnce(Result<T, CoreError>) + Send + 'static,
    ) {
        let job: Job = Box::new(move |store| answer(f(store)));
        if let Some(jobs) = &self.jobs
            && let Err(std::sync::mpsc::SendError(job)) = jobs.send(job)
        {
            drop(job);
        }
    }

    /// Writes everything queued, then ends the thread. Blocking: call it from a blocking context.
    pub fn finish(&mut self) {
        drop(self.jobs.take());
        if let Some(thread) = self.thread.take()
            && thread.join().is_err()
        {
            tracing::error!("the store writer thread panicked");
        }
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        // Without finish(), the thread still drains the queue on its own once the sender is gone.
        drop(self.jobs.take());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_land_in_order_and_a_later_read_sees_them() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("db.sqlite");
        let store = Store::open(&path).expect("open");
        store
            .conn()
            .execute("INSERT INTO service (name, command, created_at, updated_at) VALUES ('a', 'true', 0, 0)", [])
            .expect("service");
        let run = store.insert_run(1, 10, 10, None, "t", 0).expect("run");
        let mut writer = Writer::open(&path).expect("writer");
        writer.write("readiness", move |s| s.mark_run_ready(run, 5));
        let (tx, rx) = std::sync::mpsc::channel();
        writer.read(
            move |s| {
                Ok(s.conn()
                    .query_row("SELECT ready_at FROM service_run WHERE id = ?1", [run], |r| r.get::<_, i64>(0))?)
            },
            move |answer| tx.send(answer.expect("read")).expect("send"),
        );
        assert_eq!(rx.recv().expect("answer"), 5);
        writer.finish();
        writer.write("after the end", |_| Ok(()));
    }
}
