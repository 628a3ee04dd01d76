//! The host side of the plugin API: what a plugin gets as `&dyn PluginContext` and
//! `&mut dyn IpcRegistrar`.
use crate::{host_call, outbox};
use haloforge_plugin_api::*;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

/// How long a plugin thread waits for the broker: a permission prompt (60 s) plus the request
/// itself (30 s) fit well inside.
const HTTP_WAIT: Duration = Duration::from_secs(180);

/// Host services that a later version will provide; until then they answer with a clear error.
fn not_yet(service: &str) -> PluginError {
    PluginError::Unsupported(format!("{service} is not provided by this version of HaloForge Host"))
}

pub struct BridgeContext {
    pub plugin_id: String,
    pub data_dir: PathBuf,
    db: NoDatabase,
    events: NoEvents,
    http: Option<BrokeredHttp>,
}

impl BridgeContext {
    /// `network` is whether the manifest declares network_http or network_http_domain: only then
    /// does `ctx.http()` return a client (the API's own promise).
    pub fn new(plugin_id: String, data_dir: PathBuf, network: bool) -> Self {
        let events = NoEvents { plugin_id: plugin_id.clone() };
        Self { plugin_id, data_dir, db: NoDatabase, events, http: network.then_some(BrokeredHttp) }
    }
}

/// `ctx.http()`: every request goes to the host's broker, which decides, sends and records it.
struct BrokeredHttp;

impl BrokeredHttp {
    fn send(&self, method: &str, url: &str, body: Option<Value>, headers: Option<HashMap<String, String>>) -> Result<HttpResponse, PluginError> {
        let request = json!({ "method": method, "url": url, "body": body, "headers": headers.unwrap_or_default() });
        let reply = host_call::call("http", request, HTTP_WAIT).map_err(PluginError::Network)?;
        http_reply(reply)
    }
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
    let headers = reply
        .get("headers")
        .and_then(Value::as_object)
        .map(|h| h.iter().filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_string()))).collect())
        .unwrap_or_default();
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
pub fn post_log(target: &str, level: &str, message: &str) {
    outbox::post(json!({ "type": "log", "target": target, "level": level, "message": message }));
}

impl PluginContext for BridgeContext {
    fn db(&self) -> &dyn DatabaseAccess {
        &self.db
    }
    fn events(&self) -> &dyn EventBus {
        &self.events
    }
    fn http(&self) -> Option<&dyn HttpClient> {
        self.http.as_ref().map(|h| h as &dyn HttpClient)
    }
    fn fs(&self) -> Option<&dyn PluginFs> {
        None
    }
    fn process(&self) -> Option<&dyn ProcessRunner> {
        None
    }
    fn settings(&self) -> Value {
        json!({})
    }
    fn save_settings(&self, _settings: Value) -> Result<(), PluginError> {
        Err(not_yet("ctx.save_settings()"))
    }
    fn data_dir(&self) -> PathBuf {
        self.data_dir.clone()
    }
    fn log(&self, level: LogLevel, msg: &str) {
        post_log(&self.plugin_id, level_name(level), msg);
    }
    fn notify(&self, notification: Notification) {
        outbox::post(json!({ "type": "notify", "target": self.plugin_id, "notification": notification }));
    }
}

struct NoDatabase;

impl DatabaseAccess for NoDatabase {
    fn query(&self, _sql: &str, _params: &[Value]) -> Result<Vec<HashMap<String, Value>>, PluginError> {
        Err(not_yet("ctx.db()"))
    }
    fn execute(&self, _sql: &str, _params: &[Value]) -> Result<usize, PluginError> {
        Err(not_yet("ctx.db()"))
    }
    fn create_table(&self, _name: &str, _schema: &str) -> Result<(), PluginError> {
        Err(not_yet("ctx.db()"))
    }
    fn read_host_table(&self, _table: HostTable, _limit: Option<u32>) -> Result<Vec<Value>, PluginError> {
        Err(not_yet("ctx.db()"))
    }
}

struct NoEvents {
    plugin_id: String,
}

impl EventBus for NoEvents {
    fn emit(&self, _event: &str, _payload: Value) -> Result<(), PluginError> {
        Err(not_yet("ctx.events()"))
    }
    // `subscribe` cannot fail in the API, so the plugin is told in the log instead.
    fn subscribe(&self, event: AppEvent, _handler: Box<dyn Fn(Value) + Send + Sync>) -> SubscriptionToken {
        post_log(&self.plugin_id, "warn", &format!("ctx.events().subscribe({event:?}) ignored: events are not provided by this version of HaloForge Host"));
        SubscriptionToken(0)
    }
    fn unsubscribe(&self, _token: SubscriptionToken) {}
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
    fn services_that_are_not_there_yet_say_so() {
        let ctx = BridgeContext::new("dev.x.y".into(), PathBuf::from("/tmp/d"), false);
        assert!(ctx.http().is_none() && ctx.fs().is_none() && ctx.process().is_none());
        assert_eq!(ctx.data_dir(), PathBuf::from("/tmp/d"));
        let err = ctx.db().query("SELECT 1", &[]).unwrap_err();
        assert!(matches!(err, PluginError::Unsupported(_)));
        assert!(ctx.events().emit("e", Value::Null).is_err());
    }

    #[test]
    fn http_is_there_only_with_a_network_permission() {
        assert!(BridgeContext::new("p".into(), PathBuf::new(), true).http().is_some());
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
}
