//! Windows: links and kinds only. The owner (a SID) and the DACL are not checked; the
//! per-user profile directory nexsock uses by default is private to the user already.

use std::{
    fs::{File, Metadata, OpenOptions},
    path::Path,
};

use super::{Entry, Found, Kind, StateError};

pub(super) fn us() -> u32 {
    0
}

pub(super) fn entry(meta: &Metadata) -> Entry {
    let t = meta.file_type();
    let (found, mode) = if t.is_symlink() {
        (Found::Symlink, 0)
    } else if t.is_dir() {
        (Found::Directory, Kind::Directory.mode())
    } else if t.is_file() {
        (Found::File, Kind::File.mode())
    } else {
        (Found::Other, 0)
    };
    Entry { found, uid: 0, mode, links: 1 }
}

pub(super) fn no_follow(_options: &mut OpenOptions) {}

pub(super) fn open_error(path: &Path, _kind: Kind, e: std::io::Error) -> StateError {
    StateError::io("open", path, e)
}

pub(super) fn create_dir(dir: &Path) -> Result<(), StateError> {
    std::fs::create_dir_all(dir).map_err(|e| StateError::io("create", dir, e))
}

/// Checked again by lstat: Windows cannot open a directory as a file.
pub(super) fn settle_dir(dir: &Path) -> Result<(), StateError> {
    super::inspect(dir, Kind::Directory).map(drop)
}

pub(super) fn settle(_file: &File, _path: &Path, _kind: Kind) -> Result<(), StateError> {
    Ok(())
}

/// Modes are not Windows'.
pub(super) fn tighten_in_place(_path: &Path, _entry: &Entry) -> Result<(), StateError> {
    Ok(())
}
