//! The descriptors a plugin host inherited by mistake. Whatever started main may have left some
//! open without close-on-exec (a pipe to a supervisor, a terminal), and a child inherits those
//! whatever its sandbox's view: they would be doors out of it. Node, ffi-rs and this bridge open
//! all of their own with close-on-exec, so an inheritable descriptor above the channel to main
//! came from outside. (Read here with one `fcntl` each; the plugin host's own script read
//! /proc/self/fdinfo file by file, 0.8 ms of every plugin's start.)

/// The channel to main (see core/plugins/host-launcher): the one descriptor a plugin host is
/// meant to inherit besides stdio.
const CHANNEL_FD: i32 = 3;

/// Closes every descriptor above the channel that is not close-on-exec and not in `keep`, and
/// says which it closed.
pub fn close_inherited(keep: &[i32]) -> Result<Vec<i32>, String> {
    // Listed first and closed after: the listing's own descriptor is open while it is read.
    let listed: Vec<i32> =
        std::fs::read_dir("/proc/self/fd").map_err(|e| format!("cannot list /proc/self/fd: {e}"))?.filter_map(|entry| entry.ok()?.file_name().to_str()?.parse().ok()).collect();
    let mut closed = Vec::new();
    for fd in listed.into_iter().filter(|fd| *fd > CHANNEL_FD && !keep.contains(fd)) {
        // SAFETY: F_GETFD reads a descriptor's flags; a number no longer open answers EBADF.
        let flags = unsafe { libc::fcntl(fd, libc::F_GETFD) };
        if flags >= 0 && flags & libc::FD_CLOEXEC == 0 {
            // SAFETY: an inherited descriptor nothing in this process uses (see the module's comment).
            unsafe { libc::close(fd) };
            closed.push(fd);
        }
    }
    Ok(closed)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Opens /dev/null, inheritable or not, at a number of its own above the test runner's.
    fn open_at(fd: i32, cloexec: bool) {
        let flags = libc::O_RDONLY | if cloexec { libc::O_CLOEXEC } else { 0 };
        // SAFETY: opens and duplicates descriptors this child owns; the path is NUL-terminated.
        unsafe {
            let opened = libc::open(c"/dev/null".as_ptr(), flags);
            assert!(opened >= 0);
            assert_eq!(libc::dup3(opened, fd, if cloexec { libc::O_CLOEXEC } else { 0 }), fd);
            libc::close(opened);
        }
    }

    fn is_open(fd: i32) -> bool {
        // SAFETY: F_GETFD only reads the descriptor's flags.
        unsafe { libc::fcntl(fd, libc::F_GETFD) >= 0 }
    }

    #[test]
    fn closes_what_was_inherited_and_leaves_stdio_the_channel_what_is_kept_and_close_on_exec() {
        // In a forked child: closing descriptors must not reach the test runner's own.
        let code = crate::forked::in_forked_child(|| {
            open_at(40, false);
            open_at(41, false);
            open_at(42, true);
            let closed = close_inherited(&[41]).unwrap_or_default();
            if !closed.contains(&40) || is_open(40) {
                10
            } else if closed.contains(&41) || !is_open(41) {
                11
            } else if closed.contains(&42) || !is_open(42) {
                12
            } else if closed.iter().any(|fd| *fd <= CHANNEL_FD) {
                13
            } else {
                0
            }
        });
        assert_eq!(code, 0, "see the check's return codes");
    }
}
