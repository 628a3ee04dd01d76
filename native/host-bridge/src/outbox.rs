//! Messages from Rust to the plugin host (invoke results, log records, notifications).
//!
//! Rust threads never hand JS a pointer: they queue a JSON message and, when the queue goes from
//! empty to non-empty, call a void "wake" callback (ffi-rs notes §3: void callbacks are the only
//! kind that is safe from any thread). JS then drains the whole queue into a buffer it owns, so
//! many results cost one FFI call and no string outlives its owner.
use std::sync::Mutex;

pub type WakeFn = extern "C" fn(i32);

struct Queue {
    messages: Vec<String>,
    signalled: bool,
}

static QUEUE: Mutex<Queue> = Mutex::new(Queue { messages: Vec::new(), signalled: false });
// Held while the callback runs, so `clear_wake` cannot return while a call is in flight: after it
// returns, JS may free the callback safely.
static WAKE: Mutex<Option<WakeFn>> = Mutex::new(None);

pub fn set_wake(f: WakeFn) {
    *WAKE.lock().unwrap_or_else(|p| p.into_inner()) = Some(f);
}

pub fn clear_wake() {
    *WAKE.lock().unwrap_or_else(|p| p.into_inner()) = None;
}

/// Queue one message (a JSON value) for JS.
pub fn post(message: serde_json::Value) {
    let wake_now = {
        let mut q = QUEUE.lock().unwrap_or_else(|p| p.into_inner());
        q.messages.push(message.to_string());
        !std::mem::replace(&mut q.signalled, true)
    };
    if wake_now {
        if let Some(f) = *WAKE.lock().unwrap_or_else(|p| p.into_inner()) {
            f(0);
        }
    }
}

/// Writes the queued messages as one JSON array into `out`, and empties the queue.
/// Returns the bytes written, 0 when nothing is queued, or minus the size needed when `out` is too
/// small (the queue is then left as it was).
pub fn drain_into(out: &mut [u8]) -> i64 {
    let mut q = QUEUE.lock().unwrap_or_else(|p| p.into_inner());
    if q.messages.is_empty() {
        q.signalled = false;
        return 0;
    }
    let needed = 2 + q.messages.iter().map(|m| m.len() + 1).sum::<usize>() - 1;
    if needed > out.len() {
        return -(needed as i64);
    }
    let mut at = 0;
    let mut put = |bytes: &[u8]| {
        out[at..at + bytes.len()].copy_from_slice(bytes);
        at += bytes.len();
    };
    put(b"[");
    for (i, m) in q.messages.iter().enumerate() {
        if i > 0 {
            put(b",");
        }
        put(m.as_bytes());
    }
    put(b"]");
    q.messages.clear();
    q.signalled = false;
    at as i64
}

#[cfg(test)]
pub(crate) static TEST_LOCK: Mutex<()> = Mutex::new(());

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn drains_all_queued_messages_as_one_array_and_reports_short_buffers() {
        let _g = TEST_LOCK.lock().unwrap_or_else(|p| p.into_inner());
        let mut big = vec![0u8; 1024];
        drain_into(&mut big);
        post(json!({"a": 1}));
        post(json!({"b": 2}));
        let mut small = [0u8; 4];
        let needed = drain_into(&mut small);
        assert_eq!(needed, -(r#"[{"a":1},{"b":2}]"#.len() as i64));
        let n = drain_into(&mut big) as usize;
        let v: serde_json::Value = serde_json::from_slice(&big[..n]).unwrap();
        assert_eq!(v, json!([{"a": 1}, {"b": 2}]));
        assert_eq!(drain_into(&mut big), 0);
    }
}
