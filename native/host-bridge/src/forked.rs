//! For tests that change what a process cannot change back (its seccomp filter, its descriptors):
//! they run in a forked child, so none of it reaches the test runner itself.
use std::os::unix::process::ExitStatusExt;

/// Runs `f` in a forked child; the child's exit code is `f`'s answer (-1 when it died otherwise).
pub fn in_forked_child(f: impl FnOnce() -> i32) -> i32 {
    // SAFETY: the child runs `f` and exits without returning.
    match unsafe { libc::fork() } {
        0 => {
            let code = f();
            // SAFETY: _exit ends the forked child without running the parent's destructors.
            unsafe { libc::_exit(code) }
        }
        -1 => panic!("fork failed"),
        pid => {
            let mut status = 0;
            // SAFETY: waits for the child forked above.
            unsafe { libc::waitpid(pid, &mut status, 0) };
            std::process::ExitStatus::from_raw(status).code().unwrap_or(-1)
        }
    }
}
