//! Messages from Rust to the plugin host (invoke results, log records, notifications).
//!
//! A drain writes one buffer: a `u32` (little-endian) length, that many bytes of a JSON array of
//! control messages (logs, host calls, notifications), then each payload as an id (`u32`), its kind
//! (`u8`), the length of its bytes (`u32`) and the bytes. Kind `1` is the result of request `id` (the
//! value's JSON) and `0` its error's text; kind `2` is the body of host call `id`, whose message is in
//! the same batch (a POST's JSON as serde wrote it). Payloads are not parsed again on the way: main
//! hands them to whoever uses them.
//!
//! Rust threads never hand JS a pointer: they queue a JSON message and, when the queue goes from
//! empty to non-empty, call a void "wake" callback (ffi-rs notes §3: void callbacks are the only
//! kind that is safe from any thread). JS then drains the whole queue into a buffer it owns, so
//! many results cost one FFI call and no string outlives its owner.
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

pub type WakeFn = extern "C" fn(i32);

struct Queue {
    messages: Vec<String>,
    /// Payloads: (id, kind, bytes), see the module's format.
    results: Vec<(u32, u8, Vec<u8>)>,
    signalled: bool,
    /// JS is in [`wait_then_drain`] and will drain itself: posts skip the wake callback.
    waiting: bool,
    /// How many queued messages JS wants at once (see [`post_wanted`]).
    wanted: usize,
}

static QUEUE: Mutex<Queue> = Mutex::new(Queue { messages: Vec::new(), results: Vec::new(), signalled: false, waiting: false, wanted: 0 });
/// Wakes the JS thread blocked in [`wait_then_drain`] when a wanted message is queued.
static WANTED_READY: Condvar = Condvar::new();
// Held while the callback runs, so `clear_wake` cannot return while a call is in flight: after it
// returns, JS may free the callback safely.
static WAKE: Mutex<Option<WakeFn>> = Mutex::new(None);

pub fn set_wake(f: WakeFn) {
    *WAKE.lock().unwrap_or_else(|p| p.into_inner()) = Some(f);
}

pub fn clear_wake() {
    *WAKE.lock().unwrap_or_else(|p| p.into_inner()) = None;
}

/// Queues one message (a JSON value) for JS: a log record, an event, a notification.
pub fn post(message: serde_json::Value) {
    queue(message, false);
}

/// Queues a log record for the host log, under `target` (a plugin id, or `host-bridge`).
pub fn post_log(target: &str, level: &str, message: &str) {
    post(serde_json::json!({ "type": "log", "target": target, "level": level, "message": message }));
}

/// Queues a message that JS, if it is waiting in [`wait_then_drain`], wants at once: a command's
/// result, or a host call that blocks its handler until JS answers.
pub fn post_wanted(message: serde_json::Value) {
    queue(message, true);
}

/// Queues the result of request `id`: a value's JSON, or an error's text. JS always wants it.
pub fn post_result(id: u32, ok: bool, bytes: Vec<u8>) {
    enqueue(|q| q.results.push((id, u8::from(ok), bytes)), true);
}

/// The kind of payload that is the body of a host call (see the module's format).
pub const BODY: u8 = 2;

/// Queues a host call that JS wants at once (see [`post_wanted`]) with its body beside it, as bytes
/// main passes on without parsing. Both go in under one lock, so one drain carries both.
pub fn post_wanted_with_body(message: serde_json::Value, id: u32, body: Vec<u8>) {
    enqueue(
        |q| {
            q.messages.push(message.to_string());
            q.results.push((id, BODY, body));
        },
        true,
    );
}

fn queue(message: serde_json::Value, wanted: bool) {
    enqueue(|q| q.messages.push(message.to_string()), wanted);
}

fn lock_queue() -> MutexGuard<'static, Queue> {
    QUEUE.lock().unwrap_or_else(|p| p.into_inner())
}

fn enqueue(put: impl FnOnce(&mut Queue), wanted: bool) {
    let (wake_now, notify) = {
        let mut q = lock_queue();
        put(&mut q);
        if wanted {
            q.wanted += 1;
        }
        (!q.waiting && !std::mem::replace(&mut q.signalled, true), q.waiting && wanted)
    };
    if notify {
        WANTED_READY.notify_one();
    }
    if wake_now {
        wake();
    }
}

fn wake() {
    if let Some(f) = *WAKE.lock().unwrap_or_else(|p| p.into_inner()) {
        f(0);
    }
}

/// Waits up to `max` for a wanted message ([`post_wanted`]), then drains like [`drain_into`].
/// Returns 0 when none came in time; whatever else was queued then reaches JS through the wake
/// callback as usual.
///
/// The JS thread calls this right after starting a command. Most handlers answer within tens of
/// microseconds, while a wake through the callback costs a thread switch plus a turn of the event
/// loop and its async handle. Here the JS thread sleeps on a condition variable instead, so the
/// answer costs one thread wake and no CPU is spent waiting; JS stops waiting on commands that
/// were slow before. Log lines and the like do not end the wait (a handler that logs is still
/// quick), and skip the callback while it lasts.
pub fn wait_then_drain(max: Duration, out: &mut [u8]) -> i64 {
    let deadline = Instant::now() + max;
    let mut q = lock_queue();
    q.waiting = true;
    while q.wanted == 0 {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break;
        }
        q = WANTED_READY.wait_timeout(q, left).unwrap_or_else(|p| p.into_inner()).0;
    }
    // Still under the lock: a post either came before this (and is seen here) or comes after
    // `waiting` is false (and wakes JS through the callback itself).
    q.waiting = false;
    if q.wanted > 0 {
        return drain_locked(&mut q, out);
    }
    // Posted during the wait without a wake; the callback runs once this FFI call returns.
    let wake_now = (!q.messages.is_empty() || !q.results.is_empty()) && !std::mem::replace(&mut q.signalled, true);
    drop(q);
    if wake_now {
        wake();
    }
    0
}

/// Writes the queued messages and results into `out` (see the module's format), and empties the queue.
/// Returns the bytes written, 0 when nothing is queued, or minus the size needed when `out` is too
/// small (the queue is then left as it was).
pub fn drain_into(out: &mut [u8]) -> i64 {
    drain_locked(&mut lock_queue(), out)
}

fn drain_locked(q: &mut Queue, out: &mut [u8]) -> i64 {
    if q.messages.is_empty() && q.results.is_empty() {
        q.signalled = false;
        return 0;
    }
    let control = 2 + q.messages.iter().map(|m| m.len() + 1).sum::<usize>().saturating_sub(1);
    let needed = 4 + control + q.results.iter().map(|(_, _, b)| 9 + b.len()).sum::<usize>();
    if needed > out.len() {
        return -(needed as i64);
    }
    let mut at = 0;
    let mut put = |bytes: &[u8]| {
        out[at..at + bytes.len()].copy_from_slice(bytes);
        at += bytes.len();
    };
    put(&(control as u32).to_le_bytes());
    put(b"[");
    for (i, m) in q.messages.iter().enumerate() {
        if i > 0 {
            put(b",");
        }
        put(m.as_bytes());
    }
    put(b"]");
    for (id, kind, bytes) in &q.results {
        put(&id.to_le_bytes());
        put(&[*kind]);
        put(&(bytes.len() as u32).to_le_bytes());
        put(bytes);
    }
    q.messages.clear();
    q.results.clear();
    q.wanted = 0;
    q.signalled = false;
    at as i64
}

#[cfg(test)]
pub(crate) static TEST_LOCK: Mutex<()> = Mutex::new(());

/// The control messages of a drained buffer, for tests elsewhere in the crate.
#[cfg(test)]
pub(crate) fn control_messages(buf: &[u8]) -> Vec<serde_json::Value> {
    let len = u32::from_le_bytes(buf[..4].try_into().unwrap_or_default()) as usize;
    serde_json::from_slice(&buf[4..4 + len]).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::sync::atomic::{AtomicUsize, Ordering};

    type Results = Vec<(u32, bool, Vec<u8>)>;

    /// Reads a drained buffer back: the control messages, and each result.
    fn decode(buf: &[u8]) -> (serde_json::Value, Results) {
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

    #[test]
    fn drains_all_queued_messages_as_one_array_and_reports_short_buffers() {
        let _g = TEST_LOCK.lock().unwrap_or_else(|p| p.into_inner());
        let mut big = vec![0u8; 1024];
        drain_into(&mut big);
        post(json!({"a": 1}));
        post(json!({"b": 2}));
        post_result(3, false, b"Not found: x".to_vec());
        let mut small = [0u8; 4];
        let needed = drain_into(&mut small);
        assert_eq!(needed, -((4 + r#"[{"a":1},{"b":2}]"#.len() + 9 + 12) as i64));
        let n = drain_into(&mut big) as usize;
        assert_eq!(decode(&big[..n]), (json!([{"a": 1}, {"b": 2}]), vec![(3, false, b"Not found: x".to_vec())]));
        assert_eq!(drain_into(&mut big), 0);
    }

    #[test]
    fn a_host_call_and_its_body_are_drained_together_the_body_as_its_own_kind() {
        let _g = TEST_LOCK.lock().unwrap_or_else(|p| p.into_inner());
        let mut out = vec![0u8; 1024];
        drain_into(&mut out);
        post_wanted_with_body(json!({"type": "http", "id": 9}), 9, br#"{"n":1}"#.to_vec());
        let n = drain_into(&mut out) as usize;
        let control = u32::from_le_bytes(out[..4].try_into().unwrap()) as usize;
        assert_eq!(serde_json::from_slice::<serde_json::Value>(&out[4..4 + control]).unwrap(), json!([{"type": "http", "id": 9}]));
        let at = 4 + control;
        assert_eq!(u32::from_le_bytes(out[at..at + 4].try_into().unwrap()), 9);
        assert_eq!(out[at + 4], BODY);
        assert_eq!(&out[at + 9..n], br#"{"n":1}"#);
    }

    static WAKES: AtomicUsize = AtomicUsize::new(0);
    extern "C" fn count_wake(_: i32) {
        WAKES.fetch_add(1, Ordering::SeqCst);
    }

    #[test]
    fn a_result_posted_during_a_wait_is_drained_by_the_waiter_without_a_wake() {
        let _g = TEST_LOCK.lock().unwrap_or_else(|p| p.into_inner());
        let mut out = vec![0u8; 1024];
        drain_into(&mut out);
        set_wake(count_wake);
        let before = WAKES.load(Ordering::SeqCst);
        // Posted once JS is waiting (a result that comes before the wait starts wakes JS, and the
        // wait then finds it queued: correct, but not what this test is about).
        let worker = std::thread::spawn(|| {
            while !lock_queue().waiting {
                std::thread::yield_now();
            }
            post_result(7, true, br#"{"v":1}"#.to_vec())
        });
        let n = wait_then_drain(Duration::from_secs(5), &mut out);
        worker.join().unwrap();
        assert!(n > 0, "the waiter got nothing");
        assert_eq!(decode(&out[..n as usize]), (json!([]), vec![(7, true, br#"{"v":1}"#.to_vec())]));
        assert_eq!(WAKES.load(Ordering::SeqCst), before, "the wake callback fired although JS was waiting");
        clear_wake();
    }

    #[test]
    fn a_log_line_does_not_end_the_wait_for_a_result_and_both_are_drained_together() {
        let _g = TEST_LOCK.lock().unwrap_or_else(|p| p.into_inner());
        let mut out = vec![0u8; 1024];
        drain_into(&mut out);
        let worker = std::thread::spawn(|| {
            post(json!({"type": "log"}));
            std::thread::sleep(Duration::from_millis(20));
            post_result(8, true, b"null".to_vec());
        });
        let n = wait_then_drain(Duration::from_secs(5), &mut out);
        worker.join().unwrap();
        assert_eq!(decode(&out[..n as usize]), (json!([{"type": "log"}]), vec![(8, true, b"null".to_vec())]));
    }

    #[test]
    fn a_wait_that_only_saw_log_lines_returns_nothing_and_wakes_js_for_them() {
        let _g = TEST_LOCK.lock().unwrap_or_else(|p| p.into_inner());
        let mut out = vec![0u8; 1024];
        drain_into(&mut out);
        set_wake(count_wake);
        let before = WAKES.load(Ordering::SeqCst);
        let worker = std::thread::spawn(|| post(json!({"type": "log"})));
        worker.join().unwrap();
        assert_eq!(wait_then_drain(Duration::from_millis(5), &mut out), 0);
        assert_eq!(WAKES.load(Ordering::SeqCst), before + 1);
        let n = drain_into(&mut out);
        assert_eq!(decode(&out[..n as usize]).0, json!([{"type": "log"}]));
        clear_wake();
    }

    /// CPU time this thread has used so far.
    fn thread_cpu_time() -> Duration {
        let mut t = libc::timespec { tv_sec: 0, tv_nsec: 0 };
        // SAFETY: `t` is a valid timespec for the call to fill.
        assert_eq!(unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut t) }, 0);
        Duration::new(t.tv_sec as u64, t.tv_nsec as u32)
    }

    #[test]
    fn waiting_for_an_answer_sleeps_rather_than_polls() {
        let _g = TEST_LOCK.lock().unwrap_or_else(|p| p.into_inner());
        let mut out = vec![0u8; 1024];
        drain_into(&mut out);
        let before = thread_cpu_time();
        assert_eq!(wait_then_drain(Duration::from_millis(300), &mut out), 0);
        // A poll would burn the whole 300 ms of this thread's CPU; a sleep costs a few syscalls.
        let used = thread_cpu_time() - before;
        assert!(used < Duration::from_millis(30), "the wait used {used:?} of CPU");
    }

    #[test]
    fn after_a_wait_that_found_nothing_a_post_wakes_js_through_the_callback() {
        let _g = TEST_LOCK.lock().unwrap_or_else(|p| p.into_inner());
        let mut out = vec![0u8; 1024];
        drain_into(&mut out);
        set_wake(count_wake);
        let before = WAKES.load(Ordering::SeqCst);
        assert_eq!(wait_then_drain(Duration::from_micros(50), &mut out), 0);
        post(json!({"late": true}));
        assert_eq!(WAKES.load(Ordering::SeqCst), before + 1);
        assert!(drain_into(&mut out) > 0);
        clear_wake();
    }
}
