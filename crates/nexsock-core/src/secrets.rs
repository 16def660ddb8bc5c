//! Where tunnel tokens live: the OS keyring (one entry per profile under the service name
//! "nexsock"), or memory in unit tests. A [`Secret`] cannot be serialised and prints as `***`,
//! so a token cannot slip into the database, a log line or an API response by accident.

use std::{
    collections::HashMap,
    fmt,
    sync::{Arc, Mutex},
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
    for name in PROVIDER_SECRET_VARS {
        let explicit = cmd.as_std().get_envs().any(|(key, value)| key == *name && value.is_some());
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

fn keyring_error(action: &str, profile: &str, err: &keyring::Error) -> CoreError {
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
}
