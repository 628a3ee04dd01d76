//! The bridge's C ABI, called by the Node plugin host through ffi-rs.
//!
//! Rules (ffi-rs notes §2–4): every export catches panics; strings returned here are freed only by
//! `hf_bridge_free`; no callbacks. The JS thread blocks here in `hf_bridge_next`, where it waits
//! for main (see [`crate::channel`]), and in `hf_bridge_load`/`hf_bridge_unload`, which main bounds
//! with a timeout by killing the process.
use crate::inspect::inspect_plugin;
use crate::outbox;
use crate::plugin::{panic_text, post_result, LoadRequest, LoadedPlugin};
use haloforge_plugin_api::{PLUGIN_ABI_VERSION, PUBLIC_HOST_API_VERSION};
use serde_json::{json, Value};
use std::ffi::{c_char, CStr, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

static LOADED: Mutex<Option<LoadedPlugin>> = Mutex::new(None);
static LOADING: AtomicBool = AtomicBool::new(false);
static LOG_TARGET: Mutex<String> = Mutex::new(String::new());

fn into_c(value: Value) -> *mut c_char {
    // serde_json never emits NUL bytes (they are escaped), so this cannot fail.
    CString::new(value.to_string()).map(CString::into_raw).unwrap_or(std::ptr::null_mut())
}

/// Reads a NUL-terminated UTF-8 argument.
///
/// # Safety
///
/// `p` must be null or point to a NUL-terminated string that lives for the call.
unsafe fn arg(p: *const c_char) -> Result<String, String> {
    if p.is_null() {
        return Err("null string argument".into());
    }
    // SAFETY: the caller promises a NUL-terminated string that lives for the call.
    let s = unsafe { CStr::from_ptr(p) };
    s.to_str().map(str::to_string).map_err(|e| format!("argument is not UTF-8: {e}"))
}

/// The `len` bytes at `ptr`, or none for a null pointer or a length of zero or less.
///
/// # Safety
///
/// `ptr` must be null or point to `len` readable bytes that live for the call.
unsafe fn bytes_arg<'a>(ptr: *const u8, len: i32) -> &'a [u8] {
    if ptr.is_null() || len <= 0 {
        return &[];
    }
    // SAFETY: the caller promises `len` readable bytes at `ptr` for the call.
    unsafe { std::slice::from_raw_parts(ptr, len as usize) }
}

fn guard_json(what: &str, f: impl FnOnce() -> Value) -> *mut c_char {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(v) => into_c(v),
        Err(p) => into_c(json!({ "ok": false, "code": "panic", "error": format!("host bridge panicked in {what}: {}", panic_text(&*p)) })),
    }
}

fn lock_loaded() -> std::sync::MutexGuard<'static, Option<LoadedPlugin>> {
    LOADED.lock().unwrap_or_else(|p| p.into_inner())
}

/// Versions the bridge was built with: rustc, plugin ABI, public host API.
#[no_mangle]
pub extern "C" fn hf_bridge_info() -> *mut c_char {
    guard_json("hf_bridge_info", || json!({ "ok": true, "rustc": crate::BRIDGE_RUSTC_VERSION, "abiVersion": PLUGIN_ABI_VERSION, "hostApiVersion": PUBLIC_HOST_API_VERSION }))
}

/// Takes `channel` as the channel to main (see [`crate::channel`]) and routes panic messages (of
/// the bridge and, with a shared std, of the plugin) to the host log instead of stderr. Returns 0,
/// or -1 when `channel` is not an open descriptor.
#[no_mangle]
pub extern "C" fn hf_bridge_init(channel: i32) -> i32 {
    catch_unwind(|| {
        if crate::channel::open(channel).is_err() {
            return -1;
        }
        std::panic::set_hook(Box::new(|info| {
            let target = LOG_TARGET.lock().map(|t| t.clone()).unwrap_or_default();
            let target = if target.is_empty() { "host-bridge".to_string() } else { target };
            let place = info.location().map(|l| format!(" at {}:{}", l.file(), l.line())).unwrap_or_default();
            outbox::post_log(&target, "error", &format!("panic{place}: {}", panic_text(info.payload())));
        }));
        0
    })
    .unwrap_or(-1)
}

/// Closes the descriptors this process inherited beyond stdio, the channel to main and those in
/// `keep`, a JSON array of numbers (see [`crate::descriptors`]). Returns how many it closed, or -1
/// when it could not look (or `keep` was not such an array).
///
/// # Safety
///
/// `keep` is a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn hf_bridge_close_inherited(keep: *const c_char) -> i32 {
    // SAFETY: the plugin host passes a NUL-terminated string (this function's contract).
    let keep = unsafe { arg(keep) };
    catch_unwind(|| match keep.and_then(|k| serde_json::from_str::<Vec<i32>>(&k).map_err(|e| e.to_string())).and_then(|k| crate::descriptors::close_inherited(&k)) {
        Ok(closed) => i32::try_from(closed.len()).unwrap_or(i32::MAX),
        Err(e) => {
            outbox::post_log("host-bridge", "error", &format!("cannot close the inherited descriptors: {e}"));
            -1
        }
    })
    .unwrap_or(-1)
}

/// Raises the plugin host's own walls (see [`crate::lockdown`]) before any plugin code runs:
/// `request` is `{writable: [folders]}`; the answer says what was enforced. Irreversible.
///
/// # Safety
///
/// `request` is a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn hf_bridge_lockdown(request: *const c_char) -> *mut c_char {
    // SAFETY: the plugin host passes a NUL-terminated string (this function's contract).
    let request = unsafe { arg(request) };
    guard_json("hf_bridge_lockdown", || match request.and_then(|s| serde_json::from_str::<crate::lockdown::LockdownRequest>(&s).map_err(|e| e.to_string())) {
        Err(e) => json!({ "ok": false, "code": "bad_request", "error": e }),
        Ok(req) => {
            let report = crate::lockdown::lock_down(&req);
            json!({ "ok": true, "report": report })
        }
    })
}

/// Checks a plugin file without running it. Returns `{ok, rustc}` or `{ok:false, code, error}`.
///
/// # Safety
///
/// `path` is a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn hf_bridge_inspect(path: *const c_char) -> *mut c_char {
    // SAFETY: the plugin host passes a NUL-terminated string (this function's contract).
    let path = unsafe { arg(path) };
    guard_json("hf_bridge_inspect", || match path {
        Err(e) => json!({ "ok": false, "code": "bad_request", "error": e }),
        Ok(path) => match inspect_plugin(path.as_ref(), crate::BRIDGE_RUSTC_VERSION) {
            Ok(i) => json!({ "ok": true, "rustc": i.rustc, "sharedStd": i.shared_std }),
            Err(e) => json!({ "ok": false, "code": e.code(), "error": e.to_string() }),
        },
    })
}

/// Starts loading the plugin described by `request` (`{library, pluginId, dataDir, …}`) on a
/// thread of its own, so the plugin's `on_load` may use host services that answer through the JS
/// thread. The outcome arrives in the outbox: `{type:"loaded", ok, metadata, commands}` or
/// `{type:"loaded", ok:false, code, error}`. Returns 0, or -1 when a plugin is loaded or loading.
///
/// # Safety
///
/// `request` is a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn hf_bridge_load(request: *const c_char) -> i32 {
    catch_unwind(AssertUnwindSafe(|| {
        if LOADING.swap(true, Ordering::SeqCst) {
            return -1;
        }
        // SAFETY: the plugin host passes a NUL-terminated string (this function's contract).
        let req: Result<LoadRequest, String> = unsafe { arg(request) }.and_then(|s| serde_json::from_str(&s).map_err(|e| e.to_string()));
        let spawned = std::thread::Builder::new().name("hf-load".into()).spawn(move || {
            let reply = match req {
                Err(e) => json!({ "type": "loaded", "ok": false, "code": "bad_request", "error": format!("bad load request: {e}") }),
                Ok(req) => {
                    *LOG_TARGET.lock().unwrap_or_else(|p| p.into_inner()) = req.context.plugin_id.clone();
                    match catch_unwind(AssertUnwindSafe(|| LoadedPlugin::load(req, Box::new(settings_changed)))) {
                        Ok(Ok(p)) => {
                            let reply = json!({ "type": "loaded", "ok": true, "metadata": p.metadata, "commands": p.commands });
                            *lock_loaded() = Some(p);
                            reply
                        }
                        Ok(Err(e)) => json!({ "type": "loaded", "ok": false, "code": e.code, "error": e.message }),
                        Err(p) => json!({ "type": "loaded", "ok": false, "code": "panic", "error": format!("host bridge panicked while loading: {}", panic_text(&*p)) }),
                    }
                }
            };
            release_free_memory();
            outbox::post(reply);
        });
        if spawned.is_err() {
            outbox::post(json!({ "type": "loaded", "ok": false, "code": "thread", "error": "cannot start the loading thread" }));
        }
        0
    }))
    .unwrap_or(-2)
}

/// Gives back to the kernel what the start freed but the allocator kept: glibc keeps freed memory
/// in each thread's arena (and in the main one) for reuse, and a plugin host never reuses most of
/// what starting Node, opening the bridge and loading the plugin left free. Once, when the load is
/// done, before main hears of it: about 60 µs, and 0.4 MiB less PSS per plugin host.
fn release_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim takes each arena's own lock; it only returns free pages.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// The plugin saved its own settings (`ctx.save_settings`, from any of its threads): tells it
/// through `on_settings_changed` from a thread of its own, which never makes the saving thread wait
/// for the `LOADED` lock.
pub fn settings_changed(settings: Value) {
    let _ = std::thread::Builder::new().name("hf-settings-saved".into()).spawn(move || {
        if let Some(p) = lock_loaded().as_ref() {
            p.settings_changed(settings);
        }
    });
}

/// # Safety
///
/// `json` points to `len` readable bytes.
unsafe fn json_arg(json: *const u8, len: i32) -> Option<Value> {
    // SAFETY: passed on from this function's own contract.
    serde_json::from_slice(unsafe { bytes_arg(json, len) }).ok()
}

/// The user saved this plugin's settings in a panel: tells the plugin. Returns 0, or -2 for bad JSON.
///
/// # Safety
///
/// `json` points to `len` readable bytes.
#[no_mangle]
pub unsafe extern "C" fn hf_bridge_settings_changed(json: *const u8, len: i32) -> i32 {
    // SAFETY: the plugin host passes `len` readable bytes (this function's contract).
    let settings = unsafe { json_arg(json, len) };
    catch_unwind(AssertUnwindSafe(|| match settings {
        Some(v) => match lock_loaded().as_ref() {
            Some(p) => {
                p.settings_changed(v);
                0
            }
            None => -1,
        },
        None => -2,
    }))
    .unwrap_or(-3)
}

/// Delivers an app event `{event: {type, …}, payload}` to the plugin's subscriptions. Returns how
/// many handlers were started, or a negative number for bad JSON or no plugin.
///
/// # Safety
///
/// `json` points to `len` readable bytes.
#[no_mangle]
pub unsafe extern "C" fn hf_bridge_dispatch_event(json: *const u8, len: i32) -> i32 {
    // SAFETY: the plugin host passes `len` readable bytes (this function's contract).
    let event = unsafe { json_arg(json, len) };
    catch_unwind(AssertUnwindSafe(|| {
        let Some(v) = event else { return -2 };
        let slot = lock_loaded();
        let Some(p) = slot.as_ref() else { return -1 };
        p.dispatch_event(v.get("event").unwrap_or(&Value::Null), v.get("payload").cloned().unwrap_or(Value::Null)) as i32
    }))
    .unwrap_or(-3)
}

/// Starts command `command` with JSON `args` (UTF-8 bytes) for request `id`. The result arrives
/// later in the outbox. Returns 0, or -1 when no plugin is loaded.
///
/// # Safety
///
/// `command` is a NUL-terminated string; `args` points to `len` readable bytes.
#[no_mangle]
pub unsafe extern "C" fn hf_bridge_invoke(id: i32, command: *const c_char, args: *const u8, len: i32) -> i32 {
    // SAFETY: the plugin host passes a NUL-terminated command and `len` readable bytes (this function's contract).
    let (command, bytes) = unsafe { (arg(command), bytes_arg(args, len)) };
    catch_unwind(AssertUnwindSafe(|| {
        // Parsed before the plugin is looked up: `LOADED` is held only to find it.
        let parsed = command.and_then(|c| {
            let v = if bytes.is_empty() {
                Value::Object(Default::default())
            } else {
                serde_json::from_slice(bytes).map_err(|e| format!("Serialization error: arguments are not JSON: {e}"))?
            };
            Ok((c, v))
        });
        let slot = lock_loaded();
        let Some(plugin) = slot.as_ref() else { return -1 };
        match parsed {
            Ok((c, v)) => plugin.invoke(id as u32, c, v),
            Err(e) => post_result(id as u32, Err(e)),
        }
        0
    }))
    .unwrap_or(-2)
}

/// Starts workflow step `step_type` (a type id the plugin registered, without its plugin id) with
/// JSON `config` for request `id`: the plugin's `execute_workflow_step`, whose result arrives later
/// in the outbox like a command's. Returns 0, or -1 when no plugin is loaded.
///
/// # Safety
///
/// `step_type` is a NUL-terminated string; `config` points to `len` readable bytes.
#[no_mangle]
pub unsafe extern "C" fn hf_bridge_run_step(id: i32, step_type: *const c_char, config: *const u8, len: i32) -> i32 {
    // SAFETY: the plugin host passes a NUL-terminated step type and `len` readable bytes (this function's contract).
    let (step_type, config) = unsafe { (arg(step_type), json_arg(config, len)) };
    catch_unwind(AssertUnwindSafe(|| {
        let slot = lock_loaded();
        let Some(plugin) = slot.as_ref() else { return -1 };
        match (step_type, config) {
            (Ok(t), Some(v)) => plugin.run_step(id as u32, t, v),
            (Err(e), _) => post_result(id as u32, Err(e)),
            (_, None) => post_result(id as u32, Err("Serialization error: the step's config is not JSON".into())),
        }
        0
    }))
    .unwrap_or(-2)
}

/// Answers a host call (see [`crate::host_call`]) with JSON bytes. Returns 0, or -1 when no call
/// with that id is waiting (it may have timed out), or -2 for bad JSON.
///
/// # Safety
///
/// `json` points to `len` readable bytes.
#[no_mangle]
pub unsafe extern "C" fn hf_bridge_complete(id: i32, json: *const u8, len: i32) -> i32 {
    // SAFETY: the plugin host passes `len` readable bytes (this function's contract).
    let bytes = unsafe { bytes_arg(json, len) };
    catch_unwind(AssertUnwindSafe(|| match serde_json::from_slice::<Value>(bytes) {
        Ok(v) => {
            if crate::host_call::complete(id as u32, v) {
                0
            } else {
                -1
            }
        }
        Err(_) => -2,
    }))
    .unwrap_or(-3)
}

/// Answers a plugin thread's `ctx.http()` with the broker's answer in two parts: its head as JSON
/// (`ok`, `status`, `headers`, and `bodyType`: `json` or `text`) and the response body's bytes as
/// they came off the wire, made the answer's `body` here (see [`crate::context::body_value`]).
/// Returns 0, -1 when no call with that id is waiting, or -2 when the head is not a JSON object.
///
/// # Safety
///
/// `head` points to `head_len` readable bytes and `body` to `body_len` readable bytes.
#[no_mangle]
pub unsafe extern "C" fn hf_bridge_complete_http(id: i32, head: *const u8, head_len: i32, body: *const u8, body_len: i32) -> i32 {
    // SAFETY: the plugin host passes `head_len` and `body_len` readable bytes (this function's contract).
    let (head, body) = unsafe { (bytes_arg(head, head_len), bytes_arg(body, body_len)) };
    catch_unwind(AssertUnwindSafe(|| {
        let Ok(Value::Object(mut answer)) = serde_json::from_slice::<Value>(head) else { return -2 };
        let json = answer.remove("bodyType").and_then(|t| t.as_str().map(|t| t == "json")).unwrap_or(false);
        answer.insert("body".into(), crate::context::body_value(body, json));
        if crate::host_call::complete(id as u32, Value::Object(answer)) {
            0
        } else {
            -1
        }
    }))
    .unwrap_or(-3)
}

/// Runs a call on the channel to main: what it returns, or minus the errno it failed with (EIO for
/// a panic).
fn channel_call(call: impl FnOnce() -> std::io::Result<i32>) -> i32 {
    match catch_unwind(AssertUnwindSafe(call)) {
        Ok(Ok(n)) => n,
        Ok(Err(e)) => -e.raw_os_error().unwrap_or(libc::EIO),
        Err(_) => -libc::EIO,
    }
}

/// Waits for main's next bytes and reads up to `cap` of them into `out`, writing to main whatever
/// the outbox queues meanwhile (see [`crate::channel::next`]). Returns how many it read, 0 when
/// main has closed its end, or minus the errno of a failed read or write.
///
/// # Safety
///
/// `out` points to `cap` writable bytes.
#[no_mangle]
pub unsafe extern "C" fn hf_bridge_next(out: *mut u8, cap: i32) -> i32 {
    if out.is_null() || cap <= 0 {
        return -libc::EINVAL;
    }
    // SAFETY: the caller promises `cap` writable bytes at `out`, used by no one else during the call.
    let buf = unsafe { std::slice::from_raw_parts_mut(out, cap as usize) };
    channel_call(|| crate::channel::next(buf).map(|n| n as i32))
}

/// Writes to main what the outbox holds now, without waiting for main. Returns 0, or minus the errno.
#[no_mangle]
pub extern "C" fn hf_bridge_flush() -> i32 {
    channel_call(|| crate::channel::flush().map(|()| 0))
}

/// Writes `len` bytes, framed by the plugin host, to main. Returns 0, or minus the errno.
///
/// # Safety
///
/// `bytes` points to `len` readable bytes.
#[no_mangle]
pub unsafe extern "C" fn hf_bridge_send(bytes: *const u8, len: i32) -> i32 {
    // SAFETY: the caller promises `len` readable bytes at `bytes` (this function's contract).
    let bytes = unsafe { bytes_arg(bytes, len) };
    channel_call(|| crate::channel::send(bytes).map(|()| 0))
}

/// Calls `on_unload()` and destroys the plugin.
#[no_mangle]
pub extern "C" fn hf_bridge_unload() -> *mut c_char {
    guard_json("hf_bridge_unload", || {
        // Taken out first: `on_unload` is the plugin's code, and no lock of the bridge is held across it.
        let taken = lock_loaded().take();
        match taken {
            None => json!({ "ok": true }),
            Some(p) => match p.unload() {
                Ok(()) => json!({ "ok": true }),
                Err(e) => json!({ "ok": false, "code": "unload_failed", "error": e }),
            },
        }
    })
}

/// Frees a string returned by this bridge.
///
/// # Safety
///
/// `p` is null or a pointer returned by one of the functions above, freed once.
#[no_mangle]
pub unsafe extern "C" fn hf_bridge_free(p: *mut c_char) {
    if !p.is_null() {
        // SAFETY: `p` came from `CString::into_raw` in `into_c` and is freed once (this function's contract).
        let owned = unsafe { CString::from_raw(p) };
        let _ = catch_unwind(AssertUnwindSafe(|| drop(owned)));
    }
}
