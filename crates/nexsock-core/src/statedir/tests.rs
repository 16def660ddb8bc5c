//! The verdict as a table, and the checks against a real file system (links, another user's
//! directory, loose modes).

#![allow(clippy::unwrap_used)]

use std::os::unix::fs::{MetadataExt, PermissionsExt, symlink};

use rstest::rstest;

use super::*;

const US: u32 = 1000;

fn entry(found: Found, uid: u32, mode: u32, links: u64) -> Entry {
    Entry { found, uid, mode, links }
}

#[rstest]
#[case::own_private_dir(entry(Found::Directory, US, 0o700, 2), Kind::Directory, Verdict::Fine)]
#[case::own_private_file(entry(Found::File, US, 0o600, 1), Kind::File, Verdict::Fine)]
#[case::own_read_only_file(entry(Found::File, US, 0o400, 1), Kind::File, Verdict::Fine)]
#[case::own_open_dir(entry(Found::Directory, US, 0o777, 2), Kind::Directory, Verdict::Tighten { from: 0o777, to: 0o700 })]
#[case::own_readable_file(entry(Found::File, US, 0o644, 1), Kind::File, Verdict::Tighten { from: 0o644, to: 0o600 })]
#[case::own_group_writable_file(entry(Found::File, US, 0o664, 1), Kind::File, Verdict::Tighten { from: 0o664, to: 0o600 })]
#[case::symlink(entry(Found::Symlink, US, 0o777, 1), Kind::File, Verdict::Refuse(Problem::Symlink))]
#[case::symlink_for_a_dir(entry(Found::Symlink, US, 0o777, 1), Kind::Directory, Verdict::Refuse(Problem::Symlink))]
#[case::foreign_dir(
    entry(Found::Directory, 65534, 0o700, 2),
    Kind::Directory,
    Verdict::Refuse(Problem::ForeignOwner { owner: 65534, us: US })
)]
#[case::foreign_open_dir(
    entry(Found::Directory, 65534, 0o777, 2),
    Kind::Directory,
    Verdict::Refuse(Problem::ForeignOwner { owner: 65534, us: US })
)]
#[case::foreign_file(entry(Found::File, 0, 0o600, 1), Kind::File, Verdict::Refuse(Problem::ForeignOwner { owner: 0, us: US }))]
#[case::hard_linked_file(entry(Found::File, US, 0o600, 2), Kind::File, Verdict::Refuse(Problem::HardLinked { links: 2 }))]
#[case::file_for_a_dir(
    entry(Found::File, US, 0o600, 1),
    Kind::Directory,
    Verdict::Refuse(Problem::WrongKind(Kind::Directory))
)]
#[case::dir_for_a_file(
    entry(Found::Directory, US, 0o700, 2),
    Kind::File,
    Verdict::Refuse(Problem::WrongKind(Kind::File))
)]
#[case::fifo(entry(Found::Other, US, 0o600, 1), Kind::File, Verdict::Refuse(Problem::WrongKind(Kind::File)))]
fn the_verdict_refuses_links_other_kinds_and_other_users_and_tightens_ours(
    #[case] entry: Entry,
    #[case] expected: Kind,
    #[case] verdict: Verdict,
) {
    assert_eq!(judge(&entry, expected, US), verdict);
}

fn mode(path: &Path) -> u32 {
    std::fs::symlink_metadata(path).unwrap().mode() & 0o7777
}

fn set_mode(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

#[test]
fn a_symlinked_directory_is_refused_and_its_target_keeps_its_mode() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("elsewhere");
    std::fs::create_dir(&target).unwrap();
    set_mode(&target, 0o755);
    let link = dir.path().join("run");
    symlink(&target, &link).unwrap();
    let err = ensure_dir(&link).unwrap_err();
    assert!(matches!(&err, StateError::Refused { problem: Problem::Symlink, .. }), "{err}");
    assert!(err.to_string().contains(&link.display().to_string()), "{err}");
    assert_eq!(mode(&target), 0o755);
}

#[rstest]
fn a_symlinked_file_is_refused_and_its_target_is_unchanged(
    #[values(Access::Append, Access::ReadWrite, Access::Replace, Access::CreateNew, Access::Existing)] access: Access,
) {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("precious");
    std::fs::write(&target, "keep me\n").unwrap();
    set_mode(&target, 0o644);
    let link = dir.path().join("host.lock");
    symlink(&target, &link).unwrap();
    let err = open(&link, access).unwrap_err();
    assert!(matches!(&err, StateError::Refused { problem: Problem::Symlink, .. }), "{access:?}: {err}");
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep me\n");
    assert_eq!(mode(&target), 0o644);
}

#[test]
fn a_dangling_symlink_is_refused_and_nothing_is_created_where_it_points() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("not-yet");
    let link = dir.path().join("host.log");
    symlink(&target, &link).unwrap();
    assert!(open(&link, Access::Append).is_err());
    assert!(!target.exists());
}

#[test]
fn another_users_directory_is_refused_naming_it_and_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    // As root, a directory given to `nobody`; as anyone else, `/`, which root owns.
    let (foreign, owner) = if os::us() == 0 {
        let home = dir.path().join("home");
        std::fs::create_dir(&home).unwrap();
        set_mode(&home, 0o777);
        std::os::unix::fs::chown(&home, Some(65534), Some(65534)).unwrap();
        (home, 65534)
    } else {
        (PathBuf::from("/"), 0)
    };
    let before = mode(&foreign);
    let err = ensure_dir(&foreign).unwrap_err();
    assert!(matches!(&err, StateError::Refused { problem: Problem::ForeignOwner { owner: o, .. }, .. } if *o == owner));
    let message = err.to_string();
    assert!(message.contains(&format!("refusing the state directory {}", foreign.display())), "{message}");
    assert!(message.contains(&format!("owned by uid {owner}")) && message.contains("NEXSOCK_HOME"), "{message}");
    assert_eq!(mode(&foreign), before, "not chmodded");
}

#[test]
fn our_own_loose_directory_and_files_are_tightened() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    std::fs::create_dir(&home).unwrap();
    set_mode(&home, 0o777);
    let db = home.join("nexsock.db");
    std::fs::write(&db, "data").unwrap();
    set_mode(&db, 0o644);
    ensure_dir(&home).unwrap();
    secure_existing(&db).unwrap();
    assert_eq!((mode(&home), mode(&db)), (0o700, 0o600));
    assert_eq!(std::fs::read_to_string(&db).unwrap(), "data");
}

#[test]
fn what_nexsock_creates_is_0700_and_0600_whatever_the_umask() {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("a/b/logs");
    ensure_dir(&logs).unwrap();
    let log = logs.join("web.log");
    open(&log, Access::Append).unwrap();
    write(&logs.join("new.tmp"), b"x", Access::CreateNew).unwrap();
    assert_eq!((mode(&logs), mode(&log), mode(&logs.join("new.tmp"))), (0o700, 0o600, 0o600));
    assert!(write(&logs.join("new.tmp"), b"y", Access::CreateNew).is_err(), "a temporary file is new or nothing");
}

#[test]
fn a_missing_file_is_fine_to_secure_and_is_not_created() {
    let dir = tempfile::tempdir().unwrap();
    secure_existing(&dir.path().join("config.toml")).unwrap();
    assert!(!dir.path().join("config.toml").exists());
}

#[test]
fn the_database_is_created_0600_and_a_symlinked_wal_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("nexsock.db");
    secure_database(&db).unwrap();
    assert_eq!(mode(&db), 0o600);
    let target = dir.path().join("elsewhere");
    std::fs::write(&target, "keep").unwrap();
    symlink(&target, dir.path().join("nexsock.db-wal")).unwrap();
    let err = secure_database(&db).unwrap_err();
    assert!(err.to_string().contains("nexsock.db-wal"), "{err}");
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep");
}

#[test]
fn the_files_of_an_open_database_are_tightened_without_being_opened() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("nexsock.db");
    for file in database_files(&db) {
        std::fs::write(&file, "").unwrap();
        set_mode(&file, 0o644);
    }
    secure_open_database(&db).unwrap();
    assert_eq!(database_files(&db).map(|f| mode(&f)), [0o600; 3]);
    std::fs::remove_file(dir.path().join("nexsock.db-shm")).unwrap();
    symlink(dir.path().join("elsewhere"), dir.path().join("nexsock.db-shm")).unwrap();
    assert!(secure_open_database(&db).is_err());
}
