//! Where tunnel tokens live: the OS keyring (one entry per profile under the service name
//! "nexsock"), or memory in unit tests. A [`Secret`] cannot be serialised and prints as `***`,
//! so a token cannot slip into the database, a log line or an API response by accident.

use std::{
    collections::HashMap,
    fmt,
    sync::{Arc, Mutex},
    time::Duration,
};

use crate::error::CoreError;

/// The keyring service name every nexsock entry is stored under.
pub const KEYRING_SERVICE: &str = "nexsock";

/// Variables through which tunnel providers read credentials: `NGROK_AUTHTOKEN` and
/// `NGROK_API_KEY` (ngrok), `TUNNEL_TOKEN` and `CLOUDFLARE_API_TOKEN` (cloudflared),
/// `BORE_SECRET` (bore). The host may hold them; nothing it starts inherits them.
pub const PROVIDER_SECRET_VARS: &[&str] =
    &["NGROK_AUTHTOKEN", "NGROK_API_KEY", "TUNNEL_TOKEN", "CLOUDFLARE_API_TOKEN", "BORE_SECRET"];

/// Removes every [`PROVIDER_SECRET_VARS`] from what `cmd` inherits, so a service, a probe or one
/// provider's process never sees a credential meant for a provider (a service that runs `env`
/// would write it to its log). Only the inherited values go: one set on `cmd` explicitly (before
/// or after) still applies, so a service may declare such a name in its own environment and a
/// provider may be handed its own credential.
pub fn withhold_provider_secrets(cmd: &mut tokio::process::Command) {
    withhold(cmd, PROVIDER_SECRET_VARS.iter().copied());
}

/// Removes the inherited values of `names` from `cmd`, keeping those set on it explicitly (see
/// [`withhold_provider_secrets`]); also for the token variables that command profiles name.
pub fn withhold<'a>(cmd: &mut tokio::process::Command, names: impl IntoIterator<Item = &'a str>) {
    for name in names {
        let explicit = cmd.as_std().get_envs().any(|(key, value)| key == name && value.is_some());
        if !explicit {
            cmd.env_remove(name);
        }
    }
}

/// A token. No `Serialize`, a redacted `Debug`; [`Secret::expose`] is the one way to read it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a token.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The token, for the one place that hands it to a provider.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// Stores one secret per profile.
pub trait SecretStore: Send + Sync + fmt::Debug {
    /// Stores (or replaces) the token of `profile`.
    fn set(&self, profile: &str, secret: &Secret) -> Result<(), CoreError>;
    /// The token of `profile`, if one is stored.
    fn get(&self, profile: &str) -> Result<Option<Secret>, CoreError>;
    /// Deletes the token of `profile`; deleting nothing is fine.
    fn delete(&self, profile: &str) -> Result<(), CoreError>;
}

/// The OS keyring: Secret Service on Linux, Keychain on macOS, Credential Manager on Windows.
#[derive(Debug, Default, Clone, Copy)]
pub struct KeyringStore;

/// How long a D-Bus call to the Secret Service waits for its reply (dbus-secret-service's own limit).
#[cfg(target_os = "linux")]
const DBUS_REPLY_TIMEOUT: Duration = Duration::from_secs(2);

/// Whether the keyring failed because the Secret Service is there but did not answer (a D-Bus call
/// without a reply): the same as a locked keyring's hang, cut short by D-Bus.
fn unanswered(err: &keyring::Error) -> Option<Duration> {
    #[cfg(target_os = "linux")]
    if let keyring::Error::PlatformFailure(inner) | keyring::Error::NoStorageAccess(inner) = err
        && let Some(dbus_secret_service::Error::Dbus(e)) = inner.downcast_ref::<dbus_secret_service::Error>()
        && e.name() == Some("org.freedesktop.DBus.Error.NoReply")
    {
        return Some(DBUS_REPLY_TIMEOUT);
    }
    let _ = err;
    None
}

fn keyring_error(action: &'static str, profile: &str, err: &keyring::Error) -> CoreError {
    if let Some(after) = unanswered(err) {
        return CoreError::KeyringTimeout { action, profile: profile.to_owned(), after };
    }
    CoreError::Keyring(format!(
        "cannot {action} the token of profile `{profile}` in the OS keyring: {err}. On Linux this needs a running, \
         unlocked Secret Service (gnome-keyring or KWallet) in your session; without one, set NGROK_AUTHTOKEN in \
         the host's environment instead"
    ))
}

impl SecretStore for KeyringStore {
    fn set(&self, profile: &str, secret: &Secret) -> Result<(), CoreError> {
        keyring::Entry::new(KEYRING_SERVICE, profile)
            .and_then(|e| e.set_password(secret.expose()))
            .map_err(|e| keyring_error("store", profile, &e))
    }

    fn get(&self, profile: &str) -> Result<Option<Secret>, CoreError> {
        match keyring::Entry::new(KEYRING_SERVICE, profile).and_then(|e| e.get_password()) {
            Ok(token) => Ok(Some(Secret::new(token))),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(keyring_error("read", profile, &e)),
        }
    }

    fn delete(&self, profile: &str) -> Result<(), CoreError> {
        match keyring::Entry::new(KEYRING_SERVICE, profile).and_then(|e| e.delete_credential()) {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(keyring_error("delete", profile, &e)),
        }
    }
}

/// Secrets in memory, for tests of code that needs a store.
#[derive(Debug, Default, Clone)]
pub struct MemoryStore {
    entries: Arc<Mutex<HashMap<String, Secret>>>,
}

impl MemoryStore {
    fn entries(&self) -> std::sync::MutexGuard<'_, HashMap<String, Secret>> {
        // A poisoned map still holds valid entries: a panic elsewhere cannot corrupt a HashMap insert.
        self.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl SecretStore for MemoryStore {
    fn set(&self, profile: &str, secret: &Secret) -> Result<(), CoreError> {
        self.entries().insert(profile.to_owned(), secret.clone());
        Ok(())
    }

    fn get(&self, profile: &str) -> Result<Option<Secret>, CoreError> {
        Ok(self.entries().get(profile).cloned())
    }

    fn delete(&self, profile: &str) -> Result<(), CoreError> {
        self.entries().remove(profile);
        Ok(())
    }
}

/// How long one keyring call may take before it counts as not answering.
pub const KEYRING_TIMEOUT: Duration = Duration::from_secs(3);

type Job = Box<dyn FnOnce(&dyn SecretStore) + Send>;

/// A [`SecretStore`] used from async code without ever waiting on it for long: calls run one at a
/// time on a thread of their own and are awaited with a timeout. A keyring that never answers (a
/// locked GNOME keyring waiting on its password prompt) costs each call its timeout, holds that one
/// thread, and blocks nothing else; calls that time out while queued are dropped unrun.
#[derive(Debug, Clone)]
pub struct Keyring {
    jobs: std::sync::mpsc::Sender<Job>,
    timeout: Duration,
}

impl Keyring {
    /// Serves `store` from a new thread, which ends when the last clone is dropped.
    pub fn new(store: Arc<dyn SecretStore>, timeout: Duration) -> Self {
        let (jobs, queue) = std::sync::mpsc::channel::<Job>();
        let spawned = std::thread::Builder::new().name("nexsock-keyring".into()).spawn(move || {
            for job in queue {
                job(store.as_ref());
            }
        });
        if let Err(e) = spawned {
            // Every call then answers that the keyring cannot be reached.
            tracing::error!("cannot start the keyring thread: {e}");
        }
        Self { jobs, timeout }
    }

    /// Queues `f` now (so calls run in the order they are made) and returns the wait for its answer.
    fn call<T: Send + 'static>(
        &self,
        action: &'static str,
        profile: &str,
        f: impl FnOnce(&dyn SecretStore) -> Result<T, CoreError> + Send + 'static,
    ) -> impl Future<Output = Result<T, CoreError>> + Send + 'static {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move |store| {
            if !tx.is_closed() {
                let _ = tx.send(f(store));
            }
        });
        let queued = self.jobs.send(job).is_ok();
        let (timeout, profile) = (self.timeout, profile.to_owned());
        async move {
            if !queued {
                return Err(CoreError::Keyring("the keyring thread is not running".into()));
            }
            match tokio::time::timeout(timeout, rx).await {
                Ok(Ok(answer)) => answer,
                Ok(Err(_)) => Err(CoreError::Keyring("the keyring thread ended".into())),
                Err(_) => Err(CoreError::KeyringTimeout { action, profile, after: timeout }),
            }
        }
    }

    /// The token of `profile`, if one is stored.
    pub fn get(&self, profile: &str) -> impl Future<Output = Result<Option<Secret>, CoreError>> + Send + 'static {
        let name = profile.to_owned();
        self.call("read", profile, move |s| s.get(&name))
    }

    /// Stores (or replaces) the token of `profile`.
    pub fn set(&self, profile: &str, secret: Secret) -> impl Future<Output = Result<(), CoreError>> + Send + 'static {
        let name = profile.to_owned();
        self.call("store", profile, move |s| s.set(&name, &secret))
    }

    /// Deletes the token of `profile`; deleting nothing is fine.
    pub fn delete(&self, profile: &str) -> impl Future<Output = Result<(), CoreError>> + Send + 'static {
        let name = profile.to_owned();
        self.call("delete", profile, move |s| s.delete(&name))
    }

    /// Whether each of `profiles` has a token, in one call: `None` for all when the keyring did
    /// not answer in time, for one when reading it failed.
    pub fn presence(&self, profiles: Vec<String>) -> impl Future<Output = Vec<Option<bool>>> + Send + 'static {
        let n = profiles.len();
        let read = move |s: &dyn SecretStore| Ok(profiles.iter().map(|p| s.get(p).ok().map(|t| t.is_some())).collect());
        let answer = self.call("read", "(every profile)", read);
        async move { answer.await.unwrap_or_else(|_| vec![None; n]) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_print() {
        let s = Secret::new("2abcSECRETtoken");
        assert_eq!(format!("{s:?}"), "Secret(***)");
        assert!(!format!("{:?}", Some(&s)).contains("SECRET"));
    }

    #[test]
    fn the_memory_store_round_trips() {
        let store = MemoryStore::default();
        assert_eq!(store.get("work").expect("get"), None);
        store.set("work", &Secret::new("t1")).expect("set");
        assert_eq!(store.get("work").expect("get"), Some(Secret::new("t1")));
        store.delete("work").expect("delete");
        store.delete("work").expect("deleting nothing is fine");
        assert_eq!(store.get("work").expect("get"), None);
    }

    /// A store whose reads never answer until released, like a locked keyring; it counts stores.
    #[derive(Debug)]
    struct Hung {
        gate: Mutex<std::sync::mpsc::Receiver<()>>,
        stores: Arc<std::sync::atomic::AtomicUsize>,
    }

    impl SecretStore for Hung {
        fn set(&self, _: &str, _: &Secret) -> Result<(), CoreError> {
            self.stores.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            Ok(())
        }
        fn get(&self, _: &str) -> Result<Option<Secret>, CoreError> {
            let _ = self.gate.lock().map(|rx| rx.recv());
            Ok(None)
        }
        fn delete(&self, _: &str) -> Result<(), CoreError> {
            Ok(())
        }
    }

    #[tokio::test]
    async fn a_keyring_that_does_not_answer_is_a_typed_timeout_and_queued_calls_are_dropped() {
        let (release, rx) = std::sync::mpsc::channel();
        let stores = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let store = Hung { gate: Mutex::new(rx), stores: stores.clone() };
        let keyring = Keyring::new(Arc::new(store), Duration::from_millis(50));
        let err = keyring.get("work").await.expect_err("a hung read times out");
        assert!(
            matches!(&err, CoreError::KeyringTimeout { action: "read", profile, .. } if profile == "work"),
            "{err:?}"
        );
        assert!(err.to_string().contains("may be locked"), "{err}");
        // Queued behind the hung read, this store times out too, and must not happen later.
        let err = keyring.set("work", Secret::new("t")).await.expect_err("queued behind a hung call");
        assert!(matches!(err, CoreError::KeyringTimeout { action: "store", .. }), "{err:?}");
        release.send(()).expect("release the hung read");
        // Released, the keyring answers again; the store that timed out never ran.
        keyring.delete("work").await.expect("delete");
        assert_eq!(stores.load(std::sync::atomic::Ordering::SeqCst), 0);
        keyring.set("work", Secret::new("t")).await.expect("set");
        assert_eq!(stores.load(std::sync::atomic::Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn presence_is_unknown_when_the_keyring_does_not_answer() {
        let (_release, rx) = std::sync::mpsc::channel();
        let store = Hung { gate: Mutex::new(rx), stores: Arc::default() };
        let keyring = Keyring::new(Arc::new(store), Duration::from_millis(50));
        assert_eq!(keyring.presence(vec!["a".into(), "b".into()]).await, [None, None]);
    }

    #[tokio::test]
    async fn a_keyring_that_answers_round_trips_through_its_thread() {
        let keyring = Keyring::new(Arc::new(MemoryStore::default()), KEYRING_TIMEOUT);
        keyring.set("a", Secret::new("t")).await.expect("set");
        assert_eq!(keyring.get("a").await.expect("get"), Some(Secret::new("t")));
        assert_eq!(keyring.presence(vec!["a".into(), "b".into()]).await, [Some(true), Some(false)]);
        keyring.delete("a").await.expect("delete");
        assert_eq!(keyring.get("a").await.expect("get"), None);
    }
}
