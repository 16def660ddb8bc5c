//! The state directory is ours: every directory and file nexsock keeps state in goes through here.
//! An existing one is looked at with lstat and refused when it is a symbolic link, not what it
//! should be, or owned by another user; files are opened without following links and created
//! 0600, directories 0700, whatever the umask. What is ours but too open (made by an older
//! nexsock, or under a looser umask) is tightened, with one log line.
//!
//! Windows: only links and kinds are checked; the owner (SID) and the DACL are not.

use std::{
    fmt,
    fs::{File, OpenOptions},
    io::Write,
    path::{Path, PathBuf},
};

use crate::paths::Paths;

/// What a path in the state directory should be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A directory (mode 0700).
    Directory,
    /// A regular file (mode 0600).
    File,
}

impl Kind {
    fn noun(self) -> &'static str {
        match self {
            Self::Directory => "directory",
            Self::File => "file",
        }
    }

    /// The only mode nexsock gives it.
    pub fn mode(self) -> u32 {
        match self {
            Self::Directory => 0o700,
            Self::File => 0o600,
        }
    }
}

/// Why an existing path is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// A symbolic link: writing through it would write wherever it points.
    Symlink,
    /// Something else than a directory or a regular file (a FIFO, a socket, a device).
    WrongKind(Kind),
    /// Another user owns it, and could change or replace what is in it.
    ForeignOwner {
        /// Its owner's uid.
        owner: u32,
        /// Our effective uid.
        us: u32,
    },
    /// A file with other names elsewhere: writing to it changes them too.
    HardLinked {
        /// How many names it has.
        links: u64,
    },
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Symlink => {
                write!(f, "it is a symbolic link, and nexsock never writes through one in its state; remove it")
            }
            Self::WrongKind(kind) => write!(f, "it is not a {}; remove it", kind.noun()),
            Self::ForeignOwner { owner, us } => write!(
                f,
                "it is owned by uid {owner}, not you (uid {us}); remove it or set {} to a directory of yours",
                crate::paths::HOME_ENV
            ),
            Self::HardLinked { links } => write!(f, "it has {links} hard links, not one; remove it"),
        }
    }
}

/// A path in the state directory that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// It exists and is not safe to use; the problem says how to fix it.
    #[error("refusing the state {} {}: {problem}", kind.noun(), path.display())]
    Refused {
        /// The path.
        path: PathBuf,
        /// What it should have been.
        kind: Kind,
        /// What is wrong with it.
        problem: Problem,
    },
    /// The file system failed.
    #[error("cannot {action} {}: {source}", path.display())]
    Io {
        /// What was being done ("create", "open", ...).
        action: &'static str,
        /// The path.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
}

impl StateError {
    fn io(action: &'static str, path: &Path, source: std::io::Error) -> Self {
        Self::Io { action, path: path.to_owned(), source }
    }

    fn refused(path: &Path, kind: Kind, problem: Problem) -> Self {
        Self::Refused { path: path.to_owned(), kind, problem }
    }
}

/// What lstat (or fstat) says of an existing entry, as far as the verdict needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    /// What it is.
    pub found: Found,
    /// Owner uid.
    pub uid: u32,
    /// Permission bits (`mode & 0o7777`).
    pub mode: u32,
    /// Number of hard links.
    pub links: u64,
}

/// The kind of an existing entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Found {
    /// A symbolic link (never followed).
    Symlink,
    /// A directory.
    Directory,
    /// A regular file.
    File,
    /// A FIFO, socket or device.
    Other,
}

/// What to do with an existing entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Use it as it is.
    Fine,
    /// Ours, but group or others have access: set its mode to `to`.
    Tighten {
        /// Its mode now.
        from: u32,
        /// The mode to give it.
        to: u32,
    },
    /// Do not touch it.
    Refuse(Problem),
}

/// The rule, as a function of the entry and our effective uid `us`: links, other kinds and other
/// users' entries are refused; ours is tightened to 0700/0600 when group or others have any bit.
pub fn judge(entry: &Entry, expected: Kind, us: u32) -> Verdict {
    let kind_matches = match (entry.found, expected) {
        (Found::Symlink, _) => return Verdict::Refuse(Problem::Symlink),
        (Found::Directory, Kind::Directory) | (Found::File, Kind::File) => true,
        (Found::Directory | Found::File | Found::Other, _) => false,
    };
    if !kind_matches {
        return Verdict::Refuse(Problem::WrongKind(expected));
    }
    if entry.uid != us {
        return Verdict::Refuse(Problem::ForeignOwner { owner: entry.uid, us });
    }
    if expected == Kind::File && entry.links > 1 {
        return Verdict::Refuse(Problem::HardLinked { links: entry.links });
    }
    if entry.mode & 0o077 != 0 {
        return Verdict::Tighten { from: entry.mode, to: expected.mode() };
    }
    Verdict::Fine
}

/// How a state file is opened. Every way creates a missing file 0600 (except `Existing`) and never
/// follows a link at the path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Appended to, created when missing (logs).
    Append,
    /// Read and written, created when missing, never truncated (the lock, the database).
    ReadWrite,
    /// Written from the start, created when missing (small records).
    Replace,
    /// Created; fails when it exists (temporary files).
    CreateNew,
    /// Read, only when it exists.
    Existing,
}

impl Access {
    fn options(self) -> OpenOptions {
        let mut o = OpenOptions::new();
        match self {
            Self::Append => o.append(true).create(true),
            Self::ReadWrite => o.read(true).write(true).create(true).truncate(false),
            Self::Replace => o.write(true).create(true).truncate(true),
            Self::CreateNew => o.write(true).create_new(true),
            Self::Existing => o.read(true),
        };
        o
    }
}

/// Makes sure `dir` is a directory of ours with mode 0700: created (parents too) when missing,
/// tightened when ours but open to others.
///
/// # Errors
/// [`StateError::Refused`] when it is a link, not a directory or another user's.
pub fn ensure_dir(dir: &Path) -> Result<(), StateError> {
    if inspect(dir, Kind::Directory)?.is_none() {
        os::create_dir(dir)?;
    }
    os::settle_dir(dir)
}

/// Opens the state file at `path` as `access` says, after checking what is there.
///
/// # Errors
/// [`StateError::Refused`] when it is a link, not a regular file, another user's or hard-linked.
pub fn open(path: &Path, access: Access) -> Result<File, StateError> {
    inspect(path, Kind::File)?;
    let mut options = access.options();
    os::no_follow(&mut options);
    let file = options.open(path).map_err(|e| os::open_error(path, Kind::File, e))?;
    os::settle(&file, path, Kind::File)?;
    Ok(file)
}

/// Writes `bytes` to the state file at `path` (opened as `access`: `Replace` or `CreateNew`).
///
/// # Errors
/// As [`open`], and when writing fails.
pub fn write(path: &Path, bytes: &[u8], access: Access) -> Result<(), StateError> {
    open(path, access)?.write_all(bytes).map_err(|e| StateError::io("write", path, e))
}

/// Checks (and tightens) the file at `path` when it exists; a missing file is fine.
///
/// # Errors
/// As [`open`].
pub fn secure_existing(path: &Path) -> Result<(), StateError> {
    match inspect(path, Kind::File)? {
        Some(_) => open(path, Access::Existing).map(drop),
        None => Ok(()),
    }
}

/// Checks the state of a host before it takes the lock: the directories (created when missing)
/// and every file it keeps there (service logs and provider records included), tightening what is
/// ours. The database is checked once the lock is taken ([`secure_database`]).
///
/// # Errors
/// The first [`StateError`] met.
pub fn secure(paths: &Paths) -> Result<(), StateError> {
    for dir in [&paths.home, &paths.runtime, &paths.logs(), &paths.agents()] {
        ensure_dir(dir)?;
    }
    for file in [paths.host_log(), paths.config(), paths.lock()] {
        secure_existing(&file)?;
    }
    for (dir, extension) in [(paths.logs(), "log"), (paths.agents(), "json")] {
        let entries = std::fs::read_dir(&dir).map_err(|e| StateError::io("read", &dir, e))?;
        for entry in entries {
            let path = entry.map_err(|e| StateError::io("read", &dir, e))?.path();
            if path.extension().is_some_and(|e| e == extension) {
                secure_existing(&path)?;
            }
        }
    }
    Ok(())
}

/// Before SQLite opens it: checks the database and the `-wal` and `-shm` files SQLite keeps next
/// to it, and creates the database (0600) when missing, so that SQLite, which gives its other
/// files the database's mode, never creates one under the umask.
///
/// # Errors
/// As [`open`].
pub fn secure_database(db: &Path) -> Result<(), StateError> {
    let [db, wal, shm] = database_files(db);
    secure_existing(&wal)?;
    secure_existing(&shm)?;
    open(&db, Access::ReadWrite).map(drop)
}

/// After SQLite opened it: the same checks by lstat and chmod alone. Opening and closing a file of
/// an open database would drop SQLite's POSIX locks on it, which belong to the process.
///
/// # Errors
/// As [`open`].
pub fn secure_open_database(db: &Path) -> Result<(), StateError> {
    for file in database_files(db) {
        if let Some(entry) = inspect(&file, Kind::File)? {
            os::tighten_in_place(&file, &entry)?;
        }
    }
    Ok(())
}

fn database_files(db: &Path) -> [PathBuf; 3] {
    let with = |suffix: &str| {
        let mut name = db.as_os_str().to_owned();
        name.push(suffix);
        PathBuf::from(name)
    };
    [db.to_owned(), with("-wal"), with("-shm")]
}

/// lstat `path`: `None` when missing; refused when the verdict says so.
fn inspect(path: &Path, kind: Kind) -> Result<Option<Entry>, StateError> {
    let meta = match std::fs::symlink_metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(StateError::io("inspect", path, e)),
    };
    let entry = os::entry(&meta);
    match judge(&entry, kind, os::us()) {
        Verdict::Refuse(problem) => Err(StateError::refused(path, kind, problem)),
        Verdict::Fine | Verdict::Tighten { .. } => Ok(Some(entry)),
    }
}

#[cfg(unix)]
#[path = "unix.rs"]
mod os;

#[cfg(not(unix))]
#[path = "windows.rs"]
mod os;

#[cfg(all(test, unix))]
mod tests;
