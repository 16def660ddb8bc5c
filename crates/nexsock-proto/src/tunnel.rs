//! Tunnels and the profiles that open them: what crosses the socket. Tokens travel only from a
//! client to the host (to be stored in the OS keyring), wrapped so that they never print.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A secret in transit (a tunnel token). Its `Debug` and `Display` are redacted, so logging a
/// request that carries one shows `***`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(transparent)]
pub struct SecretString(String);

impl SecretString {
    /// Wraps a secret.
    pub fn new(secret: impl Into<String>) -> Self {
        Self(secret.into())
    }

    /// The secret itself, for the one place that must hand it on.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretString(***)")
    }
}

impl fmt::Display for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// Which tunnel provider a profile uses: a built-in one, or a custom provider registered with the
/// engine under its own name. Written as the provider's name (`"ngrok"`, `"my-vpn"`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, ts_rs::TS)]
#[ts(type = "string")]
pub enum ProviderKind {
    /// ngrok agent (one per profile), endpoints through its local API.
    Ngrok,
    /// cloudflared quick tunnels.
    Cloudflared,
    /// localtunnel (`lt`).
    Localtunnel,
    /// A bore server, in process.
    Bore,
    /// Any tool that prints a URL: the profile's `command` template, run per tunnel, its URL the
    /// first output line matching `url_pattern`.
    Command,
    /// A provider registered by name in the engine's registry.
    Custom(String),
}

impl ProviderKind {
    /// The name users type.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Ngrok => "ngrok",
            Self::Cloudflared => "cloudflared",
            Self::Localtunnel => "localtunnel",
            Self::Bore => "bore",
            Self::Command => "command",
            Self::Custom(name) => name,
        }
    }
}

impl fmt::Display for ProviderKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for ProviderKind {
    type Err = crate::ApiError;

    /// The built-in names, or any other name of letters, digits, `-` and `_` (a custom provider,
    /// which the engine checks against its registry).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "ngrok" => Ok(Self::Ngrok),
            "cloudflared" => Ok(Self::Cloudflared),
            "localtunnel" => Ok(Self::Localtunnel),
            "bore" => Ok(Self::Bore),
            "command" => Ok(Self::Command),
            other if !other.is_empty() && other.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') => {
                Ok(Self::Custom(other.to_owned()))
            }
            other => Err(crate::ApiError::new(
                crate::ErrorCode::InvalidArgument,
                format!(
                    "invalid provider `{other}` (expected ngrok, cloudflared, localtunnel, bore, command or a custom provider's name)"
                ),
            )),
        }
    }
}

impl Serialize for ProviderKind {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ProviderKind {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d)?.parse().map_err(serde::de::Error::custom)
    }
}

/// A tunnel profile: an account or server of one provider. Never holds a token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(deny_unknown_fields)]
pub struct ProfileSpec {
    /// Profile name (same rule as service names).
    #[serde(skip_serializing_if = "String::is_empty", default)]
    pub name: String,
    /// The provider.
    pub provider: ProviderKind,
    /// A reserved URL (ngrok) or the server of a self-hosted localtunnel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// `HOST[:PORT]` of a bore server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server: Option<String>,
    /// Path of the provider's executable, when not on PATH.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub binary: Option<String>,
    /// `command` profiles: the tool's command line, split into arguments by shell-words rules
    /// (no shell runs it); `{port}` (required), `{host}` and `{service}` are substituted in each
    /// argument.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
    /// `command` profiles: a regular expression; the first output line it matches gives the URL
    /// (its first capture group when it has one, else the whole match).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url_pattern: Option<String>,
    /// `command` profiles: the environment variable through which the tool gets the profile's
    /// token (never its arguments); without it the tool gets no token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_env: Option<String>,
    /// `command` profiles: seconds the tool gets to print its URL (30 when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url_timeout_secs: Option<u64>,
}

/// A profile as `profile list` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct ProfileInfo {
    /// The profile.
    pub spec: ProfileSpec,
    /// Whether it is the default profile.
    pub is_default: bool,
    /// Whether a token is stored for it (the token itself is never shown); `None` when the
    /// keyring did not answer in time (it may be locked), so nobody waits on it.
    pub token_set: Option<bool>,
}

/// Where a tunnel is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum TunnelStatus {
    /// Being opened (or re-opened after a failure).
    Opening,
    /// Open and passing its health checks.
    Open,
    /// Failed; being recreated with back-off.
    Failed,
    /// Closed.
    Closed,
}

/// A tunnel as `tunnel list` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct TunnelInfo {
    /// The service it exposes.
    pub service: String,
    /// The provider.
    pub provider: ProviderKind,
    /// The profile it was opened with.
    pub profile: String,
    /// Its public URL, once open.
    pub public_url: Option<String>,
    /// The local port it forwards to.
    pub local_port: u16,
    /// The loopback port of its recording proxy: the provider forwards there, and the proxy to
    /// `local_port`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub inspector_port: Option<u16>,
    /// Where it is.
    pub status: TunnelStatus,
    /// Unix ms of the last health check.
    pub last_check_ms: Option<u64>,
    /// Why it failed, when it did.
    pub error: Option<String>,
}

/// One environment variable a service gets at its next start.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct EnvVar {
    /// Name.
    pub name: String,
    /// Value; none when it is masked (`secret`) or only known at the start (a tunnel's URL before
    /// the tunnel is open, the run's marker).
    pub value: Option<String>,
    /// Where it comes from: `spec`, `tunnel:<dependency>` (its URL, or the edge's alias of it) or
    /// `nexsock` (what every run gets).
    pub source: String,
    /// Its name says it holds a secret (a token, key, password…): its value is shown only when
    /// asked for.
    #[serde(default)]
    pub secret: bool,
}

/// What a secret-looking variable's value is replaced by in every answer and event that does not
/// ask for it; sent back in an edit, it keeps the stored value.
pub const MASKED_VALUE: &str = "********";

impl EnvVar {
    /// `env` with the values of secret-looking variables replaced by [`MASKED_VALUE`].
    pub fn mask_secrets(env: &mut std::collections::BTreeMap<String, String>) {
        for (name, value) in env.iter_mut() {
            if Self::is_secret_name(name) {
                MASKED_VALUE.clone_into(value);
            }
        }
    }

    /// Whether a variable of this name holds a secret, by the words such names use.
    pub fn is_secret_name(name: &str) -> bool {
        let upper = name.to_ascii_uppercase();
        ["TOKEN", "SECRET", "PASSWORD", "PASSWD", "API_KEY", "APIKEY", "PRIVATE_KEY", "CREDENTIAL", "AUTH"]
            .iter()
            .any(|word| upper.contains(word))
    }
}
