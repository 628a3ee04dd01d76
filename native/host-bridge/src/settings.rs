//! `ctx.settings()` and `ctx.save_settings()`. The values live in a file main owns, out of the
//! sandbox's view; the bridge keeps the current values (the saved ones over the defaults of the
//! manifest's `settings_schema`, as main sent them) and asks main to save new ones.
use crate::host_call;
use haloforge_plugin_api::PluginError;
use serde_json::{json, Value};
use std::sync::Mutex;
use std::time::Duration;

pub struct Settings {
    current: Mutex<Value>,
    wait: Duration,
}

impl Settings {
    pub fn new(initial: serde_json::Map<String, Value>, wait: Duration) -> Self {
        Self { current: Mutex::new(Value::Object(initial)), wait }
    }

    pub fn current(&self) -> Value {
        self.current.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// The values main now holds (after a save here or in a panel).
    pub fn replace(&self, values: Value) {
        if values.is_object() {
            *self.current.lock().unwrap_or_else(|p| p.into_inner()) = values;
        }
    }

    /// Asks main to save a full settings object (the SDK's `updateSettings` sends the merged
    /// object); returns the values the plugin now has.
    pub fn save(&self, settings: &Value) -> Result<Value, PluginError> {
        if !settings.is_object() {
            return Err(PluginError::Serialization("settings must be a JSON object".into()));
        }
        let reply = host_call::call("settings", json!({ "values": settings }), self.wait).map_err(PluginError::Io)?;
        if reply.get("ok").and_then(Value::as_bool) != Some(true) {
            let message = reply.get("message").and_then(Value::as_str).unwrap_or("the host did not save the settings");
            return Err(PluginError::Custom(message.to_string()));
        }
        let values = reply.get("values").cloned().unwrap_or_else(|| settings.clone());
        self.replace(values.clone());
        Ok(values)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saving_goes_through_main_and_keeps_what_main_answers() {
        let _g = crate::outbox::TEST_LOCK.lock().unwrap_or_else(|p| p.into_inner());
        let s = Settings::new(json!({"model": "small", "limit": 10}).as_object().cloned().unwrap(), Duration::from_secs(5));
        assert_eq!(s.current(), json!({"model": "small", "limit": 10}));
        let main = std::thread::spawn(|| loop {
            if let Some(batch) = crate::outbox::drain() {
                let msgs = crate::outbox::control_messages(&batch);
                if let Some(m) = msgs.iter().find(|m| m["type"] == "settings") {
                    assert_eq!(m["values"], json!({"limit": 20}));
                    assert!(host_call::complete(m["id"].as_u64().unwrap() as u32, json!({"ok": true, "values": {"model": "small", "limit": 20}})));
                    return;
                }
            }
            std::thread::sleep(Duration::from_millis(2));
        });
        assert_eq!(s.save(&json!({"limit": 20})).unwrap(), json!({"model": "small", "limit": 20}));
        main.join().unwrap();
        assert_eq!(s.current(), json!({"model": "small", "limit": 20}));
        assert!(s.save(&json!([1])).is_err());
    }
}
