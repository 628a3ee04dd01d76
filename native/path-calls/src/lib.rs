//! The system calls that take a path, in one table shared by the two sides of the grant view
//! (design §8.1): the plugin host's lockdown routes them to the supervisor with seccomp user
//! notification, and the supervisor reads their path arguments back to decide whether the path is
//! in the sandbox's view or must be asked of main.
//!
//! A call whose directory descriptor is a real descriptor (not `AT_FDCWD`) is not routed: that
//! descriptor was opened inside the view, so the kernel resolves the path within the view too, and
//! a routed call would only cost time (a tree walk's `fstatat(dirfd, name)` stays at native speed).
//! Only paths given from the working folder or the root can name something outside the view the
//! user might want to grant.

/// Whether a call reads or changes what its path names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    Read,
    Write,
    /// `open`-style flags in this argument: writing with `O_WRONLY`, `O_RDWR`, `O_CREAT` or `O_TRUNC`.
    OpenFlags(u8),
    /// `openat2`'s `struct open_how` at this argument (its first field is the flags).
    OpenHow(u8),
    /// `access`-style mode in this argument: writing when it asks for `W_OK`.
    AccessMode(u8),
}

/// One path argument: the argument holding the path, and the one holding its directory
/// descriptor, if the call takes one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PathArg {
    pub dirfd: Option<u8>,
    pub path: u8,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PathCall {
    pub nr: i64,
    pub name: &'static str,
    pub paths: &'static [PathArg],
    pub access: Access,
    /// The path names a folder (a working folder to change to): its grant is the folder itself,
    /// not the folder holding it.
    pub names_folder: bool,
    /// The call makes a folder: on one that exists already it fails with EEXIST, whatever may be
    /// written there (`create_dir_all` of a folder that is there is no write).
    pub makes_folder: bool,
}

const fn path(path: u8) -> PathArg {
    PathArg { dirfd: None, path }
}

const fn at(dirfd: u8, path: u8) -> PathArg {
    PathArg { dirfd: Some(dirfd), path }
}

const fn call(nr: i64, name: &'static str, paths: &'static [PathArg], access: Access) -> PathCall {
    PathCall { nr, name, paths, access, names_folder: false, makes_folder: false }
}

/// The `*xattrat` calls of Linux 6.13, numbered alike on every architecture; libc does not name them on all.
const SYS_SETXATTRAT: i64 = 463;
const SYS_GETXATTRAT: i64 = 464;
const SYS_LISTXATTRAT: i64 = 465;
const SYS_REMOVEXATTRAT: i64 = 466;
const SYS_FCHMODAT2: i64 = 452;

use Access::{OpenFlags, OpenHow, Read, Write};

/// Calls every architecture has (the `*at` family and the calls without a directory descriptor
/// that the generic table kept).
const COMMON: &[PathCall] = &[
    call(libc::SYS_openat, "openat", &[at(0, 1)], OpenFlags(2)),
    call(libc::SYS_openat2, "openat2", &[at(0, 1)], OpenHow(2)),
    call(libc::SYS_newfstatat, "newfstatat", &[at(0, 1)], Read),
    call(libc::SYS_statx, "statx", &[at(0, 1)], Read),
    call(libc::SYS_faccessat, "faccessat", &[at(0, 1)], Access::AccessMode(2)),
    call(libc::SYS_faccessat2, "faccessat2", &[at(0, 1)], Access::AccessMode(2)),
    call(libc::SYS_readlinkat, "readlinkat", &[at(0, 1)], Read),
    PathCall { nr: libc::SYS_chdir, name: "chdir", paths: &[path(0)], access: Read, names_folder: true, makes_folder: false },
    PathCall { nr: libc::SYS_mkdirat, name: "mkdirat", paths: &[at(0, 1)], access: Write, names_folder: false, makes_folder: true },
    call(libc::SYS_mknodat, "mknodat", &[at(0, 1)], Write),
    call(libc::SYS_unlinkat, "unlinkat", &[at(0, 1)], Write),
    call(libc::SYS_renameat, "renameat", &[at(0, 1), at(2, 3)], Write),
    call(libc::SYS_renameat2, "renameat2", &[at(0, 1), at(2, 3)], Write),
    call(libc::SYS_linkat, "linkat", &[at(0, 1), at(2, 3)], Write),
    // The link's text may name anything: only where the link is made is a path of the view.
    call(libc::SYS_symlinkat, "symlinkat", &[at(1, 2)], Write),
    call(libc::SYS_truncate, "truncate", &[path(0)], Write),
    call(libc::SYS_fchmodat, "fchmodat", &[at(0, 1)], Write),
    call(SYS_FCHMODAT2, "fchmodat2", &[at(0, 1)], Write),
    call(libc::SYS_fchownat, "fchownat", &[at(0, 1)], Write),
    call(libc::SYS_utimensat, "utimensat", &[at(0, 1)], Write),
    call(libc::SYS_setxattr, "setxattr", &[path(0)], Write),
    call(libc::SYS_lsetxattr, "lsetxattr", &[path(0)], Write),
    call(libc::SYS_getxattr, "getxattr", &[path(0)], Read),
    call(libc::SYS_lgetxattr, "lgetxattr", &[path(0)], Read),
    call(libc::SYS_listxattr, "listxattr", &[path(0)], Read),
    call(libc::SYS_llistxattr, "llistxattr", &[path(0)], Read),
    call(libc::SYS_removexattr, "removexattr", &[path(0)], Write),
    call(libc::SYS_lremovexattr, "lremovexattr", &[path(0)], Write),
    call(SYS_SETXATTRAT, "setxattrat", &[at(0, 1)], Write),
    call(SYS_GETXATTRAT, "getxattrat", &[at(0, 1)], Read),
    call(SYS_LISTXATTRAT, "listxattrat", &[at(0, 1)], Read),
    call(SYS_REMOVEXATTRAT, "removexattrat", &[at(0, 1)], Write),
    call(libc::SYS_statfs, "statfs", &[path(0)], Read),
    call(libc::SYS_inotify_add_watch, "inotify_add_watch", &[path(1)], Read),
    call(libc::SYS_fanotify_mark, "fanotify_mark", &[at(3, 4)], Read),
];

/// The older calls x86_64 still has, which take a path from the working folder or the root only.
#[cfg(target_arch = "x86_64")]
const LEGACY: &[PathCall] = &[
    call(libc::SYS_open, "open", &[path(0)], OpenFlags(1)),
    call(libc::SYS_creat, "creat", &[path(0)], Write),
    call(libc::SYS_stat, "stat", &[path(0)], Read),
    call(libc::SYS_lstat, "lstat", &[path(0)], Read),
    call(libc::SYS_access, "access", &[path(0)], Access::AccessMode(1)),
    call(libc::SYS_readlink, "readlink", &[path(0)], Read),
    PathCall { nr: libc::SYS_mkdir, name: "mkdir", paths: &[path(0)], access: Write, names_folder: false, makes_folder: true },
    call(libc::SYS_mknod, "mknod", &[path(0)], Write),
    call(libc::SYS_unlink, "unlink", &[path(0)], Write),
    call(libc::SYS_rmdir, "rmdir", &[path(0)], Write),
    call(libc::SYS_rename, "rename", &[path(0), path(1)], Write),
    call(libc::SYS_link, "link", &[path(0), path(1)], Write),
    call(libc::SYS_symlink, "symlink", &[path(1)], Write),
    call(libc::SYS_chmod, "chmod", &[path(0)], Write),
    call(libc::SYS_chown, "chown", &[path(0)], Write),
    call(libc::SYS_lchown, "lchown", &[path(0)], Write),
    call(libc::SYS_utime, "utime", &[path(0)], Write),
    call(libc::SYS_utimes, "utimes", &[path(0)], Write),
    call(libc::SYS_futimesat, "futimesat", &[at(0, 1)], Write),
];
#[cfg(not(target_arch = "x86_64"))]
const LEGACY: &[PathCall] = &[];

/// Every call the grant view routes.
pub fn path_calls() -> impl Iterator<Item = &'static PathCall> {
    COMMON.iter().chain(LEGACY.iter())
}

/// The table's entry for a system call number, if it takes a path.
pub fn path_call(nr: i64) -> Option<&'static PathCall> {
    path_calls().find(|c| c.nr == nr)
}

/// Whether `open`-style flags ask to change the file (or create it).
pub fn open_flags_write(flags: u64) -> bool {
    let flags = flags as i32;
    flags & libc::O_ACCMODE != libc::O_RDONLY || flags & (libc::O_CREAT | libc::O_TRUNC) != 0
}

/// Whether an `access` mode asks whether the file may be changed.
pub fn access_mode_write(mode: u64) -> bool {
    (mode as i32) & libc::W_OK != 0
}

/// `AT_FDCWD` as a system call argument: the low 32 bits of -100, which is how the kernel reads an `int`.
pub const AT_FDCWD_ARG: u32 = libc::AT_FDCWD as u32;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_call_is_listed_once_and_names_a_path() {
        let mut seen = std::collections::HashSet::new();
        for c in path_calls() {
            assert!(seen.insert(c.nr), "{} is listed twice", c.name);
            assert!(!c.paths.is_empty(), "{} names no path", c.name);
            for p in c.paths {
                assert!(p.path < 6 && p.dirfd.is_none_or(|d| d < 6 && d != p.path), "{} has a bad argument index", c.name);
            }
        }
        assert!(path_call(libc::SYS_openat).is_some());
        assert!(path_call(libc::SYS_read).is_none());
    }

    #[test]
    fn opening_for_writing_is_told_from_opening_for_reading() {
        assert!(!open_flags_write((libc::O_RDONLY | libc::O_CLOEXEC | libc::O_DIRECTORY) as u64));
        assert!(open_flags_write(libc::O_WRONLY as u64));
        assert!(open_flags_write(libc::O_RDWR as u64));
        assert!(open_flags_write((libc::O_RDONLY | libc::O_CREAT) as u64));
        assert!(open_flags_write((libc::O_RDONLY | libc::O_TRUNC) as u64));
        assert!(access_mode_write(libc::W_OK as u64) && !access_mode_write((libc::R_OK | libc::X_OK) as u64));
    }

    #[test]
    fn at_fdcwd_is_compared_as_the_kernel_reads_an_int() {
        assert_eq!(AT_FDCWD_ARG, 0xffff_ff9c);
    }
}
