//! The host side of the plugin API: what a plugin gets as `&dyn PluginContext` and
//! `&mut dyn IpcRegistrar`.
use crate::db::{HostTables, PluginDatabase};
use crate::events::Events;
use crate::local::{Files, Processes};
use crate::settings::Settings;
use crate::{host_call, outbox};
use haloforge_plugin_api::*;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

/// How long a plugin thread waits for main to answer a host call, unless main says (it does: the
/// longest it may take to answer, from its one budget of waits).
fn default_host_call_wait_ms() -> u64 {
    300_000
}

/// What the host tells the bridge about a plugin when it loads it.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContextConfig {
    pub plugin_id: String,
    pub data_dir: PathBuf,
    /// Whether the manifest declares a network permission (then `ctx.http()` is `Some`).
    #[serde(default)]
    pub network: bool,
    /// The permissions the user granted (Transparent ones, approved ones, Restricted ones turned on).
    #[serde(default)]
    pub permissions: Vec<GrantedPermission>,
    /// The plugin's current settings: the saved values over the defaults of its settings_schema.
    #[serde(default)]
    pub settings: serde_json::Map<String, Value>,
    #[serde(default = "default_host_call_wait_ms")]
    pub host_call_wait_ms: u64,
}

#[derive(Debug, Clone, serde::Deserialize)]
pub struct GrantedPermission {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub value: Value,
}

pub struct BridgeContext {
    pub plugin_id: String,
    pub data_dir: PathBuf,
    /// Opened on first use: most plugins never touch it, and SQLite costs memory.
    db: std::sync::OnceLock<Result<PluginDatabase, String>>,
    db_readable: std::sync::Mutex<Option<HostTables>>,
    pub events: Events,
    http: Option<BrokeredHttp>,
    fs: Option<Files>,
    process: Option<Processes>,
    pub settings: Settings,
    /// Tells the loaded plugin its own save took effect (`on_settings_changed`); given by whoever
    /// holds the plugin, so this module needs nothing of it.
    settings_saved: SettingsSaved,
}

/// What `save_settings` calls with the values saved.
pub type SettingsSaved = Box<dyn Fn(Value) + Send + Sync>;

/// The database file of a plugin, in its data folder.
pub const DATABASE_FILE: &str = "haloforge-plugin.sqlite";

impl BridgeContext {
    pub fn new(config: ContextConfig, settings_saved: SettingsSaved) -> Self {
        let has = |kind: &str| config.permissions.iter().any(|p| p.kind == kind);
        let readable = if has("database_read_all") {
            HostTables::All
        } else {
            HostTables::Some(config.permissions.iter().filter(|p| p.kind == "database_read").filter_map(|p| p.value.as_str().map(str::to_string)).collect())
        };
        let wait = Duration::from_millis(config.host_call_wait_ms);
        let process = (has("process_spawn") || has("process_spawn_whitelist")).then_some(Processes { wait });
        let fs = ["filesystem_read", "filesystem_write", "filesystem_read_app_data", "filesystem_write_app_data"]
            .iter()
            .any(|k| has(k))
            .then(|| Files { data_dir: config.data_dir.clone(), write_data: has("filesystem_write_app_data") || has("filesystem_write") });
        Self {
            settings_saved,
            fs,
            process,
            events: Events::new(config.plugin_id.clone(), has("events_emit"), has("events_listen")),
            http: config.network.then_some(BrokeredHttp { wait }),
            settings: Settings::new(config.settings, wait),
            plugin_id: config.plugin_id,
            data_dir: config.data_dir,
            db: std::sync::OnceLock::new(),
            db_readable: std::sync::Mutex::new(Some(readable)),
        }
    }
}

/// `ctx.http()`: every request goes to the host's broker, which decides, sends and records it.
struct BrokeredHttp {
    wait: Duration,
}

impl BrokeredHttp {
    fn send(&self, method: &str, url: &str, body: Option<Value>, headers: Option<HashMap<String, String>>) -> Result<HttpResponse, PluginError> {
        let request = json!({ "method": method, "url": url, "headers": headers.unwrap_or_default() });
        // The body travels beside the request as the JSON serde writes: main sends it on unparsed.
        let body = body.map(|v| serde_json::to_vec(&v).unwrap_or_else(|_| b"null".to_vec()));
        let reply = host_call::call_with_body("http", request, body, self.wait).map_err(PluginError::Network)?;
        http_reply(reply)
    }
}

/// A brokered response's body as the plugin API gives it (contract §1.3 `HttpResponse.body`): the
/// JSON value when the response said it is JSON and it parses, its text otherwise. Main passes the
/// bytes on as they came off the wire; this is the one place they are read.
pub fn body_value(bytes: &[u8], json: bool) -> Value {
    if json {
        if let Ok(v) = serde_json::from_slice(bytes) {
            return v;
        }
    }
    Value::String(String::from_utf8_lossy(bytes).into_owned())
}

/// Turns the broker's answer into what the plugin API promises.
pub fn http_reply(reply: Value) -> Result<HttpResponse, PluginError> {
    let text = |key: &str| reply.get(key).and_then(Value::as_str).unwrap_or("").to_string();
    if reply.get("ok").and_then(Value::as_bool) != Some(true) {
        return Err(match reply.get("kind").and_then(Value::as_str) {
            Some("permission") => PluginError::PermissionDenied(text("message")),
            _ => PluginError::Network(text("message")),
        });
    }
    let status = reply.get("status").and_then(Value::as_u64).and_then(|s| u16::try_from(s).ok()).ok_or_else(|| PluginError::Network("the broker's answer has no status".into()))?;
    let headers =
        reply.get("headers").and_then(Value::as_object).map(|h| h.iter().filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_string()))).collect()).unwrap_or_default();
    Ok(HttpResponse { status, headers, body: reply.get("body").cloned().unwrap_or(Value::Null) })
}

impl HttpClient for BrokeredHttp {
    fn get(&self, url: &str, headers: Option<HashMap<String, String>>) -> Result<HttpResponse, PluginError> {
        self.send("GET", url, None, headers)
    }
    fn post(&self, url: &str, body: Value, headers: Option<HashMap<String, String>>) -> Result<HttpResponse, PluginError> {
        self.send("POST", url, Some(body), headers)
    }
}

pub fn level_name(level: LogLevel) -> &'static str {
    match level {
        LogLevel::Trace => "trace",
        LogLevel::Debug => "debug",
        LogLevel::Info => "info",
        LogLevel::Warn => "warn",
        LogLevel::Error => "error",
    }
}

/// Sends a log record to the host's log, tagged with `target` (the plugin id).
impl PluginContext for BridgeContext {
    fn db(&self) -> &dyn DatabaseAccess {
        let opened = self.db.get_or_init(|| {
            let readable = self.db_readable.lock().unwrap_or_else(|p| p.into_inner()).take().unwrap_or(HostTables::Some(Vec::new()));
            let result = std::fs::create_dir_all(&self.data_dir)
                .map_err(|e| e.to_string())
                .and_then(|_| PluginDatabase::open(&self.data_dir.join(DATABASE_FILE), &self.plugin_id, readable).map_err(|e| e.to_string()));
            if let Err(e) = &result {
                outbox::post_log(&self.plugin_id, "error", &format!("cannot open the plugin database: {e}"));
            }
            result
        });
        match opened {
            Ok(db) => db,
            Err(_) => &UNAVAILABLE_DB,
        }
    }
    fn events(&self) -> &dyn EventBus {
        &self.events
    }
    fn http(&self) -> Option<&dyn HttpClient> {
        self.http.as_ref().map(|h| h as &dyn HttpClient)
    }
    fn fs(&self) -> Option<&dyn PluginFs> {
        self.fs.as_ref().map(|f| f as &dyn PluginFs)
    }
    fn process(&self) -> Option<&dyn ProcessRunner> {
        self.process.as_ref().map(|p| p as &dyn ProcessRunner)
    }
    fn settings(&self) -> Value {
        self.settings.current()
    }
    fn save_settings(&self, settings: Value) -> Result<(), PluginError> {
        // Main saves, tells the panels and other plugins, and never logs the values (API keys).
        let saved = self.settings.save(&settings)?;
        (self.settings_saved)(saved);
        Ok(())
    }
    fn data_dir(&self) -> PathBuf {
        self.data_dir.clone()
    }
    fn log(&self, level: LogLevel, msg: &str) {
        outbox::post_log(&self.plugin_id, level_name(level), msg);
    }
    fn notify(&self, notification: Notification) {
        outbox::post(json!({ "type": "notify", "target": self.plugin_id, "notification": notification }));
    }
}

/// Stands in when the plugin's database could not be opened; every call says why.
struct UnavailableDatabase;
static UNAVAILABLE_DB: UnavailableDatabase = UnavailableDatabase;

impl DatabaseAccess for UnavailableDatabase {
    fn query(&self, _sql: &str, _params: &[Value]) -> Result<Vec<HashMap<String, Value>>, PluginError> {
        Err(PluginError::Database("the plugin's database could not be opened (see the log)".into()))
    }
    fn execute(&self, _sql: &str, _params: &[Value]) -> Result<usize, PluginError> {
        Err(PluginError::Database("the plugin's database could not be opened (see the log)".into()))
    }
    fn create_table(&self, _name: &str, _schema: &str) -> Result<(), PluginError> {
        Err(PluginError::Database("the plugin's database could not be opened (see the log)".into()))
    }
    fn read_host_table(&self, _table: HostTable, _limit: Option<u32>) -> Result<Vec<Value>, PluginError> {
        Err(PluginError::Database("the plugin's database could not be opened (see the log)".into()))
    }
}

/// Collects what a plugin registers during `on_load`.
#[derive(Default)]
pub struct Registrar {
    pub handlers: HashMap<String, IpcHandler>,
    pub step_types: Vec<WorkflowStepTypeDefinition>,
}

impl IpcRegistrar for Registrar {
    fn register(&mut self, name: &str, handler: IpcHandler) -> Result<(), PluginError> {
        if name.is_empty() {
            return Err(PluginError::InitFailed("a command name may not be empty".into()));
        }
        if self.handlers.contains_key(name) {
            return Err(PluginError::InitFailed(format!("command '{name}' is registered twice")));
        }
        self.handlers.insert(name.to_string(), handler);
        Ok(())
    }

    fn register_workflow_step_type(&mut self, definition: WorkflowStepTypeDefinition) -> Result<(), PluginError> {
        if definition.type_id.is_empty() {
            return Err(PluginError::InitFailed("a workflow step type id may not be empty".into()));
        }
        if self.step_types.iter().any(|d| d.type_id == definition.type_id) {
            return Err(PluginError::InitFailed(format!("workflow step type '{}' is registered twice", definition.type_id)));
        }
        self.step_types.push(definition);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registering_a_command_twice_is_an_error() {
        let mut r = Registrar::default();
        r.register("ping", Box::new(|a, _| Ok(a))).unwrap();
        let err = r.register("ping", Box::new(|a, _| Ok(a))).unwrap_err();
        assert_eq!(err.to_string(), "Plugin initialization failed: command 'ping' is registered twice");
    }

    #[test]
    fn registering_a_step_type_twice_is_an_error() {
        let step = || WorkflowStepTypeDefinition {
            type_id: "sync".into(),
            display_name: "Sync".into(),
            description: String::new(),
            icon: "RefreshCw".into(),
            category: "Source Control".into(),
            config_schema: serde_json::json!({ "type": "object" }),
        };
        let mut r = Registrar::default();
        r.register_workflow_step_type(step()).unwrap();
        let err = r.register_workflow_step_type(step()).unwrap_err();
        assert_eq!(err.to_string(), "Plugin initialization failed: workflow step type 'sync' is registered twice");
    }

    fn config(network: bool) -> ContextConfig {
        let dir = std::env::temp_dir().join(format!("hf-ctx-{}-{network}", std::process::id()));
        ContextConfig { plugin_id: "dev.x.y".into(), data_dir: dir.join("data"), network, ..Default::default() }
    }

    #[test]
    fn services_follow_the_declared_permissions() {
        let ctx = BridgeContext::new(config(false), Box::new(|_| ()));
        assert!(ctx.http().is_none() && ctx.fs().is_none() && ctx.process().is_none());
        assert!(ctx.data_dir().ends_with("data"));
        assert_eq!(ctx.db().query("SELECT 1 AS one", &[]).unwrap()[0]["one"], serde_json::json!(1));
        assert!(matches!(ctx.events().emit("e", Value::Null), Err(PluginError::PermissionDenied(_))));
        assert_eq!(ctx.settings(), serde_json::json!({}));
    }

    #[test]
    fn http_is_there_only_with_a_network_permission() {
        assert!(BridgeContext::new(config(true), Box::new(|_| ())).http().is_some());
    }

    #[test]
    fn broker_answers_become_responses_or_plugin_errors() {
        let ok = http_reply(json!({"ok": true, "status": 200, "headers": {"content-type": "application/json"}, "body": {"a": 1}})).unwrap();
        assert_eq!((ok.status, ok.body), (200, json!({"a": 1})));
        let denied = http_reply(json!({"ok": false, "kind": "permission", "message": "no"})).unwrap_err();
        assert_eq!(denied.to_string(), "Permission denied: no");
        let failed = http_reply(json!({"ok": false, "kind": "network", "message": "timed out"})).unwrap_err();
        assert_eq!(failed.to_string(), "Network error: timed out");
    }

    #[test]
    fn a_body_is_json_only_when_the_response_says_so_and_it_parses() {
        assert_eq!(body_value(br#"{"a":[1,2]}"#, true), json!({"a": [1, 2]}));
        assert_eq!(body_value(br#"{"a":[1,2]}"#, false), json!(r#"{"a":[1,2]}"#));
        assert_eq!(body_value(b"not json", true), json!("not json"));
        assert_eq!(body_value(b"", true), json!(""));
        assert_eq!(body_value("caf\u{e9} \u{1F600}".as_bytes(), false), json!("caf\u{e9} \u{1F600}"));
        assert_eq!(body_value(b"bad \xff byte", false), json!("bad \u{FFFD} byte"));
    }
}
