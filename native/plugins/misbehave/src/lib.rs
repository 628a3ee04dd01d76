//! A plugin for the host's own tests. Each command breaks one rule a well-behaved plugin keeps,
//! so the tests can show that the host survives it.
use haloforge_plugin_api::*;
use serde_json::{json, Value};
use std::sync::{Condvar, Mutex};
use std::time::Duration;

pub struct Misbehave;

/// Whether `on_settings_changed` is holding (see there), and how many holds have ended.
struct SettingsHold {
    holding: bool,
    handled: u64,
}

/// Files and folders `hold_open` keeps open, as a plugin might across a revoke.
static HELD_FILES: Mutex<Vec<std::fs::File>> = Mutex::new(Vec::new());

/// Connections `proxy_hold` keeps open to its egress proxy until `proxy_release`.
static HELD: Mutex<Vec<std::net::TcpStream>> = Mutex::new(Vec::new());

static SETTINGS_HOLD: (Mutex<SettingsHold>, Condvar) = (Mutex::new(SettingsHold { holding: false, handled: 0 }), Condvar::new());

impl Misbehave {
    pub fn new() -> Self {
        Self
    }
}

impl Default for Misbehave {
    fn default() -> Self {
        Self::new()
    }
}

fn register_all(ipc: &mut dyn IpcRegistrar) -> Result<(), PluginError> {
    ipc.register("echo", Box::new(|args, _ctx| Ok(json!({ "echo": args }))))?;
    ipc.register("panic", Box::new(|_args, _ctx| panic!("deliberate panic from the misbehave plugin")))?;
    ipc.register(
        "block",
        Box::new(|_args, _ctx| loop {
            std::thread::sleep(Duration::from_secs(3600));
        }),
    )?;
    ipc.register(
        "sleep",
        Box::new(|args, _ctx| {
            let ms = args.get("ms").and_then(Value::as_u64).unwrap_or(10);
            std::thread::sleep(Duration::from_millis(ms));
            Ok(json!({ "slept_ms": ms }))
        }),
    )?;
    ipc.register(
        "release_settings",
        Box::new(|_args, _ctx| {
            let (held, released) = &SETTINGS_HOLD;
            let mut state = held.lock().unwrap_or_else(|p| p.into_inner());
            let was_holding = state.holding;
            state.holding = false;
            released.notify_all();
            Ok(json!({ "was_holding": was_holding, "handled": state.handled }))
        }),
    )?;
    ipc.register(
        "settings_handled",
        Box::new(|_args, _ctx| {
            let state = SETTINGS_HOLD.0.lock().unwrap_or_else(|p| p.into_inner());
            Ok(json!({ "holding": state.holding, "handled": state.handled }))
        }),
    )?;
    ipc.register("abort", Box::new(|_args, _ctx| std::process::abort()))?;
    ipc.register(
        "segfault",
        Box::new(|_args, _ctx| {
            // SAFETY: it is not safe; writing through a null pointer is the point of this command.
            unsafe { std::ptr::null_mut::<u64>().write_volatile(42) };
            Ok(Value::Null)
        }),
    )?;
    ipc.register(
        "env",
        Box::new(|args, _ctx| {
            let name = args.get("name").and_then(Value::as_str).unwrap_or_default();
            Ok(json!({ "value": std::env::var(name).ok() }))
        }),
    )?;
    ipc.register(
        "forge_frame",
        Box::new(|_args, _ctx| {
            use std::io::Write;
            use std::os::fd::FromRawFd;
            // What a hostile plugin could do: write straight to its plugin host's channel to main
            // (fd 3), here a frame header followed by bytes that are no message at all.
            // SAFETY: fd 3 is open for the life of the plugin host; ManuallyDrop keeps it open.
            let mut channel = std::mem::ManuallyDrop::new(unsafe { std::fs::File::from_raw_fd(3) });
            channel.write_all(b"\0\0\0\x08garbage!").map_err(|e| PluginError::Custom(e.to_string()))?;
            Ok(Value::Null)
        }),
    )?;
    ipc.register(
        "huge",
        Box::new(|args, _ctx| {
            let bytes = args.get("bytes").and_then(Value::as_u64).unwrap_or(1 << 20) as usize;
            Ok(json!({ "data": "x".repeat(bytes) }))
        }),
    )?;
    ipc.register(
        "log",
        Box::new(|args, ctx| {
            let msg = args.get("message").and_then(Value::as_str).unwrap_or("hello from misbehave");
            let level = match args.get("level").and_then(Value::as_str).unwrap_or("info") {
                "trace" => LogLevel::Trace,
                "debug" => LogLevel::Debug,
                "warn" => LogLevel::Warn,
                "error" => LogLevel::Error,
                _ => LogLevel::Info,
            };
            ctx.log(level, msg);
            Ok(json!({ "logged": true }))
        }),
    )?;
    ipc.register(
        "connect_direct",
        Box::new(|args, _ctx| {
            // Goes around the broker with a socket of its own: confinement must make this fail.
            let host = args.get("host").and_then(Value::as_str).unwrap_or("127.0.0.1");
            let port = args.get("port").and_then(Value::as_u64).unwrap_or(80) as u16;
            let addr: std::net::SocketAddr = format!("{host}:{port}").parse().map_err(|e| PluginError::Custom(format!("bad address: {e}")))?;
            std::net::TcpStream::connect_timeout(&addr, Duration::from_secs(2)).map_err(|e| PluginError::Network(e.to_string()))?;
            Ok(json!({ "connected": true }))
        }),
    )?;
    hf_http_kit::register_http_commands(ipc)?;
    register_attacks(ipc)?;
    // Raw bytes to its own egress proxy (HTTP_PROXY), and whatever comes back until it closes.
    ipc.register(
        "proxy_raw",
        Box::new(|args, _ctx| {
            use std::io::{Read, Write};
            let addr = own_proxy()?;
            let mut stream = std::net::TcpStream::connect(&addr).map_err(|e| PluginError::Network(e.to_string()))?;
            stream.set_read_timeout(Some(Duration::from_secs(5))).map_err(|e| PluginError::Network(e.to_string()))?;
            stream.write_all(args.get("send").and_then(Value::as_str).unwrap_or("").as_bytes()).map_err(|e| PluginError::Network(e.to_string()))?;
            let mut got = Vec::new();
            let _ = stream.read_to_end(&mut got);
            Ok(json!({ "received": String::from_utf8_lossy(&got) }))
        }),
    )?;
    // Many connections to its own egress proxy that never send a request: how many does main keep
    // open, answer ("HTTP/1.1 ..."), or close unanswered?
    ipc.register(
        "proxy_hold",
        Box::new(|args, _ctx| {
            use std::io::Read;
            let net = |e: std::io::Error| PluginError::Network(e.to_string());
            let addr = own_proxy()?;
            let count = args.get("count").and_then(Value::as_u64).unwrap_or(1);
            let mut held = HELD.lock().map_err(|_| PluginError::Custom("held connections poisoned".into()))?;
            let first = held.len();
            for _ in 0..count {
                held.push(std::net::TcpStream::connect(&addr).map_err(net)?);
            }
            // Each is given `wait_ms` to be answered or closed; one still silent after that is open.
            let wait = Duration::from_millis(args.get("wait_ms").and_then(Value::as_u64).unwrap_or(1000));
            let (mut open, mut answered, mut closed) = (0, Vec::new(), 0);
            for stream in &mut held[first..] {
                stream.set_read_timeout(Some(wait)).map_err(net)?;
                let mut got = [0u8; 512];
                match stream.read(&mut got) {
                    Ok(0) => closed += 1,
                    Ok(n) => answered.push(String::from_utf8_lossy(&got[..n]).lines().next().unwrap_or("").to_string()),
                    Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => open += 1,
                    Err(_) => closed += 1,
                }
            }
            Ok(json!({ "open": open, "answered": answered, "closed": closed }))
        }),
    )?;
    ipc.register(
        "proxy_release",
        Box::new(|_args, _ctx| {
            let mut held = HELD.lock().map_err(|_| PluginError::Custom("held connections poisoned".into()))?;
            let released = held.len();
            held.clear();
            Ok(json!({ "released": released }))
        }),
    )?;
    // A program by any path, the plugin's own way (std::process::Command): only the shims may run.
    ipc.register(
        "spawn",
        Box::new(|args, _ctx| {
            let exe = args.get("exe").and_then(Value::as_str).unwrap_or("true");
            let argv: Vec<&str> = args.get("args").and_then(Value::as_array).map(|a| a.iter().filter_map(Value::as_str).collect()).unwrap_or_default();
            let out = std::process::Command::new(exe).args(&argv).output().map_err(|e| PluginError::Process(format!("{exe}: {e}")))?;
            Ok(json!({ "code": out.status.code(), "stdout": String::from_utf8_lossy(&out.stdout), "stderr": String::from_utf8_lossy(&out.stderr) }))
        }),
    )?;
    ipc.register(
        "run",
        Box::new(|args, ctx| {
            let exe = args.get("exe").and_then(Value::as_str).unwrap_or("true");
            let argv: Vec<&str> = args.get("args").and_then(Value::as_array).map(|a| a.iter().filter_map(Value::as_str).collect()).unwrap_or_default();
            let runner = ctx.process().ok_or_else(|| PluginError::PermissionDenied("ctx.process() is not available".into()))?;
            let cwd = args.get("cwd").and_then(Value::as_str).map(std::path::Path::new);
            let out = runner.run(exe, &argv, cwd)?;
            Ok(json!({ "exit_code": out.exit_code, "stdout": out.stdout, "stderr": out.stderr }))
        }),
    )?;
    ipc.register(
        "read_file",
        Box::new(|args, ctx| {
            let path = args.get("path").and_then(Value::as_str).unwrap_or("");
            let fs = ctx.fs().ok_or_else(|| PluginError::PermissionDenied("ctx.fs() is not available".into()))?;
            Ok(json!({ "text": String::from_utf8_lossy(&fs.read_file(std::path::Path::new(path))?) }))
        }),
    )?;
    ipc.register(
        "write_file",
        Box::new(|args, ctx| {
            let path = args.get("path").and_then(Value::as_str).unwrap_or("");
            let fs = ctx.fs().ok_or_else(|| PluginError::PermissionDenied("ctx.fs() is not available".into()))?;
            fs.write_file(std::path::Path::new(path), text(&args, "text").as_bytes())?;
            Ok(json!({ "written": path }))
        }),
    )?;
    // Raw SQL, to show what the database lets a plugin do and what it refuses.
    ipc.register(
        "sql",
        Box::new(|args, ctx| {
            let sql = args.get("sql").and_then(Value::as_str).unwrap_or("");
            if args.get("query").and_then(Value::as_bool) == Some(true) {
                Ok(json!({ "rows": ctx.db().query(sql, &[])? }))
            } else {
                Ok(json!({ "changed": ctx.db().execute(sql, &[])? }))
            }
        }),
    )?;
    ipc.register(
        "not_found",
        Box::new(|args, _ctx| {
            let what = args.get("what").and_then(Value::as_str).unwrap_or("x");
            Err(PluginError::NotFound(what.to_string()))
        }),
    )?;
    ipc.register(
        "services",
        Box::new(|_args, ctx| {
            Ok(json!({
                "data_dir": ctx.data_dir(),
                "http": ctx.http().is_some(),
                "fs": ctx.fs().is_some(),
                "process": ctx.process().is_some(),
                "db": ctx.db().query("SELECT 1", &[]).err().map(|e| e.to_string()),
                "events": ctx.events().emit("x", Value::Null).err().map(|e| e.to_string()),
                "save_settings": ctx.save_settings(json!({})).err().map(|e| e.to_string()),
            }))
        }),
    )?;
    Ok(())
}

/// The address of its own egress proxy, as HTTP_PROXY names it.
fn own_proxy() -> Result<String, PluginError> {
    let proxy = std::env::var("HTTP_PROXY").map_err(|_| PluginError::Network("no egress proxy".into()))?;
    Ok(proxy.trim_start_matches("http://").trim_end_matches('/').to_string())
}

fn text<'a>(args: &'a Value, key: &str) -> &'a str {
    args.get(key).and_then(Value::as_str).unwrap_or("")
}

/// What native code can do when it ignores `ctx` altogether: each command is one attack a hostile
/// plugin would try, with the outcome as the operating system reports it. The host's tests check,
/// from outside, that each one failed.
fn register_attacks(ipc: &mut dyn IpcRegistrar) -> Result<(), PluginError> {
    let io = |e: std::io::Error| PluginError::Io(format!("{} ({:?})", e, e.kind()));
    // Opens a file or folder (for writing too, if asked) and keeps it open, then later writes
    // through what it kept: into the file by its descriptor alone, or (a folder) a new file made in
    // it with openat relative to the folder's descriptor.
    ipc.register(
        "hold_open",
        Box::new(move |args, _ctx| {
            let write = args.get("write").and_then(Value::as_bool) == Some(true);
            let file = std::fs::OpenOptions::new().read(true).write(write).open(text(&args, "path")).map_err(io)?;
            let mut held = HELD_FILES.lock().map_err(|_| PluginError::Custom("held files poisoned".into()))?;
            held.push(file);
            Ok(json!({ "held": held.len() }))
        }),
    )?;
    ipc.register(
        "write_in_held",
        Box::new(move |args, _ctx| {
            use std::os::fd::AsRawFd;
            let held = HELD_FILES.lock().map_err(|_| PluginError::Custom("held files poisoned".into()))?;
            let last = held.last().ok_or_else(|| PluginError::NotFound("nothing is held open".into()))?;
            if !last.metadata().map_err(io)?.is_dir() {
                // A file: written where it is, through the descriptor alone.
                std::io::Write::write_all(&mut &*last, text(&args, "text").as_bytes()).map_err(io)?;
                return Ok(json!({ "written": true }));
            }
            let name = std::ffi::CString::new(text(&args, "name")).map_err(|e| PluginError::Custom(e.to_string()))?;
            // SAFETY: openat with an open folder and a NUL-terminated name; the result is owned below.
            let fd = unsafe { libc::openat(last.as_raw_fd(), name.as_ptr(), libc::O_CREAT | libc::O_WRONLY | libc::O_TRUNC | libc::O_CLOEXEC, 0o644) };
            if fd < 0 {
                return Err(io(std::io::Error::last_os_error()));
            }
            // SAFETY: `fd` was just opened here and is owned by nothing else.
            let mut file = unsafe { <std::fs::File as std::os::fd::FromRawFd>::from_raw_fd(fd) };
            std::io::Write::write_all(&mut file, text(&args, "text").as_bytes()).map_err(io)?;
            Ok(json!({ "written": true }))
        }),
    )?;
    ipc.register(
        "write_raw",
        Box::new(move |args, _ctx| {
            use std::os::unix::fs::PermissionsExt;
            let path = text(&args, "path");
            let append = args.get("append").and_then(Value::as_bool) == Some(true);
            let mut options = std::fs::OpenOptions::new();
            options.create(true).write(true);
            if append {
                options.append(true);
            } else {
                options.truncate(true);
            }
            let mut file = options.open(path).map_err(io)?;
            std::io::Write::write_all(&mut file, text(&args, "text").as_bytes()).map_err(io)?;
            if args.get("executable").and_then(Value::as_bool) == Some(true) {
                file.set_permissions(std::fs::Permissions::from_mode(0o755)).map_err(io)?;
            }
            Ok(json!({ "written": path }))
        }),
    )?;
    ipc.register("read_raw", Box::new(move |args, _ctx| Ok(json!({ "text": std::fs::read_to_string(text(&args, "path")).map_err(io)? }))))?;
    ipc.register(
        "remove_raw",
        Box::new(move |args, _ctx| {
            std::fs::remove_file(text(&args, "path")).map_err(io)?;
            Ok(json!({ "removed": true }))
        }),
    )?;
    ipc.register(
        "exec_raw",
        Box::new(move |args, _ctx| {
            let argv: Vec<&str> = args.get("args").and_then(Value::as_array).map(|a| a.iter().filter_map(Value::as_str).collect()).unwrap_or_default();
            let out = std::process::Command::new(text(&args, "program")).args(argv).output().map_err(io)?;
            Ok(json!({ "status": out.status.code(), "stdout": String::from_utf8_lossy(&out.stdout) }))
        }),
    )?;
    ipc.register(
        "connect_unix",
        Box::new(move |args, _ctx| {
            let mut stream = std::os::unix::net::UnixStream::connect(text(&args, "path")).map_err(io)?;
            std::io::Write::write_all(&mut stream, text(&args, "send").as_bytes()).map_err(io)?;
            Ok(json!({ "connected": true }))
        }),
    )?;
    ipc.register(
        "signal",
        Box::new(|args, _ctx| {
            let pid = args.get("pid").and_then(Value::as_i64).unwrap_or(0) as libc::pid_t;
            let signal = match text(&args, "signal") {
                "SIGSTOP" => libc::SIGSTOP,
                _ => libc::SIGKILL,
            };
            // SAFETY: kill takes plain integers; sending signals to strangers is the attack.
            if unsafe { libc::kill(pid, signal) } != 0 {
                return Err(PluginError::Process(format!("kill({pid}) failed: {}", std::io::Error::last_os_error())));
            }
            Ok(json!({ "signalled": pid }))
        }),
    )?;
    ipc.register(
        "symlink_raw",
        Box::new(move |args, _ctx| {
            std::os::unix::fs::symlink(text(&args, "target"), text(&args, "path")).map_err(io)?;
            Ok(json!({ "linked": true }))
        }),
    )?;
    ipc.register(
        "list_raw",
        Box::new(move |args, _ctx| {
            let mut names: Vec<String> = std::fs::read_dir(text(&args, "path")).map_err(io)?.filter_map(|e| e.ok()).map(|e| e.file_name().to_string_lossy().into_owned()).collect();
            names.sort();
            Ok(json!({ "names": names }))
        }),
    )?;
    ipc.register(
        "rename_raw",
        Box::new(move |args, _ctx| {
            std::fs::rename(text(&args, "from"), text(&args, "to")).map_err(io)?;
            Ok(json!({ "renamed": true }))
        }),
    )?;
    ipc.register(
        "time_fs",
        Box::new(move |args, _ctx| {
            // For the benchmarks: one file operation `rounds` times, each timed here, inside the
            // plugin, so that what is measured is the file system as the sandbox shows it.
            let path = std::path::PathBuf::from(text(&args, "path"));
            let rounds = args.get("rounds").and_then(Value::as_u64).unwrap_or(10);
            let op = text(&args, "op").to_string();
            let mut ns = Vec::new();
            let mut buffer = Vec::with_capacity(2 << 20);
            let opened = if op == "pread" { Some(std::fs::File::open(&path).map_err(io)?) } else { None };
            for _ in 0..rounds {
                let t = std::time::Instant::now();
                match op.as_str() {
                    "read" => drop(std::fs::read(&path).map_err(io)?),
                    "open" => drop(std::fs::File::open(&path).map_err(io)?),
                    "pread" => {
                        use std::os::unix::fs::FileExt;
                        buffer.resize(1 << 20, 0);
                        if let Some(f) = &opened {
                            f.read_exact_at(&mut buffer, 0).map_err(io)?;
                        }
                    }
                    "read_into" => {
                        buffer.clear();
                        std::io::Read::read_to_end(&mut std::fs::File::open(&path).map_err(io)?, &mut buffer).map_err(io)?;
                    }
                    "list" => {
                        let mut n = 0usize;
                        for e in std::fs::read_dir(&path).map_err(io)? {
                            let e = e.map_err(io)?;
                            n += usize::from(e.file_type().map_err(io)?.is_file()) + usize::from(e.file_name().is_empty());
                        }
                        std::hint::black_box(n);
                    }
                    _ => drop(std::fs::metadata(&path).map_err(io)?),
                }
                ns.push(t.elapsed().as_nanos() as u64);
            }
            Ok(json!({ "ns": ns }))
        }),
    )?;
    ipc.register(
        "race_link",
        Box::new(move |args, _ctx| {
            // The swap that beat a host which checked a path and then used it by name: one thread
            // turns `link` back and forth between a file of its own and a link to `bait`, another
            // reads it all the while. Returns every content that was read.
            let link = std::path::PathBuf::from(text(&args, "link"));
            let bait = std::path::PathBuf::from(text(&args, "bait"));
            let rounds = args.get("rounds").and_then(Value::as_u64).unwrap_or(1000);
            let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
            let swapper = {
                let (link, stop) = (link.clone(), std::sync::Arc::clone(&stop));
                std::thread::spawn(move || {
                    while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                        let _ = std::fs::remove_file(&link);
                        let _ = std::fs::write(&link, "harmless");
                        let _ = std::fs::remove_file(&link);
                        let _ = std::os::unix::fs::symlink(&bait, &link);
                    }
                })
            };
            let mut seen = std::collections::BTreeSet::new();
            for _ in 0..rounds {
                seen.insert(std::fs::read_to_string(&link).unwrap_or_else(|e| format!("error: {:?}", e.kind())));
            }
            stop.store(true, std::sync::atomic::Ordering::Relaxed);
            let _ = swapper.join();
            Ok(json!({ "seen": seen.into_iter().collect::<Vec<_>>() }))
        }),
    )?;
    ipc.register(
        "remount_attempts",
        Box::new(move |args, _ctx| {
            // What a plugin would try to change its own view: mount over a grant, unmount it to
            // see what is below, move its root, make namespaces of its own.
            let path = std::ffi::CString::new(text(&args, "path")).map_err(|e| PluginError::Custom(e.to_string()))?;
            let errno = |rc: i64| if rc == 0 { "succeeded".to_string() } else { format!("{:?}", std::io::Error::last_os_error().kind()) };
            let dot = c".";
            // SAFETY: each call takes NUL-terminated strings that outlive it, or plain integers.
            let results = unsafe {
                json!({
                    "mount": errno(libc::mount(c"tmpfs".as_ptr(), path.as_ptr(), c"tmpfs".as_ptr(), 0, std::ptr::null()) as i64),
                    "bind": errno(libc::mount(c"/".as_ptr(), path.as_ptr(), std::ptr::null(), libc::MS_BIND, std::ptr::null()) as i64),
                    "remount": errno(libc::mount(std::ptr::null(), path.as_ptr(), std::ptr::null(), libc::MS_REMOUNT | libc::MS_BIND, std::ptr::null()) as i64),
                    "umount": errno(libc::umount2(path.as_ptr(), 0) as i64),
                    "umount_detach": errno(libc::umount2(path.as_ptr(), libc::MNT_DETACH) as i64),
                    "pivot_root": errno(libc::syscall(libc::SYS_pivot_root, dot.as_ptr(), dot.as_ptr())),
                    "chroot": errno(libc::chroot(path.as_ptr()) as i64),
                    "unshare_mount": errno(libc::unshare(libc::CLONE_NEWNS) as i64),
                    "unshare_user": errno(libc::unshare(libc::CLONE_NEWUSER) as i64),
                    "open_tree": errno(libc::syscall(libc::SYS_open_tree, libc::AT_FDCWD, path.as_ptr(), 1)),
                })
            };
            Ok(results)
        }),
    )?;
    ipc.register(
        "own_listener",
        Box::new(move |_args, _ctx| {
            // A seccomp filter of its own that listens: the newest listener would take the calls
            // that go to the supervisor now. Both ways of installing a filter are tried.
            let mut program = [libc::sock_filter { code: (libc::BPF_RET | libc::BPF_K) as u16, jt: 0, jf: 0, k: libc::SECCOMP_RET_USER_NOTIF }];
            let prog = libc::sock_fprog { len: 1, filter: program.as_mut_ptr() };
            let errno = |rc: i64| if rc >= 0 { "succeeded".to_string() } else { format!("{:?}", std::io::Error::last_os_error().kind()) };
            // SAFETY: the program outlives both calls; installing it is the attack.
            let (listener, by_prctl) = unsafe {
                (
                    errno(libc::syscall(libc::SYS_seccomp, libc::SECCOMP_SET_MODE_FILTER, libc::SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog as *const libc::sock_fprog)),
                    errno(libc::prctl(libc::PR_SET_SECCOMP, libc::SECCOMP_MODE_FILTER, &prog as *const libc::sock_fprog) as i64),
                )
            };
            Ok(json!({ "listener": listener, "prctl": by_prctl }))
        }),
    )?;
    ipc.register(
        "forge_frames",
        Box::new(|args, _ctx| {
            use std::io::Write;
            use std::os::fd::FromRawFd;
            let hex = text(&args, "hex");
            let bytes: Vec<u8> = (0..hex.len() / 2).filter_map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).ok()).collect();
            // SAFETY: fd 3 is the plugin host's channel to main for its whole life; ManuallyDrop keeps it open.
            let mut channel = std::mem::ManuallyDrop::new(unsafe { std::fs::File::from_raw_fd(3) });
            channel.write_all(&bytes).map_err(|e| PluginError::Custom(e.to_string()))?;
            Ok(json!({ "written": bytes.len() }))
        }),
    )?;
    Ok(())
}

impl HaloForgePlugin for Misbehave {
    fn metadata(&self) -> PluginMetadata {
        PluginMetadata {
            id: "dev.haloforge.test.misbehave".into(),
            name: "Misbehave".into(),
            version: "0.1.0".into(),
            description: "Breaks the rules on command, for the host's tests".into(),
            author: "HaloForge Host".into(),
            abi_version: PLUGIN_ABI_VERSION,
        }
    }

    fn on_load(&mut self, ctx: &dyn PluginContext, ipc: &mut dyn IpcRegistrar) -> Result<(), PluginError> {
        ctx.log(LogLevel::Info, "misbehave loaded");
        ctx.log(LogLevel::Debug, "misbehave debug detail at load");
        register_all(ipc)
    }

    /// With `"hold": true` in the settings, keeps the plugin object busy until the command
    /// `release_settings`: the host's other calls must not wait for it meanwhile.
    fn on_settings_changed(&mut self, settings: Value) -> Result<(), PluginError> {
        if settings.get("hold").and_then(Value::as_bool) == Some(true) {
            let (held, released) = &SETTINGS_HOLD;
            let mut state = held.lock().unwrap_or_else(|p| p.into_inner());
            state.holding = true;
            while state.holding {
                state = released.wait(state).unwrap_or_else(|p| p.into_inner());
            }
            state.handled += 1;
        }
        Ok(())
    }

    fn on_unload(&mut self) -> Result<(), PluginError> {
        Ok(())
    }
}

declare_plugin!(Misbehave, Misbehave::new);
