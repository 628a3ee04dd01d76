//! `ctx.db()`: one SQLite database per plugin, in its data folder. Real plugins pass full SQL with
//! SQLite syntax and empty params (contract §1.3), so statements run as given, but an authorizer
//! lets them touch only the plugin's own tables (`plugin_<sanitised id>_*`): another table, ATTACH,
//! and pragmas that change anything are refused with PermissionDenied.
use haloforge_plugin_api::{DatabaseAccess, HostTable, PluginError};
use rusqlite::hooks::{AuthAction, AuthContext, Authorization};
use rusqlite::types::{Value as SqlValue, ValueRef};
use rusqlite::{params_from_iter, Connection};
use serde_json::{Number, Value};
use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

/// Pragmas that only read the schema of the plugin's own tables.
const READ_ONLY_PRAGMAS: &[&str] = &["table_info", "table_xinfo", "index_list", "index_info", "index_xinfo", "foreign_key_list"];

pub fn table_prefix(plugin_id: &str) -> String {
    format!("plugin_{}_", plugin_id.replace(['.', '-'], "_"))
}

fn is_system_table(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n == "sqlite_master" || n == "sqlite_schema" || n == "sqlite_sequence" || n == "sqlite_temp_master"
}

/// The authorizer's verdict for one action: `None` to allow, or why it is refused.
pub fn judge(prefix: &str, action: &AuthAction<'_>) -> Option<String> {
    let own = |table: &str| table.to_ascii_lowercase().starts_with(prefix) || is_system_table(table);
    let table_rule = |table: &str, what: &str| (!own(table)).then(|| format!("{what} table {table}, which is not one of this plugin's tables ({prefix}*)"));
    match *action {
        AuthAction::Select | AuthAction::Transaction { .. } | AuthAction::Savepoint { .. } | AuthAction::Recursive | AuthAction::Function { .. } => None,
        AuthAction::Read { table_name, .. } => table_rule(table_name, "reads"),
        AuthAction::Insert { table_name } => table_rule(table_name, "writes to"),
        AuthAction::Update { table_name, .. } => table_rule(table_name, "changes"),
        AuthAction::Delete { table_name } => table_rule(table_name, "deletes from"),
        AuthAction::CreateTable { table_name } => table_rule(table_name, "creates"),
        AuthAction::DropTable { table_name } => table_rule(table_name, "drops"),
        AuthAction::AlterTable { table_name, .. } => table_rule(table_name, "alters"),
        AuthAction::CreateIndex { table_name, .. } | AuthAction::DropIndex { table_name, .. } => table_rule(table_name, "indexes"),
        AuthAction::Reindex { .. } | AuthAction::Analyze { .. } => None,
        AuthAction::Attach { filename } => Some(format!("attaches database {filename}; plugins may use only their own database")),
        AuthAction::Detach { database_name } => Some(format!("detaches database {database_name}")),
        AuthAction::Pragma { pragma_name, pragma_value } => {
            let name = pragma_name.to_ascii_lowercase();
            if READ_ONLY_PRAGMAS.contains(&name.as_str()) && pragma_value.is_none_or(own) {
                None
            } else {
                Some(format!("runs PRAGMA {pragma_name}; only schema-reading pragmas on this plugin's tables are allowed"))
            }
        }
        _ => Some(format!("uses {action:?}, which plugins may not")),
    }
}

pub struct PluginDatabase {
    conn: Mutex<Connection>,
    prefix: String,
    /// Why the authorizer last refused something, to put in the error.
    refused: Arc<Mutex<Option<String>>>,
    /// Host tables the plugin may read (`database_read`, or all with `database_read_all`).
    readable: HostTables,
}

pub enum HostTables {
    All,
    Some(Vec<String>),
}

fn db_error(e: impl std::fmt::Display) -> PluginError {
    PluginError::Database(e.to_string())
}

fn to_sql(v: &Value) -> SqlValue {
    match v {
        Value::Null => SqlValue::Null,
        Value::Bool(b) => SqlValue::Integer(i64::from(*b)),
        Value::Number(n) => n.as_i64().map(SqlValue::Integer).unwrap_or_else(|| SqlValue::Real(n.as_f64().unwrap_or(f64::NAN))),
        Value::String(s) => SqlValue::Text(s.clone()),
        other => SqlValue::Text(other.to_string()),
    }
}

fn to_json(v: ValueRef<'_>) -> Value {
    match v {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => Value::from(i),
        ValueRef::Real(f) => Number::from_f64(f).map(Value::Number).unwrap_or(Value::Null),
        ValueRef::Text(t) => Value::String(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(b) => Value::Array(b.iter().map(|x| Value::from(*x)).collect()),
    }
}

impl PluginDatabase {
    pub fn open(path: &Path, plugin_id: &str, readable: HostTables) -> Result<Self, PluginError> {
        let conn = Connection::open(path).map_err(db_error)?;
        let prefix = table_prefix(plugin_id);
        let refused: Arc<Mutex<Option<String>>> = Arc::new(Mutex::new(None));
        let (p, r) = (prefix.clone(), Arc::clone(&refused));
        conn.authorizer(Some(move |ctx: AuthContext<'_>| {
            if ctx.database_name.is_some_and(|d| d != "main" && d != "temp") {
                *r.lock().unwrap_or_else(|e| e.into_inner()) = Some(format!("uses database {}", ctx.database_name.unwrap_or_default()));
                return Authorization::Deny;
            }
            match judge(&p, &ctx.action) {
                None => Authorization::Allow,
                Some(why) => {
                    *r.lock().unwrap_or_else(|e| e.into_inner()) = Some(why);
                    Authorization::Deny
                }
            }
        }));
        Ok(Self { conn: Mutex::new(conn), prefix, refused, readable })
    }

    /// Maps a failed statement to PermissionDenied when the authorizer refused it.
    fn failed(&self, e: rusqlite::Error) -> PluginError {
        match self.refused.lock().unwrap_or_else(|p| p.into_inner()).take() {
            Some(why) => PluginError::PermissionDenied(format!("the statement {why}")),
            None => db_error(e),
        }
    }

    fn with<T>(&self, f: impl FnOnce(&Connection) -> rusqlite::Result<T>) -> Result<T, PluginError> {
        let conn = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        self.refused.lock().unwrap_or_else(|p| p.into_inner()).take();
        f(&conn).map_err(|e| self.failed(e))
    }
}

impl DatabaseAccess for PluginDatabase {
    fn query(&self, sql: &str, params: &[Value]) -> Result<Vec<HashMap<String, Value>>, PluginError> {
        self.with(|c| {
            let mut stmt = c.prepare(sql)?;
            let names: Vec<String> = stmt.column_names().into_iter().map(str::to_string).collect();
            let rows = stmt.query_map(params_from_iter(params.iter().map(to_sql)), |row| {
                let mut out = HashMap::new();
                for (i, name) in names.iter().enumerate() {
                    out.insert(name.clone(), to_json(row.get_ref(i)?));
                }
                Ok(out)
            })?;
            rows.collect()
        })
    }

    fn execute(&self, sql: &str, params: &[Value]) -> Result<usize, PluginError> {
        self.with(|c| c.execute(sql, params_from_iter(params.iter().map(to_sql))))
    }

    fn create_table(&self, table_name: &str, schema_sql: &str) -> Result<(), PluginError> {
        if table_name.is_empty() || !table_name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(PluginError::Database(format!("table name '{table_name}' may hold only letters, digits and _")));
        }
        let full = format!("{}{table_name}", self.prefix);
        // The column list is the plugin's SQL (contract §1.3); the authorizer still checks what runs.
        self.with(|c| c.execute_batch(&format!("CREATE TABLE IF NOT EXISTS \"{full}\" ({schema_sql})")))
    }

    fn read_host_table(&self, table: HostTable, _limit: Option<u32>) -> Result<Vec<Value>, PluginError> {
        let allowed = match &self.readable {
            HostTables::All => true,
            HostTables::Some(tables) => tables.iter().any(|t| t == table.as_str()),
        };
        if !allowed {
            return Err(PluginError::PermissionDenied(format!("reading host table {} needs the database_read permission for it", table.as_str())));
        }
        // This host keeps none of HaloForge's own tables (profiles, workflows, chats…).
        Ok(Vec::new())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn db() -> (PluginDatabase, std::path::PathBuf) {
        let dir = std::env::temp_dir().join(format!("hf-db-{}-{:?}", std::process::id(), std::thread::current().id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("t.sqlite");
        let _ = std::fs::remove_file(&path);
        (PluginDatabase::open(&path, "dev.haloforge.git", HostTables::Some(vec!["workflows".into()])).unwrap(), dir)
    }

    #[test]
    fn own_tables_work_as_real_plugins_use_them() {
        let (db, dir) = db();
        db.create_table("repos", "id TEXT PRIMARY KEY, path TEXT NOT NULL UNIQUE, added_at TEXT DEFAULT CURRENT_TIMESTAMP").unwrap();
        db.create_table("repos", "id TEXT PRIMARY KEY").unwrap();
        assert_eq!(db.execute("INSERT INTO plugin_dev_haloforge_git_repos (id, path) VALUES ('a', '/src/a')", &[]).unwrap(), 1);
        db.execute("INSERT INTO plugin_dev_haloforge_git_repos (id, path) VALUES (?1, ?2)", &[json!("b"), json!("/src/b")]).unwrap();
        let rows = db.query("SELECT id, path FROM plugin_dev_haloforge_git_repos ORDER BY id", &[]).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[1]["path"], json!("/src/b"));
        assert_eq!(db.query("PRAGMA table_info(plugin_dev_haloforge_git_repos)", &[]).unwrap().len(), 3);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn other_tables_attach_and_pragmas_are_refused() {
        let (db, dir) = db();
        db.create_table("repos", "id TEXT").unwrap();
        for (sql, needle) in [
            ("CREATE TABLE launch_profiles (x)", "creates table launch_profiles"),
            ("CREATE TABLE plugin_dev_haloforge_p4_workspaces (x)", "creates table plugin_dev_haloforge_p4_workspaces"),
            ("ATTACH DATABASE '/tmp/other.sqlite' AS other", "attaches database"),
            ("PRAGMA journal_mode = OFF", "runs PRAGMA journal_mode"),
            ("PRAGMA writable_schema = 1", "runs PRAGMA writable_schema"),
            ("PRAGMA table_info(sqlite_stat1)", "runs PRAGMA table_info"),
        ] {
            let err = db.execute(sql, &[]).unwrap_err();
            assert!(matches!(err, PluginError::PermissionDenied(_)), "{sql}: {err}");
            assert!(err.to_string().contains(needle), "{sql}: {err}");
        }
        let err = db.create_table("x\"; DROP TABLE plugin_dev_haloforge_git_repos; --", "id").unwrap_err();
        assert!(err.to_string().contains("may hold only letters"));
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn host_tables_need_their_permission() {
        let (db, dir) = db();
        assert_eq!(db.read_host_table(HostTable::Workflows, None).unwrap(), Vec::<Value>::new());
        assert!(matches!(db.read_host_table(HostTable::ChatSessions, None), Err(PluginError::PermissionDenied(_))));
        std::fs::remove_dir_all(dir).unwrap();
    }
}
