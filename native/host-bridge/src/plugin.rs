//! One loaded plugin: the library, its trait object, its context and the handlers it registered.
use crate::context::{BridgeContext, ContextConfig, Registrar, SettingsSaved};
use crate::inspect::{inspect_plugin, ABI_SYMBOL, CREATE_SYMBOL, DESTROY_SYMBOL};
use crate::outbox;
use crate::workers;
use haloforge_plugin_api::{HaloForgePlugin, IpcHandler, PLUGIN_ABI_VERSION};
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};

// The plugin ABI is Rust's own (contract §1.7); these are not C types, and the rustc check above
// is what makes calling them sound.
#[allow(improper_ctypes_definitions)]
type CreateFn = unsafe extern "C" fn() -> *mut dyn HaloForgePlugin;
#[allow(improper_ctypes_definitions)]
type DestroyFn = unsafe extern "C" fn(*mut dyn HaloForgePlugin);
type AbiFn = unsafe extern "C" fn() -> u32;

/// What the plugin host asks the bridge to load.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LoadRequest {
    pub library: PathBuf,
    #[serde(flatten)]
    pub context: ContextConfig,
}

/// A load failure: a stable code and a message a user can act on.
#[derive(Debug)]
pub struct LoadError {
    pub code: &'static str,
    pub message: String,
}

impl LoadError {
    fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self { code, message: message.into() }
    }
}

pub fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic with a non-text payload".to_string()
    }
}

struct PluginBox(*mut dyn HaloForgePlugin);
// SAFETY: `HaloForgePlugin: Send + Sync`, so the object behind the pointer may move between
// threads; after loading, the bridge only touches it under the mutex of `LoadedPlugin::object`.
unsafe impl Send for PluginBox {}

pub struct LoadedPlugin {
    pub plugin_id: String,
    pub metadata: Value,
    pub commands: Vec<String>,
    handlers: Arc<HashMap<String, IpcHandler>>,
    step_types: Vec<String>,
    ctx: Arc<BridgeContext>,
    /// The methods that take `&mut self` (`execute_workflow_step`, `on_settings_changed`) run one at
    /// a time under this lock, on threads of their own: a step may block for minutes, and the
    /// `LOADED` lock must stay free for commands and events meanwhile.
    object: Arc<Mutex<PluginBox>>,
    destroy: DestroyFn,
    // Kept open for the life of the process: worker threads blocked in a handler may still run the
    // library's code after unload, and the plugin host process ends right after unloading anyway.
    _library: &'static libloading::Library,
}

impl LoadedPlugin {
    /// Loads the plugin; `settings_saved` is how its own `save_settings` reaches it back.
    pub fn load(req: LoadRequest, settings_saved: SettingsSaved) -> Result<Self, LoadError> {
        let inspection = inspect_plugin(&req.library, crate::BRIDGE_RUSTC_VERSION).map_err(|e| LoadError::new(e.code(), e.to_string()))?;
        let shown = req.library.display().to_string();
        // SAFETY: the file is an ELF shared object built by our rustc that exports the HaloForge
        // symbols (checked above); loading runs its initialisers, which Rust cdylibs keep trivial.
        let library = unsafe { libloading::Library::new(&req.library) }.map_err(|e| LoadError::new("dlopen_failed", format!("cannot load {shown}: {e}")))?;
        let library: &'static libloading::Library = Box::leak(Box::new(library));
        // SAFETY: the symbol types are those of `declare_plugin!` in haloforge-plugin-api.
        let (abi, create, destroy) = unsafe {
            let abi = *library.get::<AbiFn>(ABI_SYMBOL.as_bytes()).map_err(|e| LoadError::new("not_a_plugin", e.to_string()))?;
            let create = *library.get::<CreateFn>(CREATE_SYMBOL.as_bytes()).map_err(|e| LoadError::new("not_a_plugin", e.to_string()))?;
            let destroy = *library.get::<DestroyFn>(DESTROY_SYMBOL.as_bytes()).map_err(|e| LoadError::new("not_a_plugin", e.to_string()))?;
            (abi, create, destroy)
        };
        // SAFETY: `_haloforge_abi_version` is a plain C function returning u32.
        let version = unsafe { abi() };
        if version != PLUGIN_ABI_VERSION {
            return Err(LoadError::new(
                "abi_mismatch",
                format!("{shown} uses plugin ABI version {version}, this host speaks version {PLUGIN_ABI_VERSION}: rebuild the plugin against haloforge-plugin-api 0.2.x"),
            ));
        }
        let plugin_id = req.context.plugin_id.clone();
        let guarded = |what: &str, e: Box<dyn std::any::Any + Send>| LoadError::new("panic", format!("plugin {plugin_id} panicked in {what}: {}", panic_text(&*e)));
        // SAFETY: same compiler and same crate layout were checked, so the fat pointer is valid.
        let raw = catch_unwind(|| unsafe { create() }).map_err(|e| guarded("_haloforge_plugin_create", e))?;
        if raw.is_null() {
            return Err(LoadError::new("init_failed", format!("{shown}: _haloforge_plugin_create returned null")));
        }
        let plugin = PluginBox(raw);
        let fail = |err: LoadError| {
            // SAFETY: `raw` came from `create` and is destroyed once, here, on the failure path.
            let _ = catch_unwind(AssertUnwindSafe(|| unsafe { destroy(raw) }));
            err
        };
        // SAFETY: `raw` is a live plugin object that nothing else references yet.
        let metadata = catch_unwind(AssertUnwindSafe(|| unsafe { &*raw }.metadata())).map_err(|e| fail(guarded("metadata()", e)))?;
        if metadata.id != plugin_id {
            return Err(fail(LoadError::new("id_mismatch", format!("{shown} says its id is '{}', but its manifest says '{plugin_id}': the ids must match", metadata.id))));
        }
        let ctx = Arc::new(BridgeContext::new(req.context, settings_saved));
        let mut registrar = Registrar::default();
        // SAFETY: as above; on_load gets exclusive access.
        let loaded = catch_unwind(AssertUnwindSafe(|| unsafe { &mut *raw }.on_load(&*ctx, &mut registrar))).map_err(|e| fail(guarded("on_load()", e)))?;
        if let Err(e) = loaded {
            return Err(fail(LoadError::new("init_failed", format!("plugin {plugin_id} failed to load: {e}"))));
        }
        let mut commands: Vec<String> = registrar.handlers.keys().cloned().collect();
        commands.sort();
        let step_types = registrar.step_types.iter().map(|d| d.type_id.clone()).collect();
        let definitions: Vec<Value> = registrar
            .step_types
            .iter()
            .map(|d| {
                json!({
                    "typeId": d.type_id, "displayName": d.display_name, "description": d.description,
                    "icon": d.icon, "category": d.category, "configSchema": d.config_schema,
                })
            })
            .collect();
        let metadata = json!({
            "id": metadata.id, "name": metadata.name, "version": metadata.version,
            "description": metadata.description, "author": metadata.author,
            "abiVersion": metadata.abi_version, "rustc": inspection.rustc, "sharedStd": inspection.shared_std, "workflowStepTypes": definitions,
        });
        Ok(Self { plugin_id, metadata, commands, handlers: Arc::new(registrar.handlers), step_types, ctx, object: Arc::new(Mutex::new(plugin)), destroy, _library: library })
    }

    /// Runs a command on a worker thread of its own (handlers may block for minutes) and posts
    /// `{type:"result", id, ok, value|error}` to the outbox when it finishes.
    pub fn invoke(&self, request_id: u32, command: String, args: Value) {
        if !self.handlers.contains_key(&command) {
            let known = self.commands.join(", ");
            post_result(request_id, Err(format!("Not found: plugin {} has no command '{command}' (it registers: {known})", self.plugin_id)));
            return;
        }
        let handlers = Arc::clone(&self.handlers);
        let ctx = Arc::clone(&self.ctx);
        let plugin_id = self.plugin_id.clone();
        answer_on_worker(request_id, move || {
            let handler = &handlers[&command];
            match catch_unwind(AssertUnwindSafe(|| handler(args, &*ctx))) {
                Ok(Ok(value)) => Ok(value),
                // The text a panel sees is the error's Display form, e.g. "Not found: x" (contract §1.5).
                Ok(Err(e)) => Err(e.to_string()),
                Err(p) => Err(format!("plugin {plugin_id} panicked while handling '{command}': {}", panic_text(&*p))),
            }
        });
    }

    /// Runs `execute_workflow_step` for request `id` on a worker thread, after any step or settings
    /// change still running in this plugin, and posts its `result` like a command's.
    pub fn run_step(&self, request_id: u32, step_type: String, config: Value) {
        if !self.step_types.contains(&step_type) {
            let known = self.step_types.join(", ");
            post_result(request_id, Err(format!("Not found: plugin {} has no workflow step type '{step_type}' (it registers: {known})", self.plugin_id)));
            return;
        }
        let object = Arc::clone(&self.object);
        let ctx = Arc::clone(&self.ctx);
        let plugin_id = self.plugin_id.clone();
        answer_on_worker(request_id, move || {
            let guard = lock_object(&object);
            let raw = guard.0;
            // SAFETY: the guard gives this thread the only `&mut` access to the live plugin object.
            let outcome = catch_unwind(AssertUnwindSafe(|| unsafe { &mut *raw }.execute_workflow_step(&step_type, config, &*ctx)));
            drop(guard);
            match outcome {
                Ok(Ok(value)) => Ok(value),
                Ok(Err(e)) => Err(e.to_string()),
                Err(p) => Err(format!("plugin {plugin_id} panicked in workflow step '{step_type}': {}", panic_text(&*p))),
            }
        });
    }

    /// Tells the plugin its settings changed (`on_settings_changed`), on a thread of its own: never
    /// inside a call into the plugin that may be holding it busy.
    pub fn settings_changed(&self, settings: Value) {
        self.ctx.settings.replace(settings.clone());
        let object = Arc::clone(&self.object);
        let plugin_id = self.plugin_id.clone();
        let _ = std::thread::Builder::new().name("hf-settings".into()).spawn(move || {
            let guard = lock_object(&object);
            let raw = guard.0;
            // SAFETY: the guard gives this thread the only `&mut` access to the live plugin object.
            let outcome = catch_unwind(AssertUnwindSafe(|| unsafe { &mut *raw }.on_settings_changed(settings)));
            match outcome {
                Ok(Ok(())) => {}
                Ok(Err(e)) => outbox::post_log(&plugin_id, "warn", &format!("on_settings_changed failed: {e}")),
                Err(p) => outbox::post_log(&plugin_id, "error", &format!("on_settings_changed panicked: {}", panic_text(&*p))),
            }
        });
    }

    /// Delivers an app event to the plugin's subscriptions.
    pub fn dispatch_event(&self, event: &Value, payload: Value) -> usize {
        self.ctx.events.dispatch(event, payload)
    }

    /// Calls `on_unload()` then `_haloforge_plugin_destroy`.
    pub fn unload(self) -> Result<(), String> {
        // Waits for a running step: the plugin host bounds unloading by ending the process.
        let guard = lock_object(&self.object);
        let raw = guard.0;
        // SAFETY: unload consumes the plugin and holds its object's lock; no new call can start.
        let unloaded = catch_unwind(AssertUnwindSafe(|| unsafe { &mut *raw }.on_unload()));
        // The handlers are the plugin's code: drop them before its object goes, when no worker
        // still holds them (a blocked worker keeps its Arc and the library stays mapped).
        drop(self.handlers);
        // SAFETY: `raw` came from `_haloforge_plugin_create` and is destroyed exactly once.
        let destroyed = catch_unwind(AssertUnwindSafe(|| unsafe { (self.destroy)(raw) }));
        match (unloaded, destroyed) {
            (Ok(Ok(())), Ok(())) => Ok(()),
            (Ok(Err(e)), _) => Err(format!("on_unload failed: {e}")),
            (Err(p), _) => Err(format!("on_unload panicked: {}", panic_text(&*p))),
            (_, Err(p)) => Err(format!("_haloforge_plugin_destroy panicked: {}", panic_text(&*p))),
        }
    }
}

/// Runs `job` on a worker thread and posts what it returns as the answer to request `id`; when no
/// thread can be had, the answer says so.
fn answer_on_worker(request_id: u32, job: impl FnOnce() -> Result<Value, String> + Send + 'static) {
    if let Err(e) = workers::run(move || post_result(request_id, job())) {
        post_result(request_id, Err(format!("cannot start a worker thread: {e}")));
    }
}

fn lock_object(object: &Mutex<PluginBox>) -> MutexGuard<'_, PluginBox> {
    // A panic inside the plugin is caught before it could poison the lock; take it anyway.
    object.lock().unwrap_or_else(|p| p.into_inner())
}

/// Queues the answer to invoke `id` for the plugin host: the value's JSON as serde writes it, or the
/// error's text; neither is parsed again until whoever asked uses it.
pub fn post_result(id: u32, result: Result<Value, String>) {
    match result {
        Ok(value) => match serde_json::to_vec(&value) {
            Ok(bytes) => outbox::post_result(id, true, bytes),
            Err(e) => outbox::post_result(id, false, format!("Serialization error: the result cannot be written as JSON: {e}").into_bytes()),
        },
        Err(error) => outbox::post_result(id, false, error.into_bytes()),
    }
}
