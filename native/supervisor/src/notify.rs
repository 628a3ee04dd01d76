//! The supervisor's side of seccomp user notification: the plugin host's lockdown installed a
//! filter that routes its path calls here (see hf-path-calls) and handed over the listener. Every
//! notification is answered, always: one left unanswered would hang the calling thread.
//!
//! The kernel's own documentation warns that a notifier cannot enforce a policy with "continue",
//! because another thread may change the path after it was read. Nothing here does: a call goes on
//! only to be resolved by the kernel inside the sandbox's view, which holds only what the plugin may
//! see whatever the path says by then. What the supervisor reads only decides whether to ask.
use std::io;
use std::os::fd::{AsRawFd, OwnedFd, RawFd};

/// The architecture of the calls a filter routes (the `AUDIT_ARCH_*` of this build's system calls).
#[cfg(target_arch = "x86_64")]
pub const NATIVE_ARCH: u32 = 0xC000_003E;
#[cfg(target_arch = "aarch64")]
pub const NATIVE_ARCH: u32 = 0xC000_00B7;

pub struct Listener {
    fd: OwnedFd,
}

/// One routed call, as the kernel reported it.
#[derive(Clone, Copy, Debug)]
pub struct Call {
    pub id: u64,
    /// The calling thread's id, in the supervisor's PID namespace.
    pub pid: u32,
    pub nr: i64,
    pub arch: u32,
    pub args: [u64; 6],
}

fn ioctl<T>(fd: RawFd, request: libc::Ioctl, arg: *mut T) -> io::Result<()> {
    // SAFETY: each caller passes the argument type its request expects.
    if unsafe { libc::ioctl(fd, request, arg) } == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// linux/seccomp.h (Linux 6.6): a notification and its answer wake the other side on the CPU of
/// the side that woke it, as a direct hand-off. (Not in the libc crate yet.)
const SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP: libc::c_ulong = 1;

impl Listener {
    pub fn new(fd: OwnedFd) -> Listener {
        // A routed call's thread only waits while the supervisor answers, so the two take turns.
        // Woken anywhere, each turn can wait for an idle CPU to come out of its sleep: measured on
        // this machine's VM, a routed stat took 0.32-0.37 ms with the other CPU idle and 15 us with
        // it busy. Older kernels refuse the flag; calls then are as slow as the wake-ups are there.
        // SAFETY: SET_FLAGS takes its flags by value.
        let _ = unsafe { libc::ioctl(fd.as_raw_fd(), libc::SECCOMP_IOCTL_NOTIF_SET_FLAGS, SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP) };
        Listener { fd }
    }

    pub fn raw(&self) -> RawFd {
        self.fd.as_raw_fd()
    }

    /// Takes the next notification (the listener was readable). None when its caller went away first.
    pub fn receive(&self) -> io::Result<Option<Call>> {
        // SAFETY: seccomp_notif is plain data; the kernel wants it zeroed.
        let mut n: libc::seccomp_notif = unsafe { std::mem::zeroed() };
        match ioctl(self.raw(), libc::SECCOMP_IOCTL_NOTIF_RECV, &mut n) {
            Ok(()) => Ok(Some(Call { id: n.id, pid: n.pid, nr: i64::from(n.data.nr), arch: n.data.arch, args: n.data.args })),
            Err(e) if e.raw_os_error() == Some(libc::ENOENT) || e.raw_os_error() == Some(libc::EINTR) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Whether the call is still waiting: checked after its memory was read, so what was read
    /// belongs to that call and not to a process that took its thread id since.
    pub fn still_waiting(&self, id: u64) -> bool {
        let mut id = id;
        ioctl(self.raw(), libc::SECCOMP_IOCTL_NOTIF_ID_VALID, &mut id).is_ok()
    }

    fn send(&self, id: u64, error: i32, flags: u32) {
        let mut r = libc::seccomp_notif_resp { id, val: 0, error, flags };
        // ENOENT: the caller is gone (killed meanwhile); nothing waits for the answer.
        let _ = ioctl(self.raw(), libc::SECCOMP_IOCTL_NOTIF_SEND, &mut r);
    }

    /// The call goes on, and the kernel resolves it inside the view.
    pub fn go_on(&self, id: u64) {
        self.send(id, 0, libc::SECCOMP_USER_NOTIF_FLAG_CONTINUE as u32);
    }

    /// The call fails with `errno`.
    pub fn fail(&self, id: u64, errno: i32) {
        self.send(id, -errno, 0);
    }

    /// Puts `file` into the caller as a new descriptor and makes that its call's result, in one
    /// step. Only ever a file the supervisor opened, never a folder: a folder's descriptor would be
    /// a way out of the view (`openat(dirfd, "../..")`).
    pub fn answer_with_file(&self, id: u64, file: &OwnedFd, cloexec: bool) -> io::Result<()> {
        let mut add = libc::seccomp_notif_addfd {
            id,
            flags: libc::SECCOMP_ADDFD_FLAG_SEND as u32,
            srcfd: file.as_raw_fd() as u32,
            newfd: 0,
            newfd_flags: if cloexec { libc::O_CLOEXEC as u32 } else { 0 },
        };
        // SAFETY: ADDFD takes a seccomp_notif_addfd; its result is the new descriptor's number.
        let rc = unsafe { libc::ioctl(self.raw(), libc::SECCOMP_IOCTL_NOTIF_ADDFD, &mut add) };
        if rc < 0 {
            Err(io::Error::last_os_error())
        } else {
            Ok(())
        }
    }
}

/// Copies a NUL-terminated string of at most `max` bytes out of the caller, a page at a time (a
/// string may end just before memory that is not mapped). None when it is longer.
pub fn read_string(pid: u32, addr: u64, max: usize) -> io::Result<Option<Vec<u8>>> {
    let mut out = Vec::new();
    let mut at = addr;
    while out.len() < max {
        let chunk = (4096 - (at as usize & 4095)).min(max - out.len());
        let mut buf = vec![0u8; chunk];
        let got = read_memory(pid, at, &mut buf)?;
        if let Some(end) = buf[..got].iter().position(|&b| b == 0) {
            out.extend_from_slice(&buf[..end]);
            return Ok(Some(out));
        }
        out.extend_from_slice(&buf[..got]);
        at += got as u64;
    }
    Ok(None)
}

/// Copies `buf.len()` bytes from the caller at `addr`.
pub fn read_memory(pid: u32, addr: u64, buf: &mut [u8]) -> io::Result<usize> {
    let local = libc::iovec { iov_base: buf.as_mut_ptr().cast(), iov_len: buf.len() };
    let remote = libc::iovec { iov_base: addr as *mut libc::c_void, iov_len: buf.len() };
    // SAFETY: one local buffer we own and one remote range; the kernel checks the remote one.
    let n = unsafe { libc::process_vm_readv(pid as libc::pid_t, &local, 1, &remote, 1, 0) };
    if n <= 0 {
        Err(if n == 0 { io::Error::from(io::ErrorKind::UnexpectedEof) } else { io::Error::last_os_error() })
    } else {
        Ok(n as usize)
    }
}

/// The caller's umask, for a file made on its behalf.
pub fn umask_of(pid: u32) -> u32 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| s.lines().find_map(|l| l.strip_prefix("Umask:").map(|v| v.trim().to_string())))
        .and_then(|v| u32::from_str_radix(&v, 8).ok())
        .unwrap_or(0o022)
}

/// Receives the one descriptor the plugin host's lockdown hands over; None if it closed instead.
pub fn receive_fd(socket: RawFd) -> io::Result<Option<OwnedFd>> {
    let (n, fds) = hf_fd_pass::receive(socket, &mut [0u8; 1])?;
    if n == 0 {
        return Ok(None);
    }
    fds.into_iter().next().map(Some).ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "the plugin host sent no descriptor"))
}
