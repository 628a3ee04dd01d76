//! A stand-in for Perforce's `p4`, for the tests (installed nowhere; a test puts it where the host
//! looks for programs). Each run appends what it was given (arguments, working folder, P4
//! variables) as a JSON line to `.p4-stub.jsonl` in its working folder, and answers like p4 would:
//! `info` with the connection, `edit <file>` makes the file writable, `opened` lists what was
//! edited, `submit -d <text>` submits it.
use serde_json::json;
use std::io::Write;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let var = |k: &str| std::env::var(k).unwrap_or_default();
    let cwd = std::env::current_dir().map(|d| d.display().to_string()).unwrap_or_default();
    let p4: serde_json::Map<String, serde_json::Value> = std::env::vars().filter(|(k, _)| k.starts_with("P4")).map(|(k, v)| (k, json!(v))).collect();
    let line = json!({ "args": args, "cwd": cwd, "env": p4, "others": std::env::vars().filter(|(k, _)| !k.starts_with("P4")).map(|(k, _)| k).collect::<Vec<_>>() });
    let log = std::fs::OpenOptions::new().create(true).append(true).open(".p4-stub.jsonl");
    if let Err(e) = log.and_then(|mut f| writeln!(f, "{line}")) {
        eprintln!("p4 stub: cannot write its log: {e}");
        std::process::exit(2);
    }
    if var("P4PASSWD") != "secret" {
        eprintln!("Perforce password (P4PASSWD) invalid or unset.");
        std::process::exit(1);
    }
    let opened = std::path::Path::new(".p4-stub-opened");
    match args.first().map(String::as_str) {
        Some("info") => println!("User name: {}\nClient name: {}\nServer address: {}\nClient root: {cwd}", var("P4USER"), var("P4CLIENT"), var("P4PORT")),
        Some("edit") => {
            let file = args.get(1).cloned().unwrap_or_default();
            let made_writable = std::fs::metadata(&file).map(|m| {
                let mut p = m.permissions();
                #[allow(clippy::permissions_set_readonly_false)]
                p.set_readonly(false);
                std::fs::set_permissions(&file, p)
            });
            if !matches!(made_writable, Ok(Ok(()))) {
                eprintln!("{file} - file(s) not on client.");
                std::process::exit(1);
            }
            let _ = std::fs::OpenOptions::new().create(true).append(true).open(opened).and_then(|mut f| writeln!(f, "{file}"));
            println!("//depot/{file}#1 - opened for edit");
        }
        Some("opened") => {
            print!("{}", std::fs::read_to_string(opened).unwrap_or_default().lines().map(|f| format!("//depot/{f}#1 - edit default change (text)\n")).collect::<String>())
        }
        Some("submit") => {
            let _ = std::fs::remove_file(opened);
            println!("Change 1 submitted.");
        }
        other => {
            eprintln!("Unknown command. Try 'p4 help' for info. ({other:?})");
            std::process::exit(1);
        }
    }
}
