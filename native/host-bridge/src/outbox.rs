//! Messages from Rust to main (invoke results, log records, notifications, host calls).
//!
//! A drain makes one batch: a `u32` (little-endian) length, that many bytes of a JSON array of
//! control messages (logs, host calls, notifications), then each payload as an id (`u32`), its kind
//! (`u8`), the length of its bytes (`u32`) and the bytes. Kind `1` is the result of request `id` (the
//! value's JSON) and `0` its error's text; kind `2` is the body of host call `id`, whose message is in
//! the same batch (a POST's JSON as serde wrote it). Payloads are not parsed again on the way: main
//! hands them to whoever uses them.
//!
//! Threads post here, and the channel (see [`crate::channel`]) writes what is queued to main as
//! one batch: when the queue goes from empty to non-empty, a post signals an eventfd, which wakes
//! the JS thread where it waits for main's next message, and it writes the batch before reading
//! on. So many results cost one write, no thread but the JS one ever writes to main, and a result
//! costs one thread wake on its way out.
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::{Mutex, MutexGuard};

struct Queue {
    messages: Vec<String>,
    /// Payloads: (id, kind, bytes), see the module's format.
    results: Vec<(u32, u8, Vec<u8>)>,
    /// The eventfd was signalled for what is queued, and the queue was not drained since.
    signalled: bool,
}

static QUEUE: Mutex<Queue> = Mutex::new(Queue { messages: Vec::new(), results: Vec::new(), signalled: false });
/// The eventfd a post signals (see [`set_signal`]); -1 before the channel is open.
static SIGNAL: AtomicI32 = AtomicI32::new(-1);

/// The eventfd that posts signal from now on.
pub fn set_signal(fd: i32) {
    SIGNAL.store(fd, Ordering::SeqCst);
}

/// Queues one message (a JSON value) for main: a log record, an event, a notification, a host
/// call, a load's outcome.
pub fn post(message: serde_json::Value) {
    enqueue(|q| q.messages.push(message.to_string()));
}

/// Queues a log record for the host log, under `target` (a plugin id, or `host-bridge`).
pub fn post_log(target: &str, level: &str, message: &str) {
    post(serde_json::json!({ "type": "log", "target": target, "level": level, "message": message }));
}

/// Queues the result of request `id`: a value's JSON, or an error's text.
pub fn post_result(id: u32, ok: bool, bytes: Vec<u8>) {
    enqueue(|q| q.results.push((id, u8::from(ok), bytes)));
}

/// The kind of payload that is the body of a host call (see the module's format).
pub const BODY: u8 = 2;

/// Queues a host call with its body beside it, as bytes main passes on without parsing. Both go in
/// under one lock, so one batch carries both.
pub fn post_with_body(message: serde_json::Value, id: u32, body: Vec<u8>) {
    enqueue(|q| {
        q.messages.push(message.to_string());
        q.results.push((id, BODY, body));
    });
}

fn lock_queue() -> MutexGuard<'static, Queue> {
    QUEUE.lock().unwrap_or_else(|p| p.into_inner())
}

fn enqueue(put: impl FnOnce(&mut Queue)) {
    let signal_now = {
        let mut q = lock_queue();
        put(&mut q);
        !std::mem::replace(&mut q.signalled, true)
    };
    if signal_now {
        let fd = SIGNAL.load(Ordering::SeqCst);
        if fd >= 0 {
            // SAFETY: writes 8 bytes from a live u64 to the eventfd; a full counter (EAGAIN) still
            // leaves it readable, which is all a signal needs.
            unsafe { libc::write(fd, (&1u64 as *const u64).cast(), 8) };
        }
    }
}

/// What is queued as one batch (see the module's format), emptying the queue; none when nothing is.
/// Whoever drains after a signal reads the eventfd first: a post that comes after this drain then
/// signals again.
pub fn drain() -> Option<Vec<u8>> {
    let mut q = lock_queue();
    q.signalled = false;
    if q.messages.is_empty() && q.results.is_empty() {
        return None;
    }
    let control = 2 + q.messages.iter().map(|m| m.len() + 1).sum::<usize>().saturating_sub(1);
    let mut out = Vec::with_capacity(4 + control + q.results.iter().map(|(_, _, b)| 9 + b.len()).sum::<usize>());
    out.extend_from_slice(&(control as u32).to_le_bytes());
    out.push(b'[');
    for (i, m) in q.messages.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(m.as_bytes());
    }
    out.push(b']');
    for (id, kind, bytes) in &q.results {
        out.extend_from_slice(&id.to_le_bytes());
        out.push(*kind);
        out.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
        out.extend_from_slice(bytes);
    }
    q.messages.clear();
    q.results.clear();
    Some(out)
}

#[cfg(test)]
pub(crate) static TEST_LOCK: Mutex<()> = Mutex::new(());

/// The control messages of a drained batch, for tests elsewhere in the crate.
#[cfg(test)]
pub(crate) fn control_messages(buf: &[u8]) -> Vec<serde_json::Value> {
    serde_json::from_value(decode(buf).0).unwrap_or_default()
}

#[cfg(test)]
pub(crate) type Results = Vec<(u32, bool, Vec<u8>)>;

/// Reads a drained batch back, for tests elsewhere in the crate too: the control messages, and
/// each result.
#[cfg(test)]
pub(crate) fn decode(buf: &[u8]) -> (serde_json::Value, Results) {
    let control = u32::from_le_bytes(buf[..4].try_into().unwrap()) as usize;
    let messages = serde_json::from_slice(&buf[4..4 + control]).unwrap();
    let mut results = Vec::new();
    let mut at = 4 + control;
    while at < buf.len() {
        let id = u32::from_le_bytes(buf[at..at + 4].try_into().unwrap());
        let ok = buf[at + 4] == 1;
        let len = u32::from_le_bytes(buf[at + 5..at + 9].try_into().unwrap()) as usize;
        results.push((id, ok, buf[at + 9..at + 9 + len].to_vec()));
        at += 9 + len;
    }
    (messages, results)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn drains_all_queued_messages_as_one_array_with_the_results_beside_it() {
        let _g = TEST_LOCK.lock().unwrap_or_else(|p| p.into_inner());
        drain();
        post(json!({"a": 1}));
        post(json!({"b": 2}));
        post_result(3, false, b"Not found: x".to_vec());
        let batch = drain().unwrap();
        assert_eq!(batch.len(), 4 + r#"[{"a":1},{"b":2}]"#.len() + 9 + 12);
        assert_eq!(decode(&batch), (json!([{"a": 1}, {"b": 2}]), vec![(3, false, b"Not found: x".to_vec())]));
        assert_eq!(drain(), None);
    }

    #[test]
    fn a_host_call_and_its_body_are_drained_together_the_body_as_its_own_kind() {
        let _g = TEST_LOCK.lock().unwrap_or_else(|p| p.into_inner());
        drain();
        post_with_body(json!({"type": "http", "id": 9}), 9, br#"{"n":1}"#.to_vec());
        let out = drain().unwrap();
        let control = u32::from_le_bytes(out[..4].try_into().unwrap()) as usize;
        assert_eq!(serde_json::from_slice::<serde_json::Value>(&out[4..4 + control]).unwrap(), json!([{"type": "http", "id": 9}]));
        let at = 4 + control;
        assert_eq!(u32::from_le_bytes(out[at..at + 4].try_into().unwrap()), 9);
        assert_eq!(out[at + 4], BODY);
        assert_eq!(&out[at + 9..], br#"{"n":1}"#);
    }

    /// What the eventfd counts now, emptying it.
    fn signals(fd: i32) -> u64 {
        let mut n = 0u64;
        // SAFETY: reads 8 bytes into a live u64 from a non-blocking eventfd this test owns.
        let read = unsafe { libc::read(fd, (&mut n as *mut u64).cast(), 8) };
        if read == 8 {
            n
        } else {
            0
        }
    }

    #[test]
    fn signals_once_for_what_queues_up_before_a_drain_and_again_after_it() {
        let _g = TEST_LOCK.lock().unwrap_or_else(|p| p.into_inner());
        drain();
        // SAFETY: creates an eventfd this test owns and closes below.
        let fd = unsafe { libc::eventfd(0, libc::EFD_NONBLOCK | libc::EFD_CLOEXEC) };
        assert!(fd >= 0);
        set_signal(fd);
        post_log("t", "info", "one");
        post_result(1, true, b"1".to_vec());
        assert_eq!(signals(fd), 1, "a second post while the first waits signals nothing more");
        assert!(drain().is_some());
        post_result(2, true, b"2".to_vec());
        assert_eq!(signals(fd), 1, "the first post after a drain signals again");
        drain();
        set_signal(-1);
        // SAFETY: closes the eventfd opened above.
        unsafe { libc::close(fd) };
    }
}
