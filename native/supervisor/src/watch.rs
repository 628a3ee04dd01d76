//! What changes outside under a grant's name: a file replaced by an editor's atomic save, a folder
//! renamed, a file chosen to be saved that now exists. A bind mount holds on to what it was made
//! of, so without this the sandbox would go on showing the old file (or a deleted one) at the
//! granted path. The folder holding each grant is watched (inotify); a change of that name makes
//! its subtree mounted again, from what the name names now.
use crate::paths::parent;
use std::collections::HashMap;
use std::ffi::CString;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

pub struct Watch {
    fd: OwnedFd,
    /// Watched folder by watch descriptor, and the grant paths inside it by name.
    folders: HashMap<i32, (String, HashMap<String, String>)>,
}

const EVENTS: u32 = libc::IN_CREATE | libc::IN_DELETE | libc::IN_MOVED_FROM | libc::IN_MOVED_TO | libc::IN_ONLYDIR;

impl Watch {
    pub fn new() -> io::Result<Watch> {
        // SAFETY: inotify_init1 takes flags; its result is a new descriptor or -1.
        let fd = unsafe { libc::inotify_init1(libc::IN_NONBLOCK | libc::IN_CLOEXEC) };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: a new descriptor nothing else owns.
        Ok(Watch { fd: unsafe { OwnedFd::from_raw_fd(fd) }, folders: HashMap::new() })
    }

    pub fn raw(&self) -> RawFd {
        self.fd.as_raw_fd()
    }

    /// Watches the folders holding `grants` (and only those): folders of grants no longer held are let go.
    pub fn follow(&mut self, grants: &[String]) {
        let mut wanted: HashMap<String, HashMap<String, String>> = HashMap::new();
        for g in grants.iter().filter(|g| g.as_str() != "/") {
            wanted.entry(parent(g).to_string()).or_default().insert(g.rsplit('/').next().unwrap_or_default().to_string(), g.clone());
        }
        self.folders.retain(|wd, (folder, _)| {
            let keep = wanted.contains_key(folder);
            if !keep {
                // SAFETY: removes a watch of this inotify descriptor.
                unsafe { libc::inotify_rm_watch(self.fd.as_raw_fd(), *wd) };
            }
            keep
        });
        for (folder, names) in wanted {
            let Ok(c) = CString::new(folder.as_str()) else { continue };
            // SAFETY: a NUL-terminated path; adding a watch twice returns the same descriptor.
            let wd = unsafe { libc::inotify_add_watch(self.fd.as_raw_fd(), c.as_ptr(), EVENTS) };
            if wd >= 0 {
                self.folders.insert(wd, (folder, names));
            }
        }
    }

    /// The grant paths whose names changed since last asked.
    pub fn changed(&mut self) -> Vec<String> {
        // Room for a dozen events of the longest name; more are read on the next turn of the loop.
        let mut buf = [0u8; 4096];
        let mut out = Vec::new();
        loop {
            // SAFETY: read into a buffer we own, of the length given.
            let n = unsafe { libc::read(self.fd.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len()) };
            if n <= 0 {
                break;
            }
            let mut at = 0usize;
            let header = std::mem::size_of::<libc::inotify_event>();
            while at + header <= n as usize {
                // SAFETY: the kernel wrote whole events; read_unaligned copes with any alignment.
                let event: libc::inotify_event = unsafe { std::ptr::read_unaligned(buf[at..].as_ptr().cast()) };
                let name_bytes = &buf[at + header..at + header + event.len as usize];
                let name = String::from_utf8_lossy(name_bytes.split(|&b| b == 0).next().unwrap_or_default()).to_string();
                if let Some((_, names)) = self.folders.get(&event.wd) {
                    if let Some(grant) = names.get(&name) {
                        out.push(grant.clone());
                    }
                }
                at += header + event.len as usize;
            }
        }
        out.sort();
        out.dedup();
        out
    }
}
