//! `ctx.events()`: plugins emit their own events (with `events_emit`) and subscribe to the app's
//! (with `events_listen`). Handlers run on one thread of the plugin's, in the order the events
//! came: a plugin hears "workflow started" before "workflow completed", and a slow handler delays
//! only this plugin's later events, never the caller.
use crate::outbox;
use haloforge_plugin_api::{AppEvent, EventBus, PluginError, SubscriptionToken};
use serde_json::{json, Value};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{channel, Sender};
use std::sync::{Arc, Mutex};

type Handler = Arc<dyn Fn(Value) + Send + Sync>;
type Delivery = (Vec<Handler>, Value);

pub struct Events {
    pub plugin_id: String,
    pub can_emit: bool,
    pub can_listen: bool,
    subscriptions: Mutex<Vec<(u64, Value, Handler)>>,
    next: AtomicU64,
    /** The event thread's queue, started with the first delivery. */
    deliveries: Mutex<Option<Sender<Delivery>>>,
}

/// What identifies an event for matching: its `type`, and its `name` for custom events.
fn key_of(event: &Value) -> (String, Option<String>) {
    let ty = event.get("type").and_then(Value::as_str).unwrap_or("").to_string();
    let name = (ty == "custom").then(|| event.get("name").and_then(Value::as_str).unwrap_or("").to_string());
    (ty, name)
}

impl Events {
    pub fn new(plugin_id: String, can_emit: bool, can_listen: bool) -> Self {
        Self { plugin_id, can_emit, can_listen, subscriptions: Mutex::new(Vec::new()), next: AtomicU64::new(1), deliveries: Mutex::new(None) }
    }

    fn start_event_thread(&self) -> Option<Sender<Delivery>> {
        let (tx, rx) = channel::<Delivery>();
        let plugin = self.plugin_id.clone();
        std::thread::Builder::new()
            .name("hf-events".into())
            .spawn(move || {
                for (handlers, payload) in rx {
                    for h in handlers {
                        let payload = payload.clone();
                        if catch_unwind(AssertUnwindSafe(|| h(payload))).is_err() {
                            outbox::post_log(&plugin, "error", "an event handler panicked");
                        }
                    }
                }
            })
            .ok()?;
        Some(tx)
    }

    /// Delivers an app event (`{"type": "theme_changed"}`, `{"type": "custom", "name": …}`) to the
    /// matching handlers, queued for the event thread. Returns how many will run.
    pub fn dispatch(&self, event: &Value, payload: Value) -> usize {
        let key = key_of(event);
        let handlers: Vec<Handler> =
            self.subscriptions.lock().unwrap_or_else(|p| p.into_inner()).iter().filter(|(_, e, _)| key_of(e) == key).map(|(_, _, h)| Arc::clone(h)).collect();
        if handlers.is_empty() {
            return 0;
        }
        let count = handlers.len();
        let mut queue = self.deliveries.lock().unwrap_or_else(|p| p.into_inner());
        if queue.is_none() {
            *queue = self.start_event_thread();
        }
        match queue.as_ref().map(|q| q.send((handlers, payload))) {
            Some(Ok(())) => count,
            _ => {
                outbox::post_log(&self.plugin_id, "error", "an app event was dropped: the event thread cannot run");
                0
            }
        }
    }
}

impl EventBus for Events {
    fn emit(&self, event: &str, payload: Value) -> Result<(), PluginError> {
        if !self.can_emit {
            return Err(PluginError::PermissionDenied("emitting events needs the events_emit permission".into()));
        }
        if event.is_empty() || event.len() > 200 {
            return Err(PluginError::Custom("an event name must have 1 to 200 characters".into()));
        }
        outbox::post(json!({ "type": "event", "target": self.plugin_id, "name": event, "payload": payload }));
        Ok(())
    }

    fn subscribe(&self, event: AppEvent, handler: Box<dyn Fn(Value) + Send + Sync>) -> SubscriptionToken {
        if !self.can_listen {
            outbox::post_log(&self.plugin_id, "warn", &format!("ctx.events().subscribe({event:?}) ignored: listening to app events needs the events_listen permission"));
            return SubscriptionToken(0);
        }
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let key = serde_json::to_value(&event).unwrap_or(Value::Null);
        self.subscriptions.lock().unwrap_or_else(|p| p.into_inner()).push((id, key, Arc::from(handler)));
        SubscriptionToken(id)
    }

    fn unsubscribe(&self, token: SubscriptionToken) {
        self.subscriptions.lock().unwrap_or_else(|p| p.into_inner()).retain(|(id, _, _)| *id != token.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;
    use std::time::Duration;

    #[test]
    fn handlers_get_matching_events_only_and_stop_after_unsubscribe() {
        let events = Events::new("dev.t.p".into(), true, true);
        let (tx, rx) = mpsc::channel();
        let tx = Mutex::new(tx);
        let token = events.subscribe(AppEvent::Custom { name: "plugin:dev.o.q:saved".into() }, Box::new(move |v| tx.lock().unwrap().send(v).unwrap()));
        assert_eq!(events.dispatch(&json!({"type": "theme_changed"}), json!(1)), 0);
        assert_eq!(events.dispatch(&json!({"type": "custom", "name": "plugin:dev.o.q:other"}), json!(2)), 0);
        assert_eq!(events.dispatch(&json!({"type": "custom", "name": "plugin:dev.o.q:saved"}), json!(3)), 1);
        assert_eq!(rx.recv_timeout(Duration::from_secs(5)).unwrap(), json!(3));
        events.unsubscribe(token);
        assert_eq!(events.dispatch(&json!({"type": "custom", "name": "plugin:dev.o.q:saved"}), json!(4)), 0);
    }

    #[test]
    fn events_reach_the_plugin_in_the_order_they_came_even_across_subscriptions() {
        let events = Events::new("dev.t.p".into(), false, true);
        let (tx, rx) = mpsc::channel();
        let tx = Arc::new(Mutex::new(tx));
        for event in [AppEvent::WorkflowStarted { workflow_id: String::new() }, AppEvent::WorkflowCompleted { workflow_id: String::new(), success: true }] {
            let tx = Arc::clone(&tx);
            events.subscribe(event, Box::new(move |v| tx.lock().unwrap().send(v).unwrap()));
        }
        for i in 0..50 {
            let ty = if i % 2 == 0 { "workflow_started" } else { "workflow_completed" };
            assert_eq!(events.dispatch(&json!({ "type": ty }), json!(i)), 1);
        }
        let heard: Vec<Value> = (0..50).map(|_| rx.recv_timeout(Duration::from_secs(5)).unwrap()).collect();
        assert_eq!(heard, (0..50).map(|i| json!(i)).collect::<Vec<_>>());
    }

    #[test]
    fn emitting_needs_its_permission() {
        let err = Events::new("p".into(), false, true).emit("x", Value::Null).unwrap_err();
        assert!(matches!(err, PluginError::PermissionDenied(_)));
        assert_eq!(Events::new("p".into(), false, false).subscribe(AppEvent::AppStarted, Box::new(|_| {})), SubscriptionToken(0));
    }
}
