//! Text Steps: the workflow side of HaloForge's git and p4 plugins, in small. It registers two step
//! types (one that transforms text, one that fails unless text contains something), runs them in
//! `execute_workflow_step`, and listens to the workflow events so a test can see them arrive.
use haloforge_plugin_api::*;
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};

#[derive(Default)]
pub struct TextSteps {
    /// Every workflow event heard, as `{event, payload}`.
    heard: Arc<Mutex<Vec<Value>>>,
    /// Steps run since loading: `execute_workflow_step` takes `&mut self`.
    steps_run: u64,
}

impl TextSteps {
    pub fn new() -> Self {
        Self::default()
    }
}

fn text_field<'a>(config: &'a Value, name: &str) -> Result<&'a str, PluginError> {
    config.get(name).and_then(Value::as_str).ok_or_else(|| PluginError::Custom(format!("the step needs '{name}' as text")))
}

fn transform(config: &Value) -> Result<String, PluginError> {
    let text = text_field(config, "text")?;
    let times = config.get("times").and_then(Value::as_u64).unwrap_or(1);
    let once = |s: &str| match config.get("mode").and_then(Value::as_str).unwrap_or("upper") {
        "upper" => Ok(s.to_uppercase()),
        "lower" => Ok(s.to_lowercase()),
        "reverse" => Ok(s.chars().rev().collect()),
        other => Err(PluginError::Custom(format!("unknown mode '{other}'"))),
    };
    let mut out = once(text)?;
    for _ in 1..times {
        out = once(&out)?;
    }
    Ok(out)
}

fn step_types() -> Vec<WorkflowStepTypeDefinition> {
    vec![
        WorkflowStepTypeDefinition {
            type_id: "transform_text".into(),
            display_name: "Transform text".into(),
            description: "Changes text to upper case, lower case or reversed".into(),
            icon: "CaseSensitive".into(),
            category: "Text".into(),
            config_schema: json!({
                "type": "object",
                "required": ["text"],
                "properties": {
                    "text": { "type": "string", "title": "Text", "minLength": 1 },
                    "mode": { "type": "string", "title": "Mode", "enum": ["upper", "lower", "reverse"], "default": "upper" },
                    "times": { "type": "integer", "title": "Times", "minimum": 1, "maximum": 5, "default": 1 }
                }
            }),
        },
        WorkflowStepTypeDefinition {
            type_id: "expect_text".into(),
            display_name: "Expect text".into(),
            description: "Fails unless the text contains what you expect".into(),
            icon: "SearchCheck".into(),
            category: "Checks".into(),
            config_schema: json!({
                "type": "object",
                "required": ["text", "contains"],
                "properties": {
                    "text": { "type": "string", "title": "Text" },
                    "contains": { "type": "string", "title": "Contains", "minLength": 1 }
                }
            }),
        },
    ]
}

impl HaloForgePlugin for TextSteps {
    fn metadata(&self) -> PluginMetadata {
        PluginMetadata {
            id: "dev.haloforge.sample.text-steps".into(),
            name: "Text Steps".into(),
            version: "0.1.0".into(),
            description: "Workflow steps that transform text and check it".into(),
            author: "HaloForge Host".into(),
            abi_version: PLUGIN_ABI_VERSION,
        }
    }

    fn on_load(&mut self, ctx: &dyn PluginContext, ipc: &mut dyn IpcRegistrar) -> Result<(), PluginError> {
        for definition in step_types() {
            ipc.register_workflow_step_type(definition)?;
        }
        let events = [
            AppEvent::WorkflowStarted { workflow_id: String::new() },
            AppEvent::WorkflowStepCompleted { workflow_id: String::new(), step_index: 0 },
            AppEvent::WorkflowCompleted { workflow_id: String::new(), success: false },
        ];
        for event in events {
            let name = serde_json::to_value(&event).ok().and_then(|v| v.get("type").cloned()).unwrap_or(Value::Null);
            let heard = Arc::clone(&self.heard);
            ctx.events().subscribe(event, Box::new(move |payload| heard.lock().unwrap_or_else(|p| p.into_inner()).push(json!({ "event": name, "payload": payload }))));
        }
        let heard = Arc::clone(&self.heard);
        ipc.register("events_seen", Box::new(move |_, _| Ok(Value::Array(heard.lock().unwrap_or_else(|p| p.into_inner()).clone()))))?;
        Ok(())
    }

    fn on_unload(&mut self) -> Result<(), PluginError> {
        Ok(())
    }

    fn execute_workflow_step(&mut self, step_type: &str, config: Value, ctx: &dyn PluginContext) -> Result<Value, PluginError> {
        self.steps_run += 1;
        ctx.log(LogLevel::Debug, &format!("running step {} ({step_type})", self.steps_run));
        match step_type {
            "transform_text" => Ok(json!({ "text": transform(&config)?, "stepsRun": self.steps_run })),
            "expect_text" => {
                let (text, wanted) = (text_field(&config, "text")?, text_field(&config, "contains")?);
                if text.contains(wanted) {
                    Ok(json!({ "found": wanted }))
                } else {
                    Err(PluginError::Custom(format!("expected \"{text}\" to contain \"{wanted}\"")))
                }
            }
            other => Err(PluginError::Unsupported(format!("step type {other}"))),
        }
    }
}

declare_plugin!(TextSteps, TextSteps::new);
