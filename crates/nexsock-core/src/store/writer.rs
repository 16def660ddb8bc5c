//! Writes off the engine's critical path: a thread with its own connection to the database runs
//! them in the order they were sent, so a probe passing, a process exiting or a chain finishing
//! costs the engine a channel send, not a SQLite statement. Reads that must see those writes
//! (a service's history) go through the same queue. The record of a new run is the exception:
//! it is what the next host needs to find the process after a crash, so the engine writes it
//! itself before it moves on.

use std::{path::Path, thread::JoinHandle};

use super::Store;
use crate::error::CoreError;

/// What the writer thread runs: a write (or read) on its store, or an answer to let go once
/// everything before it has landed.
enum Job {
    Store(Box<dyn FnOnce(&Store) + Send>),
    Then(Box<dyn FnOnce() + Send>),
}

impl std::fmt::Debug for Job {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Store(_) => "Job::Store",
            Self::Then(_) => "Job::Then",
        })
    }
}

/// The queue to the writer thread. Dropped without [`Writer::finish`], the thread still drains
/// the queue on its own once the last sender is gone.
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
                    match job {
                        Job::Store(f) => f(&store),
                        Job::Then(f) => f(),
                    }
                }
            })
            .map_err(|e| CoreError::io("starting the store writer thread", e))?;
        Ok(Self { jobs: Some(jobs), thread: Some(thread) })
    }

    /// Queues a write; a failure is logged with `what` (the engine has moved on).
    pub fn write(&self, what: &'static str, f: impl FnOnce(&Store) -> Result<(), CoreError> + Send + 'static) {
        let job = Job::Store(Box::new(move |store| {
            if let Err(e) = f(store) {
                tracing::error!("cannot record {what}: {e}");
            }
        }));
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
        let job = Job::Store(Box::new(move |store| answer(f(store))));
        // Without the thread, the job (and with it `answer`) is dropped: its caller sees no answer.
        if let Some(jobs) = &self.jobs {
            let _ = jobs.send(job);
        }
    }

    /// A handle that runs `then` once every write queued so far has landed (for answers that must
    /// not reach a client before what they report is recorded).
    pub fn barrier(&self) -> Barrier {
        Barrier(self.jobs.clone())
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

/// See [`Writer::barrier`].
#[derive(Debug, Clone)]
pub struct Barrier(Option<std::sync::mpsc::Sender<Job>>);

impl Barrier {
    /// Runs `then` (on the writer thread) after every write queued before this call; at once when
    /// the writer is gone.
    pub fn then(&self, then: impl FnOnce() + Send + 'static) {
        let job = Job::Then(Box::new(then));
        let unsent = match &self.0 {
            Some(jobs) => jobs.send(job).err().map(|std::sync::mpsc::SendError(job)| job),
            None => Some(job),
        };
        if let Some(Job::Then(then)) = unsent {
            then();
        }
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
