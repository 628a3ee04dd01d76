//! What HaloForge's image-studio plugin does for its HTTP: its own reqwest blocking client (rustls),
//! not `ctx.http()`. Inside the host's sandbox the only way out is the egress proxy the host points
//! `HTTP_PROXY`/`HTTPS_PROXY` at, which reqwest uses without being told.
use haloforge_plugin_api::*;
use serde_json::{json, Value};
use std::time::Duration;

/// The whole chain of an error, as a user would want it: "error sending request: … : unsuccessful tunnel".
fn describe(e: &reqwest::Error) -> String {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text.push_str(&format!(": {s}"));
        source = s.source();
    }
    text
}

/// The client kept between calls (`"keep": true`), as a long-lived plugin would keep one: its pooled
/// connections, tunnels through the proxy included, are reused.
static KEPT: std::sync::Mutex<Option<reqwest::blocking::Client>> = std::sync::Mutex::new(None);

fn client(args: &Value) -> Result<reqwest::blocking::Client, PluginError> {
    if args.get("keep").and_then(Value::as_bool) == Some(true) {
        let mut kept = KEPT.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(c) = kept.as_ref() {
            return Ok(c.clone());
        }
        let c = build(args)?;
        *kept = Some(c.clone());
        return Ok(c);
    }
    build(args)
}

fn build(args: &Value) -> Result<reqwest::blocking::Client, PluginError> {
    let mut builder = reqwest::blocking::Client::builder().timeout(Duration::from_secs(60));
    if let Some(pem) = args.get("ca_pem").and_then(Value::as_str) {
        let ca = reqwest::Certificate::from_pem(pem.as_bytes()).map_err(|e| PluginError::Custom(format!("bad CA certificate: {e}")))?;
        builder = builder.add_root_certificate(ca);
    }
    if args.get("direct").and_then(Value::as_bool) == Some(true) {
        builder = builder.no_proxy();
    }
    // For comparisons outside any sandbox: through another proxy (a peer's), as the egress proxy is used.
    if let Some(proxy) = args.get("proxy").and_then(Value::as_str) {
        let proxy = reqwest::Proxy::all(proxy).map_err(|e| PluginError::Custom(format!("bad proxy: {e}")))?;
        builder = builder.no_proxy().proxy(proxy);
    }
    // For comparisons outside any sandbox: where a made-up name is served, as a stub resolver would say.
    if let (Some(name), Some(address)) = (args.pointer("/resolve/host").and_then(Value::as_str), args.pointer("/resolve/address").and_then(Value::as_str)) {
        let address = address.parse().map_err(|e| PluginError::Custom(format!("bad resolve address: {e}")))?;
        builder = builder.resolve(name, address);
    }
    builder.build().map_err(|e| PluginError::Network(describe(&e)))
}

fn reply(response: reqwest::blocking::Response) -> Result<Value, PluginError> {
    let status = response.status().as_u16();
    let text = response.text().map_err(|e| PluginError::Network(describe(&e)))?;
    Ok(json!({ "status": status, "body": text }))
}

pub fn register_own_client_commands(ipc: &mut dyn IpcRegistrar) -> Result<(), PluginError> {
    ipc.register(
        "get",
        Box::new(|args, _ctx| {
            let url = args.get("url").and_then(Value::as_str).unwrap_or("");
            let response = client(&args)?.get(url).send().map_err(|e| PluginError::Network(describe(&e)))?;
            reply(response)
        }),
    )?;
    ipc.register(
        "post",
        Box::new(|args, _ctx| {
            let url = args.get("url").and_then(Value::as_str).unwrap_or("");
            let body = args.get("body").cloned().unwrap_or(Value::Null);
            let response = client(&args)?.post(url).json(&body).send().map_err(|e| PluginError::Network(describe(&e)))?;
            reply(response)
        }),
    )?;
    Ok(())
}
