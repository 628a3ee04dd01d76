//! `ctx.settings()` and `ctx.save_settings()`: the saved values merged over the defaults of the
//! manifest's `settings_schema`, kept in a file the host owns (outside the plugin folder, so an
//! upgrade keeps them), written atomically.
use haloforge_plugin_api::PluginError;
use serde_json::{Map, Value};
use std::io::Write;
use std::path::PathBuf;

pub struct Settings {
    pub path: PathBuf,
    pub defaults: Map<String, Value>,
}

impl Settings {
    fn saved(&self) -> Map<String, Value> {
        std::fs::read(&self.path)
            .ok()
            .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
            .and_then(|v| v.as_object().cloned())
            .unwrap_or_default()
    }

    pub fn current(&self) -> Value {
        let mut merged = self.defaults.clone();
        merged.extend(self.saved());
        Value::Object(merged)
    }

    /// Saves a full settings object (the SDK's `updateSettings` sends the merged object).
    pub fn save(&self, settings: &Value) -> Result<Value, PluginError> {
        let Some(obj) = settings.as_object() else {
            return Err(PluginError::Serialization("settings must be a JSON object".into()));
        };
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let tmp = self.path.with_extension(format!("{}.tmp", std::process::id()));
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(Value::Object(obj.clone()).to_string().as_bytes())?;
        file.sync_all()?;
        std::fs::rename(&tmp, &self.path)?;
        Ok(self.current())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn saved_values_override_defaults_and_survive_a_new_instance() {
        let path = std::env::temp_dir().join(format!("hf-settings-{}.json", std::process::id()));
        let _ = std::fs::remove_file(&path);
        let defaults = json!({"model": "small", "limit": 10}).as_object().cloned().unwrap();
        let s = Settings { path: path.clone(), defaults: defaults.clone() };
        assert_eq!(s.current(), json!({"model": "small", "limit": 10}));
        s.save(&json!({"limit": 20})).unwrap();
        assert_eq!(Settings { path: path.clone(), defaults }.current(), json!({"model": "small", "limit": 20}));
        assert!(s.save(&json!([1])).is_err());
        std::fs::remove_file(path).unwrap();
    }
}
