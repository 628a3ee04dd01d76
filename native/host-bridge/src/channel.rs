//! The plugin host's channel to main: the socket pair on fd 3 (see core/plugins/host-launcher),
//! read and written here, on the JS thread, instead of by a Node socket. Node's sockets bring its
//! whole stream stack, about 2 ms of every plugin host's start (`npm run bench`, cold load). The JS
//! thread waits in [`next`] for main's next bytes or the outbox's signal (see [`crate::outbox`]),
//! writes the batch the outbox holds, and returns with what main sent: one thread wake either way,
//! as Node's event loop would cost. Only the JS thread reads or writes the channel, so frames
//! (see core/plugins/frames) never interleave.
use crate::outbox;
use std::io;
use std::sync::atomic::{AtomicI32, Ordering};

static CHANNEL: AtomicI32 = AtomicI32::new(-1);
/// The eventfd the outbox signals when something is queued.
static QUEUED: AtomicI32 = AtomicI32::new(-1);

/// An outbox batch's frame is this JSON, the batch's length and `}}`, then the batch.
const OUTBOX_FRAME_JSON: &str = r#"{"type":"outbox","batch":{"$bytes":"#;

fn last_error() -> io::Error {
    io::Error::last_os_error()
}

/// Main closing its end reads as an end of file, or, when bytes were still on their way either
/// way, as EPIPE or ECONNRESET: all three say the same, that nobody is left to answer.
fn main_closed(e: &io::Error) -> bool {
    matches!(e.kind(), io::ErrorKind::BrokenPipe | io::ErrorKind::ConnectionReset)
}

/// Takes `fd` as the channel to main: blocking (the JS thread waits in [`next`], and a write waits
/// for main to read), with the outbox signalling an eventfd of its own from now on.
pub fn open(fd: i32) -> io::Result<()> {
    // SAFETY: F_GETFL/F_SETFL read and set a descriptor's status flags; a closed one answers EBADF.
    let flags = unsafe { libc::fcntl(fd, libc::F_GETFL) };
    // SAFETY: as above.
    if flags < 0 || unsafe { libc::fcntl(fd, libc::F_SETFL, flags & !libc::O_NONBLOCK) } < 0 {
        return Err(last_error());
    }
    // SAFETY: creates a descriptor this process owns; close-on-exec, so no program inherits it.
    let queued = unsafe { libc::eventfd(0, libc::EFD_CLOEXEC | libc::EFD_NONBLOCK) };
    if queued < 0 {
        return Err(last_error());
    }
    CHANNEL.store(fd, Ordering::SeqCst);
    let previous = QUEUED.swap(queued, Ordering::SeqCst);
    outbox::set_signal(queued);
    if previous >= 0 {
        // SAFETY: the eventfd of an earlier open, which nothing signals any more.
        unsafe { libc::close(previous) };
    }
    Ok(())
}

/// Waits for main's next bytes and reads up to `buf.len()` of them into `buf`; 0 when main has
/// closed its end. Meanwhile whatever the outbox queues is written to main as it comes.
pub fn next(buf: &mut [u8]) -> io::Result<usize> {
    match wait_and_read(buf) {
        Err(e) if main_closed(&e) => Ok(0),
        read => read,
    }
}

fn wait_and_read(buf: &mut [u8]) -> io::Result<usize> {
    let channel = CHANNEL.load(Ordering::SeqCst);
    let queued = QUEUED.load(Ordering::SeqCst);
    loop {
        let mut fds = [libc::pollfd { fd: channel, events: libc::POLLIN, revents: 0 }, libc::pollfd { fd: queued, events: libc::POLLIN, revents: 0 }];
        // SAFETY: polls two descriptors described by a live array of its stated length.
        if unsafe { libc::poll(fds.as_mut_ptr(), 2, -1) } < 0 {
            let e = last_error();
            if e.kind() == io::ErrorKind::Interrupted {
                continue;
            }
            return Err(e);
        }
        if fds[1].revents & libc::POLLIN != 0 {
            // Read before draining: a post after the drain then signals again (see outbox::drain).
            let mut count = 0u64;
            // SAFETY: reads 8 bytes into a live u64 from the non-blocking eventfd.
            unsafe { libc::read(queued, (&mut count as *mut u64).cast(), 8) };
            flush()?;
        }
        if fds[0].revents != 0 {
            // SAFETY: reads into the caller's buffer, at most its length.
            let n = unsafe { libc::read(channel, buf.as_mut_ptr().cast(), buf.len()) };
            if n >= 0 {
                return Ok(n as usize);
            }
            let e = last_error();
            if e.kind() != io::ErrorKind::Interrupted {
                return Err(e);
            }
        }
    }
}

/// Writes what the outbox holds to main as one frame.
pub fn flush() -> io::Result<()> {
    let Some(batch) = outbox::drain() else { return Ok(()) };
    let channel = CHANNEL.load(Ordering::SeqCst);
    let json = format!("{OUTBOX_FRAME_JSON}{}}}}}", batch.len());
    let mut head = [0u8; 8];
    head[..4].copy_from_slice(&((4 + json.len() + batch.len()) as u32).to_be_bytes());
    head[4..].copy_from_slice(&(json.len() as u32).to_be_bytes());
    write_all(channel, &[&head, json.as_bytes(), &batch])
}

/// Writes bytes the plugin host framed itself (its proof, a load's failure, stats).
pub fn send(bytes: &[u8]) -> io::Result<()> {
    write_all(CHANNEL.load(Ordering::SeqCst), &[bytes])
}

/// Writes all of `pieces`, one after the other, with as few system calls as the socket allows.
fn write_all(fd: i32, pieces: &[&[u8]]) -> io::Result<()> {
    let mut left: Vec<&[u8]> = pieces.iter().copied().filter(|p| !p.is_empty()).collect();
    while !left.is_empty() {
        let iov: Vec<libc::iovec> = left.iter().map(|p| libc::iovec { iov_base: p.as_ptr() as *mut libc::c_void, iov_len: p.len() }).collect();
        // SAFETY: every iovec describes a live slice of `left`, which outlives the call.
        let n = unsafe { libc::writev(fd, iov.as_ptr(), iov.len() as i32) };
        if n < 0 {
            let e = last_error();
            if e.kind() == io::ErrorKind::Interrupted {
                continue;
            }
            return Err(e);
        }
        let mut written = n as usize;
        while written > 0 {
            if left[0].len() <= written {
                written -= left[0].len();
                left.remove(0);
            } else {
                left[0] = &left[0][written..];
                written = 0;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};
    use std::os::fd::{FromRawFd, IntoRawFd};
    use std::os::unix::net::UnixStream;

    /// Opens the channel on one end of a new socket pair, and gives the other end, main's.
    fn open_pair() -> UnixStream {
        let (ours, main) = UnixStream::pair().unwrap();
        open(ours.into_raw_fd()).unwrap();
        main
    }

    /// Closes the channel `open_pair` opened, and stops posts from signalling its eventfd.
    fn close_ours() {
        outbox::set_signal(-1);
        // SAFETY: the channel `open_pair` opened, which the calling test owns.
        drop(unsafe { UnixStream::from_raw_fd(CHANNEL.load(Ordering::SeqCst)) });
    }

    /// One frame read from `peer`: its JSON and the bytes after it.
    fn read_frame(peer: &mut UnixStream) -> (serde_json::Value, Vec<u8>) {
        let mut len = [0u8; 4];
        peer.read_exact(&mut len).unwrap();
        let mut body = vec![0u8; u32::from_be_bytes(len) as usize];
        peer.read_exact(&mut body).unwrap();
        let json_len = u32::from_be_bytes(body[..4].try_into().unwrap()) as usize;
        (serde_json::from_slice(&body[4..4 + json_len]).unwrap(), body[4 + json_len..].to_vec())
    }

    #[test]
    fn writes_what_the_outbox_queues_as_an_outbox_frame_while_it_waits_for_main_and_ends_when_main_does() {
        let _g = outbox::TEST_LOCK.lock().unwrap_or_else(|p| p.into_inner());
        outbox::drain();
        let mut main = open_pair();
        outbox::post_result(5, true, b"{\"v\":1}".to_vec());
        let main_side = std::thread::spawn(move || {
            let (json, batch) = read_frame(&mut main);
            main.write_all(b"hello").unwrap();
            (json, batch)
        });
        let mut buf = [0u8; 64];
        assert_eq!(next(&mut buf).unwrap(), 5, "the outbox's batch went out, then main's bytes came in");
        assert_eq!(&buf[..5], b"hello");
        let (json, batch) = main_side.join().unwrap();
        assert_eq!(json, serde_json::json!({"type": "outbox", "batch": {"$bytes": batch.len()}}));
        // The batch as the outbox makes it: its control messages (other tests may log meanwhile),
        // then result 5.
        assert_eq!(outbox::decode(&batch).1, vec![(5, true, b"{\"v\":1}".to_vec())]);
        assert_eq!(next(&mut buf).unwrap(), 0, "main closed its end");
        close_ours();
    }

    #[test]
    fn main_closing_its_end_with_bytes_still_on_their_way_is_an_end_not_an_error() {
        let _g = outbox::TEST_LOCK.lock().unwrap_or_else(|p| p.into_inner());
        outbox::drain();
        let mut buf = [0u8; 64];
        // Main stops reading and closes with our frame unread (as when it stops a host over a bad
        // frame): the read that follows is ECONNRESET.
        let main = open_pair();
        send(b"unread").unwrap();
        drop(main);
        assert_eq!(next(&mut buf).unwrap(), 0);
        close_ours();
        // Main has gone when the outbox has a batch to write: the write is EPIPE.
        let main = open_pair();
        drop(main);
        outbox::post_result(7, true, b"{}".to_vec());
        assert_eq!(next(&mut buf).unwrap(), 0);
        close_ours();
    }

    #[test]
    fn sends_large_frames_whole_however_slowly_main_reads() {
        let _g = outbox::TEST_LOCK.lock().unwrap_or_else(|p| p.into_inner());
        let mut main = open_pair();
        let big: Vec<u8> = (0..4 * 1024 * 1024).map(|i| (i % 251) as u8).collect();
        let expected = big.clone();
        let reader = std::thread::spawn(move || {
            let mut got = Vec::new();
            let mut chunk = [0u8; 4096];
            while got.len() < expected.len() {
                let n = main.read(&mut chunk).unwrap();
                got.extend_from_slice(&chunk[..n]);
            }
            got == expected
        });
        send(&big).unwrap();
        assert!(reader.join().unwrap(), "main read other bytes than were sent");
        close_ours();
    }
}
