//! The command line's shape (clap). One verb name per engine request.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use clap_complete::Shell;

/// nexsock: start local services with their dependency chains, watch them, expose them.
#[derive(Debug, Parser)]
#[command(name = "nexsock", version, about, propagate_version = true)]
pub struct Cli {
    /// Print machine-readable JSON instead of tables.
    #[arg(long, global = true)]
    pub json: bool,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Top-level commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the host in the foreground (the headless equivalent of the desktop app).
    Daemon,
    /// Stop every service and the host.
    Shutdown,
    /// Manage services.
    #[command(subcommand)]
    Service(ServiceCommand),
    /// Manage dependencies between services.
    #[command(subcommand)]
    Dependency(DependencyCommand),
    /// Tunnel profiles: accounts or servers of a tunnel provider.
    #[command(subcommand)]
    Profile(ProfileCommand),
    /// Public tunnels to services.
    #[command(subcommand)]
    Tunnel(TunnelCommand),
    /// Startup strategies of chain starts.
    #[command(subcommand)]
    Strategy(StrategyCommand),
    /// Create or update the services and dependencies a stack file declares, in one transaction.
    Apply {
        /// The stack file (TOML).
        #[arg(short = 'f', long = "file", value_name = "FILE")]
        file: std::path::PathBuf,
        /// Print what would change, and change nothing.
        #[arg(long)]
        dry_run: bool,
        /// Also remove the services the file no longer declares (stopped ones; a running one is
        /// an error, and nothing changes).
        #[arg(long)]
        prune: bool,
    },
    /// Print the current services and dependencies as a stack file (to FILE with -o). Working
    /// directories are written relative to the file's directory, defaults are left out, and
    /// secret-looking values are written as `${NAME}` references unless --include-secrets.
    Export {
        /// Write the stack file here instead of stdout.
        #[arg(short = 'o', long = "output", value_name = "FILE")]
        output: Option<PathBuf>,
        /// Write secret-looking values (tokens, keys, passwords) as they are.
        #[arg(long)]
        include_secrets: bool,
    },
    /// Create or update services and dependencies from a process-compose file, a Procfile or a
    /// Compose file, in one transaction; report what changed and every field not mapped.
    Import {
        /// The file (process-compose.yaml, Procfile, compose.yaml, ...).
        file: PathBuf,
        /// Its format; detected from its name and content when not given.
        #[arg(long, value_name = "FORMAT", value_parser = ["process-compose", "procfile", "compose"])]
        format: Option<String>,
        /// Validate and report what would change, and change nothing.
        #[arg(long)]
        dry_run: bool,
        /// Procfile only: give each process a PORT, from N up in steps of 100 (as foreman).
        #[arg(long, value_name = "N")]
        port_base: Option<u16>,
    },
    /// The chain the desktop app starts when it starts at login: shown without arguments, set
    /// with service names, cleared with --clear.
    LoginChain {
        /// Comma-separated service names, e.g. "web,worker".
        names: Option<String>,
        /// Start nothing at login.
        #[arg(long, conflicts_with = "names")]
        clear: bool,
        #[command(flatten)]
        chain: ChainArgs,
    },
    /// Who holds a TCP port (a service, an orphan of an earlier run, or another process) and
    /// which services declare it.
    Port {
        /// The port (1–65535).
        #[arg(value_parser = clap::value_parser!(u16).range(1..))]
        port: u16,
    },
    /// Stream the host's events as they happen, one a line with its local time (`--json`: one
    /// JSON object a line, with `at_ms`). Services' output lines only with --logs.
    Events {
        /// Only events about this service (its state, logs, dependencies, tunnel).
        #[arg(long, value_name = "NAME")]
        service: Option<String>,
        /// Also the services' output lines (`Log` events).
        #[arg(long)]
        logs: bool,
        /// Only events of these types, as `--json` names them (`ServiceChanged`, `TunnelFailed`);
        /// repeat it or separate them with commas.
        #[arg(long = "type", value_name = "TYPE", value_delimiter = ',')]
        types: Vec<String>,
    },
    /// Print a shell completion script.
    Completions {
        /// bash, zsh, fish, elvish or powershell.
        shell: Shell,
    },
}

/// `nexsock service ...`
#[derive(Debug, Subcommand)]
pub enum ServiceCommand {
    /// Register a service.
    Add(AddArgs),
    /// Forget a stopped service.
    Remove {
        /// Service name.
        name: String,
    },
    /// List services with their state.
    List {
        /// Only the services of this group.
        #[arg(long, value_name = "NAME")]
        tag: Option<String>,
    },
    /// Show one service's configuration and state.
    Status {
        /// Service name.
        name: String,
        /// Show the values of secret-looking variables (tokens, keys, passwords).
        #[arg(long)]
        reveal: bool,
    },
    /// Change a service's definition; a running process keeps the old one until it restarts
    /// (`list` and `status` say `restart to apply`).
    Edit(EditArgs),
    /// Show a service's output.
    Logs {
        /// Service name.
        name: String,
        /// Keep printing new lines.
        #[arg(short, long)]
        follow: bool,
        /// Only the last N lines.
        #[arg(long, value_name = "N")]
        tail: Option<usize>,
        /// Start each line with its local time (`2026-12-08 12:01:03.123`).
        #[arg(short = 't', long)]
        timestamps: bool,
    },
    /// Start services and wait until they are ready (with --smart, as one chain).
    Start {
        /// Service names, separated by spaces or commas.
        #[arg(required = true, value_delimiter = ',', num_args = 1..)]
        names: Vec<String>,
        /// Start its whole dependency chain first, by a strategy (implied by --strategy and
        /// --max-concurrent).
        #[arg(long)]
        smart: bool,
        /// Open a public tunnel to it once it is ready.
        #[arg(long)]
        tunnel: bool,
        /// First stop whatever holds its port when nexsock started it (a service, or an orphan of
        /// an earlier run); another program is only named, unless --kill-holder.
        #[arg(long)]
        free_port: bool,
        /// With --free-port: also end a program nexsock did not start (SIGTERM, then SIGKILL
        /// after 5 s).
        #[arg(long, requires = "free_port")]
        kill_holder: bool,
        #[command(flatten)]
        chain: ChainArgs,
    },
    /// Start a service with its whole dependency chain (the default strategy unless --strategy).
    StartChain {
        /// Service name.
        name: String,
        #[command(flatten)]
        chain: ChainArgs,
    },
    /// Start several services with the union of their chains, each service once.
    StartBatch {
        /// Service names, separated by spaces or commas: "web-api,worker" or web-api worker.
        #[arg(required_unless_present = "tag", value_delimiter = ',', num_args = 1..)]
        names: Vec<String>,
        /// Also every service of this group (repeatable or comma-separated).
        #[arg(long, value_name = "NAME", value_delimiter = ',')]
        tag: Vec<String>,
        #[command(flatten)]
        chain: ChainArgs,
    },
    /// Per-service settings: the tunnel profile it uses.
    Config {
        /// Service name.
        name: String,
        /// Tunnel profile for this service (any provider; the flag keeps the familiar name).
        #[arg(
            long = "ngrok-profile",
            visible_alias = "tunnel-profile",
            value_name = "PROFILE",
            required_unless_present = "default_profile"
        )]
        profile: Option<String>,
        /// Go back to the default profile.
        #[arg(long, conflicts_with = "profile")]
        default_profile: bool,
    },
    /// The environment the service gets.
    /// The environment a service gets at its next start: its own variables, the tunnel URLs and
    /// aliases its dependencies inject, and what nexsock adds. Secret-looking values are masked.
    Env {
        /// Service name.
        name: String,
        /// Show the values of secret-looking variables (tokens, keys, passwords).
        #[arg(long)]
        reveal: bool,
        /// Only the tunnel URLs and aliases injected by its dependencies.
        #[arg(long)]
        show_tunnel_vars: bool,
    },
    /// Recent chain starts that included a service.
    History {
        /// Service name.
        name: String,
        /// How many executions.
        #[arg(long, default_value_t = 10)]
        limit: usize,
    },
    /// Stop a service (SIGTERM to its process group, SIGKILL after the grace period).
    Stop {
        /// Service names, separated by spaces or commas.
        #[arg(required_unless_present = "all", conflicts_with = "all", value_delimiter = ',', num_args = 1..)]
        names: Vec<String>,
        /// Stop every service.
        #[arg(long)]
        all: bool,
        /// Stop its dependents first, in reverse dependency order.
        #[arg(long, conflicts_with = "all")]
        cascade: bool,
    },
    /// Stop, then start, services.
    Restart {
        /// Service names, separated by spaces or commas.
        #[arg(required = true, value_delimiter = ',', num_args = 1..)]
        names: Vec<String>,
        /// Verify its dependencies are ready first, starting those that are not.
        #[arg(long)]
        check_deps: bool,
    },
}

/// How a chain start is run.
#[derive(Debug, Clone, Args)]
pub struct ChainArgs {
    /// sequential, parallel-safe, concurrent (default) or critical-path.
    #[arg(long)]
    pub strategy: Option<String>,
    /// At most this many services starting at once (per level for parallel-safe).
    #[arg(long, value_name = "N")]
    pub max_concurrent: Option<usize>,
    /// Run this one-shot again although it completed since its definition last changed;
    /// repeatable or comma-separated.
    #[arg(long, value_name = "NAME", value_delimiter = ',')]
    pub rerun: Vec<String>,
    /// Seconds the whole chain may take; then what it started that is still starting is
    /// stopped and it ends timed out.
    #[arg(long, value_name = "SECS")]
    pub timeout: Option<u64>,
    /// At the first failure start nothing more and stop what this chain is still starting.
    #[arg(long, conflicts_with = "keep_going")]
    pub fail_fast: bool,
    /// After a failure, start everything that does not depend on it (the default).
    #[arg(long)]
    pub keep_going: bool,
    /// Ready as soon as spawned: no health check runs (a quick smoke start).
    #[arg(long)]
    pub no_health_checks: bool,
    /// Open no tunnel and inject no tunnel URL (dependents start without them, with a warning).
    #[arg(long)]
    pub no_tunnels: bool,
    /// Print the plan — waves, waits, what is already done, tunnels, taken ports, the expected
    /// time — and start nothing.
    #[arg(long)]
    pub dry_run: bool,
}

impl ChainArgs {
    /// Whether anything here asks for a chain start rather than a plain one.
    pub fn asks_for_a_chain(&self) -> bool {
        self.strategy.is_some()
            || self.max_concurrent.is_some()
            || !self.rerun.is_empty()
            || self.timeout.is_some()
            || self.fail_fast
            || self.keep_going
            || self.no_health_checks
            || self.no_tunnels
            || self.dry_run
    }
}

/// `nexsock service add`
#[derive(Debug, Args)]
pub struct AddArgs {
    /// Letters, digits, `-` and `_`; at most 64 characters.
    pub name: String,
    /// Shell command line that runs the service.
    #[arg(long)]
    pub command: String,
    /// Working directory (default: the current directory).
    #[arg(long)]
    pub cwd: Option<PathBuf>,
    /// Port the service listens on (1–65535).
    #[arg(long)]
    pub port: Option<u32>,
    /// Environment variable KEY=VALUE; repeatable.
    #[arg(long = "env", value_name = "KEY=VALUE")]
    pub env: Vec<String>,
    /// Readiness check: tcp, http:/path, exec:COMMAND or log:REGEX.
    #[arg(long, value_name = "SPEC")]
    pub health: Option<String>,
    /// no, on-failure or always.
    #[arg(long, default_value = "no")]
    pub restart: String,
    /// Seconds the service gets to become ready.
    #[arg(long, value_name = "SECS", default_value_t = nexsock_proto::DEFAULT_STARTUP_TIMEOUT_SECS)]
    pub startup_timeout: u64,
    /// Seconds between SIGTERM and SIGKILL when stopping.
    #[arg(long, value_name = "SECS", default_value_t = nexsock_proto::DEFAULT_STOP_GRACE_SECS)]
    pub stop_grace: u64,
    /// The environment it starts from: login-shell, none or host (default: the host's
    /// `[services] inherit`, itself login-shell by default).
    #[arg(long, value_name = "FROM")]
    pub inherit: Option<String>,
    /// A group it belongs to (`start-batch --tag NAME` starts a group); repeatable or
    /// comma-separated.
    #[arg(long = "tag", value_name = "NAME", value_delimiter = ',')]
    pub tags: Vec<String>,
}

/// `nexsock service edit`: every `add` option, each changing only what it names.
#[derive(Debug, Args)]
pub struct EditArgs {
    /// Service name.
    pub name: String,
    /// Shell command line that runs the service.
    #[arg(long)]
    pub command: Option<String>,
    /// Working directory.
    #[arg(long)]
    pub cwd: Option<PathBuf>,
    /// Port the service listens on (1–65535).
    #[arg(long, conflicts_with = "no_port")]
    pub port: Option<u32>,
    /// Forget the port.
    #[arg(long)]
    pub no_port: bool,
    /// Set an environment variable KEY=VALUE; repeatable.
    #[arg(long = "env", value_name = "KEY=VALUE")]
    pub env: Vec<String>,
    /// Remove an environment variable; repeatable.
    #[arg(long = "unset-env", value_name = "KEY")]
    pub unset_env: Vec<String>,
    /// Readiness check: tcp, http:/path, exec:COMMAND or log:REGEX.
    #[arg(long, value_name = "SPEC", conflicts_with = "no_health")]
    pub health: Option<String>,
    /// Forget the readiness check.
    #[arg(long)]
    pub no_health: bool,
    /// no, on-failure or always.
    #[arg(long)]
    pub restart: Option<String>,
    /// Seconds the service gets to become ready.
    #[arg(long, value_name = "SECS")]
    pub startup_timeout: Option<u64>,
    /// Seconds between SIGTERM and SIGKILL when stopping.
    #[arg(long, value_name = "SECS")]
    pub stop_grace: Option<u64>,
    /// The environment it starts from: login-shell, none, host, or default (the host's setting).
    #[arg(long, value_name = "FROM")]
    pub inherit: Option<String>,
    /// Add it to a group; repeatable or comma-separated.
    #[arg(long = "tag", value_name = "NAME", value_delimiter = ',')]
    pub tags: Vec<String>,
    /// Take it out of a group; repeatable or comma-separated.
    #[arg(long = "untag", value_name = "NAME", value_delimiter = ',')]
    pub untag: Vec<String>,
}

/// `nexsock dependency ...`
#[derive(Debug, Subcommand)]
pub enum DependencyCommand {
    /// Make SERVICE depend on another (or change the options of an existing edge).
    Add(DependencyAddArgs),
    /// Remove an edge.
    Remove {
        /// The dependent.
        service: String,
        /// The dependency.
        #[arg(long)]
        depends_on: String,
    },
    /// A service's direct dependencies and dependents.
    List {
        /// Service name.
        service: String,
    },
    /// A service's whole chain as a tree, with live states.
    Tree {
        /// Service name.
        service: String,
    },
}

/// `nexsock dependency add`
#[derive(Debug, Args)]
pub struct DependencyAddArgs {
    /// The dependent.
    pub service: String,
    /// The dependency.
    #[arg(long)]
    pub depends_on: String,
    /// started, healthy, completed or log (default: healthy when the dependency has a health check, else started).
    #[arg(long)]
    pub condition: Option<String>,
    /// A soft dependency: its failure only warns.
    #[arg(long)]
    pub optional: bool,
    /// Open a public tunnel to the dependency and inject its URL into SERVICE.
    #[arg(long)]
    pub tunnel: bool,
    /// optional (default) or required: whether a tunnel failure fails the start.
    #[arg(long, requires = "tunnel")]
    pub tunnel_mode: Option<String>,
    /// Bound on the wait for this dependency, in seconds.
    #[arg(long, value_name = "SECS")]
    pub timeout: Option<u64>,
    /// Path for an HTTP check of the dependency on this edge.
    #[arg(long, value_name = "/PATH")]
    pub health_path: Option<String>,
    /// Another variable name that receives the tunnel URL.
    #[arg(long, value_name = "NAME")]
    pub env_alias: Option<String>,
    /// When the tunnel comes back with a new URL, keep SERVICE running with the old one instead of
    /// restarting it.
    #[arg(long, requires = "tunnel")]
    pub no_restart_on_new_url: bool,
}

/// `nexsock profile ...`
#[derive(Debug, Subcommand)]
pub enum ProfileCommand {
    /// Add (or replace) a profile.
    Add {
        /// Profile name.
        name: String,
        /// ngrok, cloudflared, localtunnel, bore or command.
        #[arg(long)]
        provider: String,
        /// Refused: ngrok's current agent picks the nearest region itself.
        #[arg(long, hide = true)]
        region: Option<String>,
        /// A reserved ngrok URL, or a self-hosted localtunnel server.
        #[arg(long)]
        url: Option<String>,
        /// bore server, HOST[:7835].
        #[arg(long, value_name = "HOST[:PORT]")]
        server: Option<String>,
        /// The provider's executable, when it is not on PATH.
        #[arg(long, value_name = "PATH")]
        binary: Option<std::path::PathBuf>,
        #[command(flatten)]
        command: Box<CommandProfileArgs>,
    },
    /// Profiles, with whether a token is set (never the token).
    List,
    /// Remove a profile and its token.
    Remove {
        /// Profile name.
        name: String,
    },
    /// Store a profile's token in the OS keyring, read from stdin or a hidden prompt.
    SetToken {
        /// Profile name.
        name: String,
    },
    /// Make a profile the default.
    Default {
        /// Profile name.
        name: String,
    },
}

/// The settings of a `--provider command` profile: any tool that prints a URL.
#[derive(Debug, Args)]
pub struct CommandProfileArgs {
    /// The tool's command line, split like a shell would (no shell runs it); `{port}` (required),
    /// `{host}` and `{service}` are substituted, e.g. "ssh -R 80:{host}:{port} nokey@localhost.run".
    #[arg(long, value_name = "TEMPLATE")]
    pub command: Option<String>,
    /// A regex; the first output line it matches gives the URL (its first group, else the match).
    #[arg(long, value_name = "REGEX")]
    pub url_pattern: Option<String>,
    /// The variable through which the tool gets the profile's token (`profile set-token`); the
    /// token never goes on its command line.
    #[arg(long, value_name = "VAR")]
    pub token_env: Option<String>,
    /// Seconds the tool gets to print its URL (default 30).
    #[arg(long, value_name = "SECS")]
    pub url_timeout: Option<u64>,
}

/// `nexsock strategy ...`
#[derive(Debug, Subcommand)]
pub enum StrategyCommand {
    /// The strategies the host knows, the default marked.
    List,
    /// Make a strategy the default of chain starts that name none (the tray's too).
    Default {
        /// sequential, parallel-safe, concurrent, critical-path, or a declared one.
        name: String,
    },
    /// Declare a strategy: a built-in one whose --priority services start before any other
    /// startable service (kept in config.toml).
    Add {
        /// Its name: letters, digits, `-` and `_`; not a built-in's.
        name: String,
        /// The built-in it adjusts: sequential, parallel-safe, concurrent or critical-path.
        #[arg(long)]
        base: String,
        /// Comma-separated services that start first, the first listed first, e.g. "db,cache".
        #[arg(long, value_name = "A,B,...", value_delimiter = ',')]
        priority: Vec<String>,
        /// At most this many services starting at once, unless the chain start names a bound.
        #[arg(long, value_name = "N")]
        max_concurrent: Option<usize>,
    },
    /// Change a declared strategy: only what the flags name.
    Edit {
        /// A declared strategy's name.
        name: String,
        /// The built-in it adjusts.
        #[arg(long)]
        base: Option<String>,
        /// Comma-separated services that start first (replaces the list; "" empties it).
        #[arg(long, value_name = "A,B,...", value_delimiter = ',')]
        priority: Option<Vec<String>>,
        /// At most this many services starting at once.
        #[arg(long, value_name = "N", conflicts_with = "no_max_concurrent")]
        max_concurrent: Option<usize>,
        /// No bound of its own.
        #[arg(long)]
        no_max_concurrent: bool,
    },
    /// Forget a declared strategy (a default that named it falls back to concurrent).
    Remove {
        /// A declared strategy's name.
        name: String,
    },
}

/// `nexsock tunnel ...`
#[derive(Debug, Subcommand)]
pub enum TunnelCommand {
    /// Tunnels: service, provider, profile, public URL, status, last check.
    List,
    /// Open a tunnel to a service's port.
    Open {
        /// Service name.
        service: String,
        /// Profile; the service's, else the default.
        #[arg(long)]
        profile: Option<String>,
    },
    /// Close a service's tunnel.
    Close {
        /// Service name.
        service: String,
    },
    /// Show a service's public URL as a QR code in the terminal.
    Qr {
        /// Service name.
        service: String,
    },
    /// The requests that came through a service's tunnel, newest last (the last 500 are kept in
    /// the host's memory); `--json` gives headers and bodies.
    Requests {
        /// Service name.
        service: String,
        /// Only the newest N.
        #[arg(long, value_name = "N")]
        limit: Option<usize>,
        /// Keep printing new requests as they come.
        #[arg(short, long)]
        follow: bool,
        /// Show the values of sensitive headers (Authorization, Cookie, ...).
        #[arg(long)]
        reveal: bool,
    },
    /// Send a recorded request again straight to the service (not through the public URL); it is
    /// recorded as a new request, a replay of ID.
    Replay {
        /// Service name.
        service: String,
        /// The request's id (see `nexsock tunnel requests`).
        id: u64,
        /// Show the values of sensitive headers.
        #[arg(long)]
        reveal: bool,
    },
}
