//! The sandbox's tree in the supervisor's own mount namespace. The tree is a tmpfs marked shared;
//! the sandbox's root is a copy of it made by bubblewrap, which receives every later mount below
//! it (a slave), so a grant mounted here appears in the running sandbox at the same path, and an
//! unmount here takes it away there.
//!
//! Each top-level node of the plan is put together in a private staging tmpfs with all of its
//! children and its flags (read-only before anything can see it: flags set on a mount after it was
//! copied into the sandbox do not reach the copy), and only then moved into the tree. A new subtree
//! is mounted before the one it replaces is taken away (by a descriptor of its root, since the new
//! one may cover its path), so nothing the plugin host needs ever goes missing in between.
//!
//! Paths are never walked twice by name: sources are opened once (static ones at start, before any
//! plugin code runs; a grant by a path with no link on it), mount points are found from a
//! descriptor without following links, and mounts are made on `/proc/self/fd/N`.
use crate::paths::{below, parent};
use crate::plan::{Kind, Node};
use crate::protocol::Unmounted;
use std::collections::HashMap;
use std::ffi::CString;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::path::{Path, PathBuf};

fn cstring(text: &str) -> io::Result<CString> {
    CString::new(text).map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "a path holds a NUL byte"))
}

fn os_error(what: impl FnOnce() -> String) -> io::Error {
    let e = io::Error::last_os_error();
    io::Error::new(e.kind(), format!("{}: {e}", what()))
}

pub fn mount(source: Option<&str>, target: &str, fstype: Option<&str>, flags: libc::c_ulong, data: Option<&str>) -> io::Result<()> {
    let source = source.map(cstring).transpose()?;
    let target_c = cstring(target)?;
    let fstype = fstype.map(cstring).transpose()?;
    let data = data.map(cstring).transpose()?;
    let ptr = |c: &Option<CString>| c.as_ref().map_or(std::ptr::null(), |c| c.as_ptr());
    // SAFETY: every pointer is a NUL-terminated string that outlives the call, or null.
    let rc = unsafe { libc::mount(ptr(&source), target_c.as_ptr(), ptr(&fstype), flags, ptr(&data).cast()) };
    if rc == 0 {
        Ok(())
    } else {
        Err(os_error(|| format!("mount on {target} (flags {flags:#x})")))
    }
}

/// The path through which a descriptor's file can be named to mount(2) and umount(2).
fn fd_path(fd: RawFd) -> String {
    format!("/proc/self/fd/{fd}")
}

/// A tmpfs at `at` (a path of the supervisor's own), shared or private.
pub fn tmpfs(at: &Path, shared: bool, options: &str) -> io::Result<()> {
    let at = at.to_str().ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "a path that is not UTF-8"))?;
    mount(Some("tmpfs"), at, Some("tmpfs"), libc::MS_NOSUID | libc::MS_NODEV, Some(options))?;
    mount(None, at, None, if shared { libc::MS_SHARED } else { libc::MS_PRIVATE }, None)
}

/// `struct open_how` of openat2(2) (libc's cannot be built outside libc).
#[repr(C)]
struct OpenHow {
    flags: u64,
    mode: u64,
    resolve: u64,
}

/// openat2(2): `path` below `dir` as `resolve` allows; always close-on-exec.
pub fn openat2(dir: RawFd, path: &str, flags: i32, mode: u64, resolve: u64) -> io::Result<OwnedFd> {
    let c = cstring(path)?;
    let how = OpenHow { flags: (flags | libc::O_CLOEXEC) as u64, mode, resolve };
    // SAFETY: openat2 reads the NUL-terminated path and an open_how of the size given.
    let fd = unsafe { libc::syscall(libc::SYS_openat2, dir, c.as_ptr(), &how as *const OpenHow, std::mem::size_of::<OpenHow>()) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: openat2 returned a new descriptor that nothing else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(fd as RawFd) })
}

/// Opens an absolute path by name: following links (main's own paths), or refusing any link on
/// the way (a grant: kept as a real path, so a link there now was put there since, and would lead
/// elsewhere than the user chose).
pub fn open_source(path: &str, links_allowed: bool) -> io::Result<OwnedFd> {
    let resolve = if links_allowed { 0 } else { libc::RESOLVE_NO_SYMLINKS | libc::RESOLVE_NO_MAGICLINKS };
    openat2(libc::AT_FDCWD, path, libc::O_PATH, 0, resolve)
}

/// Where a descriptor's file is, as the supervisor's own namespace names it.
pub fn real_path(fd: &OwnedFd) -> io::Result<String> {
    std::fs::read_link(fd_path(fd.as_raw_fd()))?.into_os_string().into_string().map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "a path that is not UTF-8"))
}

pub fn is_dir(fd: &OwnedFd) -> io::Result<bool> {
    // SAFETY: a zeroed stat is a valid out-buffer for fstat.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: `fd` is open and `st` is a valid out-pointer.
    if unsafe { libc::fstat(fd.as_raw_fd(), &mut st) } != 0 {
        return Err(os_error(|| "fstat".into()));
    }
    Ok(st.st_mode & libc::S_IFMT == libc::S_IFDIR)
}

/// A second descriptor of what `fd` names, close-on-exec.
fn dup(fd: RawFd) -> io::Result<OwnedFd> {
    // SAFETY: F_DUPFD_CLOEXEC on an open descriptor returns a new one, or -1.
    let new = unsafe { libc::fcntl(fd, libc::F_DUPFD_CLOEXEC, 0) };
    if new < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: a new descriptor nothing else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(new) })
}

/// Finds `rel` below the folder `base` without following a link or climbing out (crossing into
/// mounts below is fine: that is how a child is found inside its parent). With `create`, missing
/// folders on the way are made, and the last part as a folder or an empty file, without crossing
/// into any mount: only ever in the supervisor's own tmpfs (the tree, staging, masks), never in a
/// folder of the user's.
fn point(base: RawFd, rel: &str, create: Option<bool>) -> io::Result<OwnedFd> {
    let resolve = libc::RESOLVE_NO_SYMLINKS | libc::RESOLVE_NO_MAGICLINKS | libc::RESOLVE_BENEATH;
    let Some(dir) = create else {
        return openat2(base, if rel.is_empty() { "." } else { rel }, libc::O_PATH | libc::O_NOFOLLOW, 0, resolve);
    };
    let resolve = resolve | libc::RESOLVE_NO_XDEV;
    let mut at = dup(base)?;
    let parts: Vec<&str> = rel.split('/').filter(|p| !p.is_empty()).collect();
    for (i, part) in parts.iter().enumerate() {
        let last = i + 1 == parts.len();
        let name = cstring(part)?;
        if last && !dir {
            // SAFETY: an open folder and a NUL-terminated name; an existing file is kept as it is.
            let fd = unsafe { libc::openat(at.as_raw_fd(), name.as_ptr(), libc::O_RDONLY | libc::O_CREAT | libc::O_NOFOLLOW | libc::O_CLOEXEC, 0o644) };
            if fd < 0 {
                return Err(os_error(|| format!("cannot make a mount point {rel}")));
            }
            // SAFETY: a new descriptor, closed at once.
            drop(unsafe { OwnedFd::from_raw_fd(fd) });
        } else {
            // SAFETY: an open folder and a NUL-terminated name.
            if unsafe { libc::mkdirat(at.as_raw_fd(), name.as_ptr(), 0o755) } != 0 && io::Error::last_os_error().raw_os_error() != Some(libc::EEXIST) {
                return Err(os_error(|| format!("cannot make a folder for {rel}")));
            }
        }
        at = openat2(at.as_raw_fd(), part, libc::O_PATH | libc::O_NOFOLLOW | if last && !dir { 0 } else { libc::O_DIRECTORY }, 0, resolve)?;
    }
    Ok(at)
}

/// Binds what `source` names at `rel` below `parent`, alone (what is mounted below it outside
/// stays out), with no set-user-id programs or devices, read-only unless `write`. Returns the new
/// mount's root.
fn bind_into(source: &OwnedFd, parent: &OwnedFd, rel: &str, write: bool) -> io::Result<OwnedFd> {
    let target = point(parent.as_raw_fd(), rel, None)?;
    mount(Some(&fd_path(source.as_raw_fd())), &fd_path(target.as_raw_fd()), None, libc::MS_BIND, None)?;
    // Found again from its parent, so the walk ends in the new mount, not the folder below it.
    let root = point(parent.as_raw_fd(), rel, None)?;
    seal(&root, write)?;
    Ok(root)
}

/// Sets the flags of the mount whose root `root` is.
fn seal(root: &OwnedFd, write: bool) -> io::Result<()> {
    let flags = libc::MS_REMOUNT | libc::MS_BIND | libc::MS_NOSUID | libc::MS_NODEV | if write { 0 } else { libc::MS_RDONLY };
    mount(None, &fd_path(root.as_raw_fd()), None, flags, None)
}

fn detach(root: &OwnedFd) -> io::Result<()> {
    let c = cstring(&fd_path(root.as_raw_fd()))?;
    // SAFETY: umount2 with a NUL-terminated path.
    if unsafe { libc::umount2(c.as_ptr(), libc::MNT_DETACH) } == 0 {
        Ok(())
    } else {
        Err(os_error(|| "umount".into()))
    }
}

/// A subtree in the tree: its top node's signature and a descriptor of its root mount.
struct Mounted {
    path: String,
    signature: String,
    root: OwnedFd,
}

pub struct Tree {
    root: OwnedFd,
    stage_path: PathBuf,
    stage: OwnedFd,
    next_stage: u64,
    mounted: Vec<Mounted>,
    /// The static entries' sources, opened once at start.
    statics: HashMap<String, OwnedFd>,
}

impl Tree {
    /// The tree at `root` and the staging place at `stage`, both tmpfs already mounted.
    pub fn new(root: &Path, stage: &Path) -> io::Result<Tree> {
        let open = |p: &Path| open_source(p.to_str().unwrap_or_default(), true);
        Ok(Tree { root: open(root)?, stage_path: stage.to_path_buf(), stage: open(stage)?, next_stage: 0, mounted: Vec::new(), statics: HashMap::new() })
    }

    /// Opens the static view's sources now, before any plugin code runs, so that later changes
    /// outside (a plugin writing in a folder granted to it) cannot change what they are.
    pub fn open_statics(&mut self, entries: impl IntoIterator<Item = (String, String, bool)>) -> Vec<Unmounted> {
        let mut missing = Vec::new();
        for (path, source, optional) in entries {
            match open_source(&source, true) {
                Ok(fd) => {
                    self.statics.insert(path, fd);
                }
                Err(e) if optional && e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => missing.push(Unmounted { path, why: format!("cannot open {source}: {e}"), missing: false }),
            }
        }
        missing
    }

    /// A folder of the tree itself.
    pub fn make_folder(&self, path: &str) -> io::Result<()> {
        point(self.root.as_raw_fd(), below(path, "/"), Some(true)).map(|_| ())
    }

    /// A link of the tree itself, such as `/lib -> usr/lib`, where nothing is yet.
    pub fn make_link(&self, path: &str, target: &str) -> io::Result<()> {
        let folder = point(self.root.as_raw_fd(), below(parent(path), "/"), Some(true))?;
        let name = cstring(path.rsplit('/').next().unwrap_or_default())?;
        let target = cstring(target)?;
        // SAFETY: symlinkat with NUL-terminated strings and an open folder.
        if unsafe { libc::symlinkat(target.as_ptr(), folder.as_raw_fd(), name.as_ptr()) } != 0 {
            return Err(os_error(|| format!("cannot make the link {path}")));
        }
        Ok(())
    }

    /// Brings the tree to `tops`: subtrees no longer wanted (or changed, or stale) are taken away, then
    /// the new ones mounted; the mount points left empty are removed. Returns what could not be
    /// mounted, and why. The supervisor answers no routed call meanwhile, so a call never finds
    /// a subtree between the two.
    /// `stale`: paths changed outside (replaced, removed, made) whose subtrees are mounted again
    /// even where nothing else changed.
    pub fn apply(&mut self, tops: &[Node], keep_folders: &[String], stale: &[String]) -> Vec<Unmounted> {
        let mut unmounted = Vec::new();
        let wanted: Vec<(String, String)> = tops.iter().map(|n| (n.path.clone(), n.signature())).collect();
        let fresh = |m: &Mounted| !stale.iter().any(|s| crate::paths::within(s, &m.path));
        let (kept, gone): (Vec<Mounted>, Vec<Mounted>) =
            std::mem::take(&mut self.mounted).into_iter().partition(|m| fresh(m) && wanted.iter().any(|(p, s)| *p == m.path && *s == m.signature));
        self.mounted = kept;
        for m in &gone {
            match detach(&m.root) {
                Ok(()) => self.remove_point(&m.path, keep_folders),
                Err(e) => unmounted.push(Unmounted { path: m.path.clone(), why: format!("could not be taken away: {e}"), missing: false }),
            }
        }
        for node in tops {
            if self.mounted.iter().any(|m| m.path == node.path) {
                continue;
            }
            match self.mount_top(node, &mut unmounted) {
                Ok(Some(root)) => self.mounted.push(Mounted { path: node.path.clone(), signature: node.signature(), root }),
                Ok(None) => {}
                Err(e) => unmounted.push(Unmounted { path: node.path.clone(), why: e.to_string(), missing: false }),
            }
        }
        unmounted
    }

    /// Removes an empty mount point and the folders above it that hold nothing any more, up to
    /// the tree's own folders; one still in use (a mount on it, something inside) stays. Only
    /// the tree's own tmpfs is looked in: the walk never crosses into a mount, so it can never
    /// reach a folder of the user's.
    fn remove_point(&self, path: &str, keep_folders: &[String]) {
        let mut at = path.to_string();
        while at != "/" && !keep_folders.contains(&at) && !self.mounted.iter().any(|m| crate::paths::within(&m.path, &at)) {
            let rel = below(parent(&at), "/");
            let resolve = libc::RESOLVE_NO_SYMLINKS | libc::RESOLVE_NO_MAGICLINKS | libc::RESOLVE_BENEATH | libc::RESOLVE_NO_XDEV;
            let Ok(folder) = openat2(self.root.as_raw_fd(), if rel.is_empty() { "." } else { rel }, libc::O_PATH | libc::O_DIRECTORY, 0, resolve) else { return };
            let Ok(name) = cstring(at.rsplit('/').next().unwrap_or_default()) else { return };
            // SAFETY: unlinkat on an open folder with a NUL-terminated name.
            let removed = unsafe { libc::unlinkat(folder.as_raw_fd(), name.as_ptr(), libc::AT_REMOVEDIR) == 0 || libc::unlinkat(folder.as_raw_fd(), name.as_ptr(), 0) == 0 };
            if !removed {
                return;
            }
            at = parent(&at).to_string();
        }
    }

    /// What a node mounts: a static entry's source as opened at start, a grant's opened now.
    fn source(&self, node: &Node) -> io::Result<Option<OwnedFd>> {
        let found = match node.kind {
            Kind::Static => match self.statics.get(&node.path) {
                Some(fd) => dup(fd.as_raw_fd()),
                None => return Ok(None),
            },
            Kind::Grant => open_source(&node.source, false),
            Kind::Mask => return Ok(None),
        };
        match found {
            Ok(fd) => Ok(Some(fd)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(io::Error::new(e.kind(), format!("cannot open {}: {e}", node.source))),
        }
    }

    /// Puts one top-level subtree together in staging and moves it into the tree. None when its
    /// source is missing (a grant of something gone, an optional entry).
    fn mount_top(&mut self, node: &Node, unmounted: &mut Vec<Unmounted>) -> io::Result<Option<OwnedFd>> {
        let Some(source) = self.source(node)? else {
            if node.kind == Kind::Grant {
                unmounted.push(Unmounted { path: node.path.clone(), why: format!("{} does not exist", node.path), missing: true });
            }
            return Ok(None);
        };
        let dir = is_dir(&source)?;
        self.next_stage += 1;
        let name = self.next_stage.to_string();
        point(self.stage.as_raw_fd(), &name, Some(dir))?;
        let staged = bind_into(&source, &self.stage, &name, node.write)?;
        let built = self.children(node, &staged, unmounted).and_then(|()| {
            let target = point(self.root.as_raw_fd(), below(&node.path, "/"), Some(dir))?;
            let from = self.stage_path.join(&name);
            mount(from.to_str(), &fd_path(target.as_raw_fd()), None, libc::MS_MOVE, None)
        });
        match built {
            Ok(()) => Ok(Some(staged)),
            Err(e) => {
                let _ = detach(&staged);
                Err(e)
            }
        }
    }

    /// Mounts a node's children inside it; `at` is the node's own mounted root.
    fn children(&self, node: &Node, at: &OwnedFd, unmounted: &mut Vec<Unmounted>) -> io::Result<()> {
        for child in &node.children {
            let rel = below(&child.path, &node.path);
            if child.kind == Kind::Mask {
                // An empty folder over the protected one, with only the static entries it must
                // keep in view put back inside, read-only before it is moved into view.
                let target = point(at.as_raw_fd(), rel, None)?;
                mount(Some("tmpfs"), &fd_path(target.as_raw_fd()), Some("tmpfs"), libc::MS_NOSUID | libc::MS_NODEV, Some("mode=0755,size=64k"))?;
                let mask = point(at.as_raw_fd(), rel, None)?;
                for inner in &child.children {
                    if let Some(source) = self.source(inner)? {
                        point(mask.as_raw_fd(), below(&inner.path, &child.path), Some(is_dir(&source)?))?;
                    }
                }
                self.children(child, &mask, unmounted)?;
                seal(&mask, false)?;
                continue;
            }
            let Some(source) = self.source(child)? else {
                if child.kind == Kind::Grant {
                    unmounted.push(Unmounted { path: child.path.clone(), why: format!("{} does not exist", child.path), missing: true });
                }
                continue;
            };
            // Inside a grant the mount point is a file of the user's: found, never made.
            match bind_into(&source, at, rel, child.write) {
                Ok(inner) => self.children(child, &inner, unmounted)?,
                Err(e) => unmounted.push(Unmounted { path: child.path.clone(), why: format!("cannot be mounted inside {}: {e}", node.path), missing: false }),
            }
        }
        Ok(())
    }
}

/// Opens a file on the caller's behalf beneath the folder `dir`: `name` alone, no link followed,
/// with the caller's flags for how it is opened and its umask for a file it creates.
pub fn open_for(dir: &OwnedFd, name: &str, flags: i32, mode: u32, umask: u32) -> io::Result<OwnedFd> {
    let allowed = libc::O_ACCMODE | libc::O_CREAT | libc::O_EXCL | libc::O_TRUNC | libc::O_APPEND | libc::O_NONBLOCK | libc::O_DSYNC | libc::O_SYNC | libc::O_NOATIME;
    let resolve = libc::RESOLVE_BENEATH | libc::RESOLVE_NO_SYMLINKS | libc::RESOLVE_NO_MAGICLINKS | libc::RESOLVE_NO_XDEV;
    openat2(dir.as_raw_fd(), name, (flags & allowed) | libc::O_NOFOLLOW, u64::from(mode & 0o7777 & !umask), resolve)
}
