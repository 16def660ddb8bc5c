//! The tray menu as data: every menu id is declared here once (as [`MenuAction`]), and the menu
//! is a pure function of the engine's state, so it can be tested without a display.

use nexsock_proto::{ProfileInfo, Reconciliation, ServiceState, ServiceStatus, Settings, TunnelInfo, TunnelStatus};

/// What a click on a menu item does. Its id is the only spelling of the action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MenuAction {
    /// Smart-start a service with its chain (default strategy).
    StartChain(String),
    /// Smart-start every service of a tag with their chains, as one chain start.
    StartTag(String),
    /// Copy a tunnel's public URL to the clipboard.
    CopyUrl(String),
    /// Open the window on a tunnel's request inspector.
    Inspect(String),
    /// Use another tunnel profile for a service (re-opens its tunnel).
    SwitchProfile {
        /// The service.
        service: String,
        /// The profile.
        profile: String,
    },
    /// Make a strategy (built-in or declared) the default of chain starts, the tray's included.
    DefaultStrategy(String),
    /// Stop every service.
    StopAll,
    /// Show the window.
    Open,
    /// Stop everything and exit.
    Quit,
}

impl MenuAction {
    /// The menu id.
    pub fn id(&self) -> String {
        match self {
            Self::StartChain(s) => format!("start-chain:{s}"),
            Self::StartTag(t) => format!("start-tag:{t}"),
            Self::CopyUrl(s) => format!("copy-url:{s}"),
            Self::Inspect(s) => format!("inspect:{s}"),
            Self::SwitchProfile { service, profile } => format!("profile:{service}:{profile}"),
            Self::DefaultStrategy(s) => format!("strategy:{s}"),
            Self::StopAll => "stop-all".into(),
            Self::Open => "open".into(),
            Self::Quit => "quit".into(),
        }
    }

    /// The action of a menu id (`None` for ids that do nothing, like the status line).
    pub fn parse(id: &str) -> Option<Self> {
        match id.split_once(':') {
            Some(("start-chain", s)) => Some(Self::StartChain(s.to_owned())),
            Some(("start-tag", t)) => Some(Self::StartTag(t.to_owned())),
            Some(("copy-url", s)) => Some(Self::CopyUrl(s.to_owned())),
            Some(("inspect", s)) => Some(Self::Inspect(s.to_owned())),
            Some(("strategy", s)) => Some(Self::DefaultStrategy(s.to_owned())),
            Some(("profile", rest)) => {
                let (service, profile) = rest.split_once(':')?;
                Some(Self::SwitchProfile { service: service.to_owned(), profile: profile.to_owned() })
            }
            Some(_) => None,
            None => match id {
                "stop-all" => Some(Self::StopAll),
                "open" => Some(Self::Open),
                "quit" => Some(Self::Quit),
                _ => None,
            },
        }
    }
}

/// One entry of the menu.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    /// Disabled text.
    Label(String),
    /// A clickable item.
    Item {
        /// Its action.
        action: MenuAction,
        /// Its text.
        label: String,
    },
    /// A radio-like item with a check mark.
    Check {
        /// Its action.
        action: MenuAction,
        /// Its text.
        label: String,
        /// Whether it is the current choice.
        checked: bool,
    },
    /// A submenu.
    Submenu {
        /// Its text.
        label: String,
        /// Its entries.
        entries: Vec<Entry>,
    },
    /// A line.
    Separator,
}

/// What the menu and the icon are made from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrayState {
    /// Every service.
    pub services: Vec<ServiceStatus>,
    /// Every tunnel.
    pub tunnels: Vec<TunnelInfo>,
    /// Every profile.
    pub profiles: Vec<ProfileInfo>,
    /// What is being done about a previous host's leftovers.
    pub reconciliation: Reconciliation,
    /// Every strategy the host knows (built-in and declared), and the default one.
    pub settings: Option<Settings>,
}

/// The aggregate health the tray icon shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Health {
    /// Nothing runs.
    Idle,
    /// Everything that runs is ready.
    Ready,
    /// Something is starting or stopping.
    Starting,
    /// Something failed.
    Failed,
}

impl TrayState {
    /// Failed beats starting beats ready.
    pub fn health(&self) -> Health {
        let has = |s: ServiceState| self.services.iter().any(|x| x.state == s);
        if has(ServiceState::Failed) {
            Health::Failed
        } else if has(ServiceState::Starting) || has(ServiceState::Stopping) {
            Health::Starting
        } else if has(ServiceState::Ready) {
            Health::Ready
        } else {
            Health::Idle
        }
    }

    /// `3/5 services ready · 1 completed · 1 tunnel open` (completed one-shots counted when there
    /// are any), `· 2 to restart to apply changes` when running services run an older
    /// definition, and while a previous host's leftovers are being
    /// stopped, `· stopping 2 left by a previous host`.
    pub fn status_line(&self) -> String {
        let ready = self.services.iter().filter(|s| s.state == ServiceState::Ready).count();
        let open = self.tunnels.iter().filter(|t| t.status == TunnelStatus::Open).count();
        let plural = if open == 1 { "" } else { "s" };
        let completed = self.services.iter().filter(|s| s.state == ServiceState::Completed).count();
        let completed = if completed > 0 { format!(" · {completed} completed") } else { String::new() };
        let mut line =
            format!("{ready}/{} services ready{completed} · {open} tunnel{plural} open", self.services.len());
        let to_restart = self.services.iter().filter(|s| s.restart_to_apply).count();
        if to_restart > 0 {
            line.push_str(&format!(" · {to_restart} to restart to apply changes"));
        }
        if !self.reconciliation.remaining.is_empty() {
            line.push_str(&format!(" · stopping {} left by a previous host", self.reconciliation.remaining.len()));
        }
        line
    }

    /// The whole menu.
    pub fn menu(&self, owns_host: bool) -> Vec<Entry> {
        let start = self
            .services
            .iter()
            .map(|s| Entry::Item {
                action: MenuAction::StartChain(s.name.clone()),
                label: format!("{} ({})", s.name, s.state),
            })
            .collect::<Vec<_>>();
        // Then each tag: its services' chains as one start.
        let mut tags: Vec<&str> = self.services.iter().flat_map(|s| s.tags.iter().map(String::as_str)).collect();
        tags.sort_unstable();
        tags.dedup();
        let mut start = start;
        if !tags.is_empty() && !start.is_empty() {
            start.push(Entry::Separator);
        }
        start.extend(tags.into_iter().map(|tag| {
            let n = self.services.iter().filter(|s| s.tags.iter().any(|t| t == tag)).count();
            Entry::Item {
                action: MenuAction::StartTag(tag.to_owned()),
                label: format!("tag {tag} ({n} service{})", if n == 1 { "" } else { "s" }),
            }
        }));
        let mut tunnels = self
            .tunnels
            .iter()
            .filter_map(|t| {
                let url = t.public_url.as_ref()?;
                Some(Entry::Item {
                    action: MenuAction::CopyUrl(t.service.clone()),
                    label: format!("{} — {url}", t.service),
                })
            })
            .collect::<Vec<_>>();
        // Every tunnel that exists has a recording proxy, open or still opening.
        let inspect = self.tunnels.iter().map(|t| Entry::Item {
            action: MenuAction::Inspect(t.service.clone()),
            label: format!("Inspect {}", t.service),
        });
        if !self.tunnels.is_empty() && !tunnels.is_empty() {
            tunnels.push(Entry::Separator);
        }
        tunnels.extend(inspect);
        let default = self.profiles.iter().find(|p| p.is_default).map(|p| p.spec.name.clone());
        let profiles = self
            .services
            .iter()
            .filter(|s| s.port.is_some() && !self.profiles.is_empty())
            .map(|s| {
                let current = s.tunnel_profile.clone().or_else(|| default.clone());
                Entry::Submenu {
                    label: s.name.clone(),
                    entries: self
                        .profiles
                        .iter()
                        .map(|p| Entry::Check {
                            action: MenuAction::SwitchProfile { service: s.name.clone(), profile: p.spec.name.clone() },
                            label: format!("{} ({})", p.spec.name, p.spec.provider),
                            checked: current.as_deref() == Some(p.spec.name.as_str()),
                        })
                        .collect(),
                }
            })
            .collect::<Vec<_>>();
        let strategies = self
            .settings
            .iter()
            .flat_map(|settings| {
                settings.strategies.iter().map(|name| Entry::Check {
                    action: MenuAction::DefaultStrategy(name.clone()),
                    label: name.clone(),
                    checked: *name == settings.default_strategy,
                })
            })
            .collect::<Vec<_>>();
        let or_none = |entries: Vec<Entry>, none: &str| {
            if entries.is_empty() { vec![Entry::Label(none.to_owned())] } else { entries }
        };
        vec![
            Entry::Label(self.status_line()),
            Entry::Separator,
            Entry::Submenu { label: "Start chain".into(), entries: or_none(start, "no services") },
            Entry::Submenu { label: "Tunnels".into(), entries: or_none(tunnels, "no tunnels") },
            Entry::Submenu { label: "Profiles".into(), entries: or_none(profiles, "no services with a port") },
            Entry::Submenu { label: "Start strategy".into(), entries: or_none(strategies, "the host did not answer") },
            Entry::Separator,
            Entry::Item { action: MenuAction::StopAll, label: "Stop all".into() },
            Entry::Item { action: MenuAction::Open, label: "Open nexsock".into() },
            Entry::Item {
                action: MenuAction::Quit,
                label: if owns_host { "Quit".into() } else { "Quit (the headless host keeps running)".into() },
            },
        ]
    }
}
