//! Calls from a plugin's thread to the host (the request/complete pattern of ffi-rs notes §3): the
//! request goes out through the outbox, the thread waits on a condition variable, and the plugin
//! host answers with a `complete` message (see [`crate::channel`]). Every wait has a timeout.
use crate::outbox;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Condvar, Mutex};
use std::time::Duration;

static NEXT_ID: AtomicU32 = AtomicU32::new(1);
static PENDING: Mutex<Option<HashMap<u32, Option<Value>>>> = Mutex::new(None);
static ANSWERED: Condvar = Condvar::new();

/// Sends `request` (a JSON object; `type` and `id` are added) and waits for the host's answer.
pub fn call(kind: &str, request: Value, timeout: Duration) -> Result<Value, String> {
    call_with_body(kind, request, None, timeout)
}

/// As [`call`], with `body` (when there is one) beside the request as bytes main passes on.
pub fn call_with_body(kind: &str, mut request: Value, body: Option<Vec<u8>>, timeout: Duration) -> Result<Value, String> {
    let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
    {
        let mut pending = PENDING.lock().unwrap_or_else(|p| p.into_inner());
        pending.get_or_insert_with(HashMap::new).insert(id, None);
    }
    if let Some(obj) = request.as_object_mut() {
        obj.insert("type".into(), json!(kind));
        obj.insert("id".into(), json!(id));
    }
    match body {
        Some(bytes) => outbox::post_with_body(request, id, bytes),
        None => outbox::post(request),
    }
    let guard = PENDING.lock().unwrap_or_else(|p| p.into_inner());
    let (mut guard, waited) = ANSWERED.wait_timeout_while(guard, timeout, |p| matches!(p.as_ref().and_then(|m| m.get(&id)), Some(None))).unwrap_or_else(|p| p.into_inner());
    let answer = guard.as_mut().and_then(|m| m.remove(&id)).flatten();
    match answer {
        Some(v) => Ok(v),
        None if waited.timed_out() => Err(format!("the host did not answer {kind} request {id} within {} s", timeout.as_secs())),
        None => Err(format!("{kind} request {id} was dropped")),
    }
}

/// Delivers the host's answer to a waiting call. Returns false for an unknown or already answered id
/// (for instance one that timed out).
pub fn complete(id: u32, answer: Value) -> bool {
    let mut pending = PENDING.lock().unwrap_or_else(|p| p.into_inner());
    match pending.as_mut().and_then(|m| m.get_mut(&id)) {
        Some(slot @ None) => {
            *slot = Some(answer);
            drop(pending);
            ANSWERED.notify_all();
            true
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_call_returns_the_answer_completed_from_another_thread() {
        let _g = crate::outbox::TEST_LOCK.lock().unwrap_or_else(|p| p.into_inner());
        // What other tests left in the shared outbox (a call that timed out stays there) is not ours.
        crate::outbox::drain();
        let waiter = std::thread::spawn(|| call("http", json!({"url": "https://x"}), Duration::from_secs(5)));
        let id = loop {
            if let Some(batch) = crate::outbox::drain() {
                let msgs = crate::outbox::control_messages(&batch);
                if let Some(m) = msgs.iter().find(|m| m["type"] == "http" && m["url"] == "https://x") {
                    break m["id"].as_u64().unwrap() as u32;
                }
            }
            std::thread::sleep(Duration::from_millis(5));
        };
        assert!(complete(id, json!({"ok": true})));
        assert_eq!(waiter.join().unwrap(), Ok(json!({"ok": true})));
        assert!(!complete(id, json!({"ok": true})), "a second answer is refused");
    }

    #[test]
    fn a_call_without_answer_times_out() {
        // Shares the outbox with the other tests: take turns.
        let _g = crate::outbox::TEST_LOCK.lock().unwrap_or_else(|p| p.into_inner());
        let r = call("http", json!({}), Duration::from_millis(20));
        assert!(r.unwrap_err().contains("did not answer"));
        // Its request stays queued for a host that never came: take it out of the others' way.
        crate::outbox::drain();
    }
}
