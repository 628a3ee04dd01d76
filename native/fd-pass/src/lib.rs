//! Descriptors handed over a Unix socket with SCM_RIGHTS: the plugin host's seccomp listener to its
//! supervisor, and a program shim's standard streams to the supervisor that runs the program; and
//! the frames the shim and the supervisor exchange (frames.rs).
// Every unsafe operation sits in its own block with the reason it is sound (npm test runs clippy).
#![deny(unsafe_op_in_unsafe_fn, clippy::undocumented_unsafe_blocks)]
pub mod frames;

use std::io;
use std::os::fd::{FromRawFd, OwnedFd, RawFd};

/// The most descriptors one message carries (a shim's three streams).
pub const MAX_FDS: usize = 3;

/// Sends `bytes` (at least one) with `fds` attached to them; returns how many bytes went.
pub fn send(socket: RawFd, bytes: &[u8], fds: &[RawFd]) -> io::Result<usize> {
    assert!(!bytes.is_empty() && fds.len() <= MAX_FDS, "descriptors travel with at least one byte, at most {MAX_FDS} at once");
    let mut iov = libc::iovec { iov_base: bytes.as_ptr() as *mut libc::c_void, iov_len: bytes.len() };
    let size = std::mem::size_of_val(fds) as u32;
    // SAFETY: CMSG_SPACE is a pure size computation.
    let space = unsafe { libc::CMSG_SPACE(size) } as usize;
    let mut control = vec![0u8; space];
    // SAFETY: a zeroed msghdr is valid; its pointers are set to buffers that outlive the call.
    let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
    msg.msg_iov = &mut iov;
    msg.msg_iovlen = 1;
    if !fds.is_empty() {
        msg.msg_control = control.as_mut_ptr().cast();
        msg.msg_controllen = space;
        // SAFETY: the control buffer holds one cmsghdr with room for `fds`.
        unsafe {
            let header = libc::CMSG_FIRSTHDR(&msg);
            (*header).cmsg_level = libc::SOL_SOCKET;
            (*header).cmsg_type = libc::SCM_RIGHTS;
            (*header).cmsg_len = libc::CMSG_LEN(size) as usize;
            std::ptr::copy_nonoverlapping(fds.as_ptr().cast::<u8>(), libc::CMSG_DATA(header), size as usize);
        }
    }
    // SAFETY: sendmsg reads the message described above.
    let n = unsafe { libc::sendmsg(socket, &msg, libc::MSG_NOSIGNAL) };
    if n < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(n as usize)
    }
}

/// Receives into `buf`, with the descriptors that came along (close-on-exec); `(0, [])` at the
/// end of the stream. Descriptors beyond MAX_FDS are closed by the kernel (truncated message).
pub fn receive(socket: RawFd, buf: &mut [u8]) -> io::Result<(usize, Vec<OwnedFd>)> {
    let mut iov = libc::iovec { iov_base: buf.as_mut_ptr().cast(), iov_len: buf.len() };
    // SAFETY: CMSG_SPACE is a pure size computation.
    let space = unsafe { libc::CMSG_SPACE((MAX_FDS * std::mem::size_of::<RawFd>()) as u32) } as usize;
    let mut control = vec![0u8; space];
    // SAFETY: a zeroed msghdr is valid; its pointers are set below to buffers that outlive the call.
    let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
    msg.msg_iov = &mut iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.as_mut_ptr().cast();
    msg.msg_controllen = space;
    // SAFETY: recvmsg fills the buffers described by msg.
    let n = unsafe { libc::recvmsg(socket, &mut msg, libc::MSG_CMSG_CLOEXEC) };
    if n < 0 {
        return Err(io::Error::last_os_error());
    }
    let mut fds = Vec::new();
    // SAFETY: msg was filled by recvmsg; CMSG_FIRSTHDR and CMSG_NXTHDR stay within its control buffer.
    let mut header = unsafe { libc::CMSG_FIRSTHDR(&msg) };
    while !header.is_null() {
        // SAFETY: a non-null header points at a whole cmsghdr inside `control`.
        let (level, kind, len) = unsafe { ((*header).cmsg_level, (*header).cmsg_type, (*header).cmsg_len) };
        if level == libc::SOL_SOCKET && kind == libc::SCM_RIGHTS {
            // SAFETY: CMSG_LEN(0) is a pure size computation.
            let data = len - unsafe { libc::CMSG_LEN(0) } as usize;
            for i in 0..data / std::mem::size_of::<RawFd>() {
                let mut fd: RawFd = -1;
                // SAFETY: the i-th descriptor of this SCM_RIGHTS message lies within its data.
                unsafe {
                    std::ptr::copy_nonoverlapping(libc::CMSG_DATA(header).add(i * std::mem::size_of::<RawFd>()), (&mut fd as *mut RawFd).cast(), std::mem::size_of::<RawFd>())
                };
                // SAFETY: the kernel made a new descriptor for us.
                fds.push(unsafe { OwnedFd::from_raw_fd(fd) });
            }
        }
        // SAFETY: as above.
        header = unsafe { libc::CMSG_NXTHDR(&msg, header) };
    }
    Ok((n as usize, fds))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};
    use std::os::fd::AsRawFd;
    use std::os::unix::net::UnixStream;

    #[test]
    fn descriptors_arrive_with_their_bytes_and_work_on_the_other_side() {
        let (a, b) = UnixStream::pair().unwrap();
        let (mut pipe_in, pipe_out) = UnixStream::pair().unwrap();
        assert_eq!(send(a.as_raw_fd(), b"hello", &[pipe_out.as_raw_fd(), pipe_out.as_raw_fd()]).unwrap(), 5);
        drop(pipe_out);
        let mut buf = [0u8; 16];
        let (n, fds) = receive(b.as_raw_fd(), &mut buf).unwrap();
        assert_eq!((&buf[..n], fds.len()), (&b"hello"[..], 2));
        let mut copy = UnixStream::from(fds.into_iter().next().unwrap());
        copy.write_all(b"through").unwrap();
        let mut got = [0u8; 7];
        pipe_in.read_exact(&mut got).unwrap();
        assert_eq!(&got, b"through");
    }

    #[test]
    fn the_end_of_the_stream_is_no_bytes_and_no_descriptors() {
        let (a, b) = UnixStream::pair().unwrap();
        drop(a);
        let (n, fds) = receive(b.as_raw_fd(), &mut [0u8; 4]).unwrap();
        assert_eq!((n, fds.len()), (0, 0));
    }
}
