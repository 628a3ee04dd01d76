//! `fetch_json` and `post_json`: what a plugin that calls a user-configured API does, through
//! `ctx.http()` as the guide recommends.
use haloforge_plugin_api::*;
use serde_json::{json, Value};
use std::collections::HashMap;

fn headers_of(args: &Value) -> Option<HashMap<String, String>> {
    args.get("headers").and_then(Value::as_object).map(|h| h.iter().filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_string()))).collect())
}

fn url_of(args: &Value) -> Result<String, PluginError> {
    args.get("url").and_then(Value::as_str).map(str::to_string).ok_or_else(|| PluginError::Custom("missing \"url\"".into()))
}

fn reply(r: HttpResponse) -> Value {
    json!({ "status": r.status, "headers": r.headers, "body": r.body })
}

pub fn register_http_commands(ipc: &mut dyn IpcRegistrar) -> Result<(), PluginError> {
    ipc.register(
        "fetch_json",
        Box::new(|args, ctx| {
            let http = ctx.http().ok_or_else(|| PluginError::PermissionDenied("ctx.http() is not available".into()))?;
            let started = std::time::Instant::now();
            let r = http.get(&url_of(&args)?, headers_of(&args))?;
            ctx.log(LogLevel::Info, &format!("fetch_json done status={} elapsed_ms={}", r.status, started.elapsed().as_millis()));
            Ok(reply(r))
        }),
    )?;
    ipc.register(
        "post_json",
        Box::new(|args, ctx| {
            let http = ctx.http().ok_or_else(|| PluginError::PermissionDenied("ctx.http() is not available".into()))?;
            let body = args.get("body").cloned().unwrap_or(Value::Null);
            Ok(reply(http.post(&url_of(&args)?, body, headers_of(&args))?))
        }),
    )?;
    ipc.register("has_http", Box::new(|_args, ctx| Ok(json!({ "http": ctx.http().is_some() }))))?;
    Ok(())
}
