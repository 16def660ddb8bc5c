//! lstat/fstat, O_NOFOLLOW and fchmod: checks made on the open descriptor, so that what is
//! checked is what is used.

use std::{
    fs::{File, Metadata, OpenOptions, Permissions},
    os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt},
    path::Path,
};

use nix::{errno::Errno, fcntl::OFlag};

use super::{Entry, Found, Kind, Problem, StateError, Verdict, judge};

pub(super) fn us() -> u32 {
    nix::unistd::geteuid().as_raw()
}

pub(super) fn entry(meta: &Metadata) -> Entry {
    let t = meta.file_type();
    let found = if t.is_symlink() {
        Found::Symlink
    } else if t.is_dir() {
        Found::Directory
    } else if t.is_file() {
        Found::File
    } else {
        Found::Other
    };
    Entry { found, uid: meta.uid(), mode: meta.mode() & 0o7777, links: meta.nlink() }
}

pub(super) fn no_follow(options: &mut OpenOptions) {
    options.mode(Kind::File.mode()).custom_flags(OFlag::O_NOFOLLOW.bits());
}

/// An open that failed on a link (ELOOP) or a non-directory (ENOTDIR) is a refusal.
pub(super) fn open_error(path: &Path, kind: Kind, e: std::io::Error) -> StateError {
    match e.raw_os_error().map(Errno::from_raw) {
        Some(Errno::ELOOP) => StateError::refused(path, kind, Problem::Symlink),
        Some(Errno::ENOTDIR) if kind == Kind::Directory => StateError::refused(path, kind, Problem::WrongKind(kind)),
        _ => StateError::io("open", path, e),
    }
}

/// Creates `dir` 0700 (its parents as the umask says); one created meanwhile is fine.
pub(super) fn create_dir(dir: &Path) -> Result<(), StateError> {
    if let Some(parent) = dir.parent() {
        std::fs::create_dir_all(parent).map_err(|e| StateError::io("create", parent, e))?;
    }
    match std::fs::DirBuilder::new().mode(Kind::Directory.mode()).create(dir) {
        Err(e) if e.kind() != std::io::ErrorKind::AlreadyExists => Err(StateError::io("create", dir, e)),
        _ => Ok(()),
    }
}

/// Opens `dir` itself (never a link) and settles it.
pub(super) fn settle_dir(dir: &Path) -> Result<(), StateError> {
    let handle = OpenOptions::new()
        .read(true)
        .custom_flags((OFlag::O_NOFOLLOW | OFlag::O_DIRECTORY).bits())
        .open(dir)
        .map_err(|e| open_error(dir, Kind::Directory, e))?;
    settle(&handle, dir, Kind::Directory)
}

/// Judges what `file` (open) is, and tightens it when it is ours but too open.
pub(super) fn settle(file: &File, path: &Path, kind: Kind) -> Result<(), StateError> {
    let meta = file.metadata().map_err(|e| StateError::io("inspect", path, e))?;
    match judge(&entry(&meta), kind, us()) {
        Verdict::Fine => Ok(()),
        Verdict::Refuse(problem) => Err(StateError::refused(path, kind, problem)),
        Verdict::Tighten { from, to } => {
            file.set_permissions(Permissions::from_mode(to)).map_err(|e| StateError::io("chmod", path, e))?;
            tightened(path, from, to);
            Ok(())
        }
    }
}

/// Tightens the file at `path`, found by lstat as `entry` (so not a link), by its path.
pub(super) fn tighten_in_place(path: &Path, entry: &Entry) -> Result<(), StateError> {
    if let Verdict::Tighten { from, to } = judge(entry, Kind::File, us()) {
        std::fs::set_permissions(path, Permissions::from_mode(to)).map_err(|e| StateError::io("chmod", path, e))?;
        tightened(path, from, to);
    }
    Ok(())
}

fn tightened(path: &Path, from: u32, to: u32) {
    tracing::info!("tightened {} from mode {from:04o} to {to:04o}: only you may use it", path.display());
}
