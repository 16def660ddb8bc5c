//! `config.toml` in the state directory: the tunnel profiles and the default one, the declared
//! strategies and the default strategy, the login chain. The file is
//! re-read whenever it changed on disk, so hand edits apply without a restart; writes go through
//! a temporary file and a rename. (`NGROK_AUTHTOKEN` overrides an ngrok profile's token, see the
//! tunnel layer.) Regions are not a setting: ngrok's current agent picks the nearest one itself
//! and deprecates `--region`; a `region` in an older file is dropped with a warning.

use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
    time::SystemTime,
};

use nexsock_proto::{ProfileSpec, ProviderKind, StrategySpec};
use serde::{Deserialize, Serialize};

use crate::{
    error::CoreError,
    statedir::{self, Access},
    validate::validate_name,
};

/// The environment variable older ngrok agents took a region from; warned about, not used.
pub const NGROK_REGION_ENV: &str = "NGROK_REGION";

/// Why a region is not taken.
pub const NO_REGION: &str = "ngrok's current agent picks the nearest region itself and deprecates --region \
     (ngrok agent configuration v3), so nexsock does not take one";

/// The file's shape.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    /// Profile used when a service names none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_profile: Option<String>,
    /// Strategy of chain starts that name none (the built-in default when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_strategy: Option<String>,
    /// The chain the desktop app starts when it is started at login.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub login_chain: Option<nexsock_proto::ChainRequest>,
    /// Profiles by name.
    #[serde(default)]
    pub profiles: BTreeMap<String, ProfileSpec>,
    /// Strategies declared at run time, by name (`[strategies.NAME]`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub strategies: BTreeMap<String, StrategySpec>,
    /// Header names the request inspector masks besides `Authorization`, `Proxy-Authorization`,
    /// `Cookie` and `Set-Cookie` (compared without case), e.g. `["X-Api-Key"]`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub masked_headers: Vec<String>,
    /// How services are run (`[services]`).
    #[serde(default, skip_serializing_if = "ServicesConfig::is_default")]
    pub services: ServicesConfig,
}

/// Default of `[services] settle_ms`.
pub const DEFAULT_SETTLE_MS: u64 = 250;

/// `[services]` in config.toml.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServicesConfig {
    /// How long a service without a health check must keep running before it counts as started
    /// (default 250 ms): a command that is not found or exits at once fails its start instead
    /// of being reported ready.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub settle_ms: Option<u64>,
    /// The environment services start from (default `login-shell`); a service's own `inherit`
    /// overrides it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inherit: Option<nexsock_proto::EnvInherit>,
}

impl ServicesConfig {
    fn is_default(&self) -> bool {
        *self == Self::default()
    }

    /// The environment a service starts from: its own choice, else this setting, else the
    /// login shell's.
    pub fn inherit_for(&self, spec: &nexsock_proto::ServiceSpec) -> nexsock_proto::EnvInherit {
        spec.inherit.or(self.inherit).unwrap_or_default()
    }

    /// The settle time in force.
    pub fn settle(&self) -> std::time::Duration {
        std::time::Duration::from_millis(self.settle_ms.unwrap_or(DEFAULT_SETTLE_MS))
    }
}

impl ConfigFile {
    /// The token variables of the command profiles: what no service, probe or other provider's
    /// agent inherits from the host.
    pub fn command_token_vars(&self) -> Vec<String> {
        self.profiles
            .values()
            .filter(|p| p.provider == nexsock_proto::ProviderKind::Command)
            .filter_map(|p| p.token_env.clone())
            .collect()
    }

    /// The declared strategies, in name order.
    pub fn declared_strategies(&self) -> Vec<StrategySpec> {
        self.strategies.values().cloned().collect()
    }
}

/// The config file and the moment it was read.
#[derive(Debug)]
pub struct Config {
    path: PathBuf,
    file: ConfigFile,
    read_at: Option<SystemTime>,
}

fn modified(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

impl Config {
    /// Reads `path` (a missing file is an empty config).
    pub fn load(path: PathBuf) -> Result<Self, CoreError> {
        if std::env::var_os(NGROK_REGION_ENV).is_some_and(|r| !r.is_empty()) {
            tracing::warn!("{NGROK_REGION_ENV} is ignored: {NO_REGION}");
        }
        let mut config = Self { path, file: ConfigFile::default(), read_at: None };
        config.reload()?;
        Ok(config)
    }

    fn reload(&mut self) -> Result<(), CoreError> {
        // It names the programs the host runs: only a file of ours, not a link, is read.
        statedir::secure_existing(&self.path)?;
        let text = match std::fs::read_to_string(&self.path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(e) => return Err(CoreError::io(format!("reading {}", self.path.display()), e)),
        };
        let invalid = |e: toml::de::Error| CoreError::Profile(format!("invalid {}: {e}", self.path.display()));
        let mut table: toml::Table = toml::from_str(&text).map_err(invalid)?;
        if let Some(toml::Value::Table(profiles)) = table.get_mut("profiles") {
            for (name, profile) in profiles.iter_mut() {
                if let toml::Value::Table(profile) = profile
                    && profile.remove("region").is_some()
                {
                    tracing::warn!(profile = %name, "the profile's region is ignored: {NO_REGION}");
                }
            }
        }
        let mut file: ConfigFile = table.try_into().map_err(invalid)?;
        for (name, spec) in &mut file.profiles {
            spec.name.clone_from(name);
        }
        for (name, spec) in &mut file.strategies {
            spec.name.clone_from(name);
        }
        self.file = file;
        self.read_at = modified(&self.path);
        Ok(())
    }

    /// The contents as last read (a hand edit since then shows at the next [`Self::current`]).
    pub fn cached(&self) -> &ConfigFile {
        &self.file
    }

    /// The current contents, re-read first if the file changed on disk.
    pub fn current(&mut self) -> Result<&ConfigFile, CoreError> {
        if modified(&self.path) != self.read_at {
            self.reload()?;
        }
        Ok(&self.file)
    }

    /// Adds or replaces a profile after validating it.
    pub fn add_profile(&mut self, spec: ProfileSpec) -> Result<(), CoreError> {
        validate_profile(&spec)?;
        let mut file = self.current()?.clone();
        if file.default_profile.is_none() {
            file.default_profile = Some(spec.name.clone());
        }
        file.profiles.insert(spec.name.clone(), spec);
        self.write(file)
    }

    /// Removes a profile (and the default mark if it had it).
    pub fn remove_profile(&mut self, name: &str) -> Result<(), CoreError> {
        let mut file = self.current()?.clone();
        if file.profiles.remove(name).is_none() {
            return Err(unknown_profile(name, &file.profiles));
        }
        if file.default_profile.as_deref() == Some(name) {
            file.default_profile = None;
        }
        self.write(file)
    }

    /// Makes `name` the default profile.
    pub fn set_default(&mut self, name: &str) -> Result<(), CoreError> {
        let mut file = self.current()?.clone();
        if !file.profiles.contains_key(name) {
            return Err(unknown_profile(name, &file.profiles));
        }
        file.default_profile = Some(name.to_owned());
        self.write(file)
    }

    /// Makes `name` the default strategy; the caller checks that it exists.
    pub fn set_default_strategy(&mut self, name: &str) -> Result<(), CoreError> {
        let mut file = self.current()?.clone();
        file.default_strategy = Some(name.to_owned());
        self.write(file)
    }

    /// Declares a strategy; the caller validates it against the registry.
    pub fn add_strategy(&mut self, spec: StrategySpec) -> Result<(), CoreError> {
        let mut file = self.current()?.clone();
        file.strategies.insert(spec.name.clone(), spec);
        self.write(file)
    }

    /// Forgets a declared strategy; a default or login chain that named it falls back to the
    /// built-in default. Whether it was declared: an unknown name changes nothing.
    pub fn remove_strategy(&mut self, name: &str) -> Result<bool, CoreError> {
        let mut file = self.current()?.clone();
        if file.strategies.remove(name).is_none() {
            return Ok(false);
        }
        if file.default_strategy.as_deref() == Some(name) {
            file.default_strategy = None;
        }
        if let Some(chain) = &mut file.login_chain
            && chain.strategy.as_deref() == Some(name)
        {
            chain.strategy = None;
        }
        self.write(file)?;
        Ok(true)
    }

    /// Sets (or clears) the chain started at login; the caller validates it.
    pub fn set_login_chain(&mut self, chain: Option<nexsock_proto::ChainRequest>) -> Result<(), CoreError> {
        let mut file = self.current()?.clone();
        file.login_chain = chain;
        self.write(file)
    }

    /// The profile to use: `explicit`, else the service's, else the default; validated, with the
    /// environment's overrides applied.
    pub fn resolve(&mut self, explicit: Option<&str>, service: Option<&str>) -> Result<ProfileSpec, CoreError> {
        let file = self.current()?;
        let name = explicit.or(service).or(file.default_profile.as_deref()).ok_or_else(|| {
            CoreError::Profile(
                "no tunnel profile: add one with `nexsock profile add NAME --provider ngrok|cloudflared|localtunnel|bore`"
                    .into(),
            )
        })?;
        let spec = file.profiles.get(name).cloned().ok_or_else(|| unknown_profile(name, &file.profiles))?;
        validate_profile(&spec)?;
        Ok(spec)
    }

    fn write(&mut self, file: ConfigFile) -> Result<(), CoreError> {
        let text =
            toml::to_string_pretty(&file).map_err(|e| CoreError::Profile(format!("encoding the config: {e}")))?;
        let tmp = self.path.with_extension("toml.tmp");
        // A temporary file left by a host that died mid-write goes; the new one is created 0600,
        // never through a link.
        match std::fs::remove_file(&tmp) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                return Err(CoreError::io(format!("removing {}", tmp.display()), e));
            }
            _ => {}
        }
        statedir::write(&tmp, text.as_bytes(), Access::CreateNew)?;
        std::fs::rename(&tmp, &self.path).map_err(|e| CoreError::io(format!("writing {}", self.path.display()), e))?;
        self.file = file;
        self.read_at = modified(&self.path);
        Ok(())
    }
}

fn unknown_profile(name: &str, known: &BTreeMap<String, ProfileSpec>) -> CoreError {
    let hint = crate::suggest::hint(name, known.keys().map(String::as_str), " (see `nexsock profile list`)");
    CoreError::Profile(format!("no profile named `{name}`{hint}"))
}

/// A profile must be usable by its provider: bore needs a server; URLs
/// are http(s); a binary path must exist.
pub fn validate_profile(spec: &ProfileSpec) -> Result<(), CoreError> {
    validate_name(&spec.name).map_err(|_| {
        CoreError::Profile(format!("invalid profile name `{}`: use letters, digits, `-` and `_`", spec.name))
    })?;
    let bad = |why: String| Err(CoreError::Profile(format!("profile `{}`: {why}", spec.name)));
    match (&spec.provider, &spec.server) {
        (ProviderKind::Bore, None) => return bad("a bore profile needs --server HOST".into()),
        (ProviderKind::Bore, Some(_)) => {}
        (ProviderKind::Ngrok | ProviderKind::Cloudflared | ProviderKind::Localtunnel, Some(_)) => {
            return bad(format!("--server is for bore profiles, not {}", spec.provider));
        }
        (ProviderKind::Ngrok | ProviderKind::Cloudflared | ProviderKind::Localtunnel, None)
        | (ProviderKind::Command | ProviderKind::Custom(_), _) => {}
    }
    crate::tunnel::validate_command_profile(spec)?;
    if let Some(url) = &spec.url
        && !(url.starts_with("https://") || url.starts_with("http://"))
    {
        return bad(format!("url `{url}` must start with https:// or http://"));
    }
    if let Some(binary) = &spec.binary
        && !Path::new(binary).is_file()
    {
        return bad(format!("binary `{binary}` does not exist"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(name: &str, provider: ProviderKind) -> ProfileSpec {
        ProfileSpec {
            name: name.into(),
            provider,
            url: None,
            server: None,
            binary: None,
            command: None,
            url_pattern: None,
            token_env: None,
            url_timeout_secs: None,
        }
    }

    #[test]
    fn profiles_persist_and_the_first_becomes_the_default() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("config.toml");
        let mut config = Config::load(path.clone()).expect("load");
        config.add_profile(spec("personal", ProviderKind::Cloudflared)).expect("add");
        let mut bore = spec("team", ProviderKind::Bore);
        bore.server = Some("bore.example.com".into());
        config.add_profile(bore).expect("add");
        let again = Config::load(path).expect("reload").current().expect("read").clone();
        assert_eq!(again.default_profile.as_deref(), Some("personal"));
        assert_eq!(again.profiles["team"].server.as_deref(), Some("bore.example.com"));
    }

    #[test]
    fn hand_edits_are_picked_up() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("config.toml");
        let mut config = Config::load(path.clone()).expect("load");
        assert!(config.resolve(None, None).is_err());
        std::fs::write(&path, "default_profile = \"w\"\n[profiles.w]\nprovider = \"localtunnel\"\n").expect("write");
        // Make sure the modification time differs from the (absent) one seen before.
        assert_eq!(config.resolve(None, None).expect("resolved").provider, ProviderKind::Localtunnel);
    }

    #[test]
    fn invalid_profiles_are_refused() {
        assert!(validate_profile(&spec("b", ProviderKind::Bore)).is_err());
        let mut s = spec("c", ProviderKind::Cloudflared);
        s.server = Some("bore.example.com".into());
        assert!(validate_profile(&s).is_err());
        let mut s = spec("n", ProviderKind::Ngrok);
        s.binary = Some("/nonexistent/ngrok".into());
        assert!(validate_profile(&s).is_err());
        assert!(validate_profile(&spec("bad name", ProviderKind::Ngrok)).is_err());
    }

    #[test]
    fn a_region_in_an_older_file_is_dropped_and_the_file_still_loads() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("config.toml");
        std::fs::write(&path, "default_profile = \"p\"\n[profiles.p]\nprovider = \"ngrok\"\nregion = \"eu\"\n")
            .expect("write");
        let mut config = Config::load(path.clone()).expect("an old file loads");
        assert_eq!(config.resolve(None, None).expect("resolved"), spec("p", ProviderKind::Ngrok));
        config.set_default("p").expect("rewrite");
        assert!(!std::fs::read_to_string(&path).expect("read").contains("region"), "not written back");
    }
}
