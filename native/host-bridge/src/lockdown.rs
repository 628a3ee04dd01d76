//! The plugin host's own walls, raised before any plugin code runs (design §8). Bubblewrap has
//! already given the process its namespaces and its file view; this adds what only the process
//! can do for itself:
//! - a seccomp filter, on every thread at once, against what a plugin host never needs: starting
//!   programs (main runs them, each in a sandbox of its own), debugging other processes, mounting,
//!   new namespaces, kernel keyrings, BPF, io_uring, and sockets other than Unix ones;
//! - a Landlock ruleset (a second wall behind the mount view): no writes outside the folders named,
//!   no TCP, no signals to processes outside the sandbox, no abstract Unix sockets outside it.
//!
//! What was enforced is reported back, so the plugin host can prove it to main.
use serde::Serialize;
use std::path::PathBuf;

/// What to allow: writing to the plugin's data folder and its private `/tmp`; and, for a plugin
/// with a network permission, TCP connections to the egress proxy's port on the sandbox's loopback
/// (the sandbox has no other interface, and nothing else listens there).
#[derive(Debug, Default, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LockdownRequest {
    #[serde(default)]
    pub writable: Vec<PathBuf>,
    #[serde(default)]
    pub egress_port: Option<u16>,
}

#[derive(Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct LockdownReport {
    /// The seccomp filter is installed on every thread of the process.
    pub seccomp: bool,
    /// `fully-enforced`, `partially-enforced` or `not-enforced`, as the kernel allows.
    pub landlock: String,
    /// Landlock covers every thread (kernels with Landlock ABI 8 and later); otherwise it covers
    /// the thread that locked down and every thread it starts, which is where plugin code runs.
    pub landlock_all_threads: bool,
    /// Why a wall could not be raised, if one could not.
    pub problems: Vec<String>,
}

#[cfg(target_os = "linux")]
pub fn lock_down(request: &LockdownRequest) -> LockdownReport {
    let mut problems = Vec::new();
    // Without no_new_privs an unprivileged process may not install a filter; it also means a
    // setuid program could never gain rights here.
    // SAFETY: prctl with PR_SET_NO_NEW_PRIVS takes plain integers and touches no memory.
    if unsafe { libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) } != 0 {
        problems.push(format!("cannot set no_new_privs: {}", std::io::Error::last_os_error()));
    }
    let (landlock, landlock_all_threads) = match linux::landlock(&request.writable, request.egress_port) {
        Ok(status) => status,
        Err(e) => {
            problems.push(format!("Landlock: {e}"));
            ("not-enforced".to_string(), false)
        }
    };
    // The filter comes last: Landlock's own system calls must still be allowed when it is set up.
    let seccomp = match linux::seccomp(request.egress_port.is_some()) {
        Ok(()) => true,
        Err(e) => {
            problems.push(format!("seccomp: {e}"));
            false
        }
    };
    LockdownReport { seccomp, landlock, landlock_all_threads, problems }
}

#[cfg(not(target_os = "linux"))]
pub fn lock_down(_request: &LockdownRequest) -> LockdownReport {
    LockdownReport { seccomp: false, landlock: "not-enforced".into(), landlock_all_threads: false, problems: vec!["seccomp and Landlock exist on Linux only".into()] }
}

#[cfg(target_os = "linux")]
mod linux {
    use landlock::{make_bitflags, path_beneath_rules, AccessFs, AccessNet, CompatLevel, Compatible, NetPort, Ruleset, RulesetAttr, RulesetCreatedAttr, RulesetStatus, Scope, ABI};
    use seccompiler::{BpfProgram, SeccompAction, SeccompCmpArgLen, SeccompCmpOp, SeccompCondition, SeccompFilter, SeccompRule};
    use std::collections::BTreeMap;
    use std::path::PathBuf;

    /// The newest Landlock ABI this code knows; older kernels get what they support.
    const LANDLOCK_ABI: ABI = ABI::V7;

    pub fn landlock(writable: &[PathBuf], egress_port: Option<u16>) -> Result<(String, bool), String> {
        let write = AccessFs::from_write(LANDLOCK_ABI);
        let created = Ruleset::default()
            .set_compatibility(CompatLevel::BestEffort)
            .handle_access(write)
            .and_then(|r| r.handle_access(make_bitflags!(AccessNet::{BindTcp | ConnectTcp})))
            .and_then(|r| r.scope(make_bitflags!(Scope::{Signal | AbstractUnixSocket})))
            .and_then(|r| r.create())
            .map_err(|e| e.to_string())?;
        // /dev/null is written by the runtime itself; no rule means no write anywhere else.
        let status = created
            .add_rules(path_beneath_rules(writable.iter().map(PathBuf::as_path).chain([std::path::Path::new("/dev/null")]), write))
            .and_then(|r| r.add_rules(egress_port.map(|port| Ok(NetPort::new(port, AccessNet::ConnectTcp)))))
            .and_then(|r| r.restrict_self())
            .map_err(|e| e.to_string())?;
        let text = match status.ruleset {
            RulesetStatus::FullyEnforced => "fully-enforced",
            RulesetStatus::PartiallyEnforced => "partially-enforced",
            RulesetStatus::NotEnforced => "not-enforced",
        };
        Ok((text.to_string(), status.all_threads))
    }

    /// System calls refused outright (EPERM).
    fn denied() -> Vec<i64> {
        let mut calls = vec![
            libc::SYS_execve,
            libc::SYS_execveat,
            libc::SYS_ptrace,
            libc::SYS_process_vm_readv,
            libc::SYS_process_vm_writev,
            libc::SYS_pidfd_getfd,
            libc::SYS_mount,
            libc::SYS_umount2,
            libc::SYS_pivot_root,
            libc::SYS_chroot,
            libc::SYS_unshare,
            libc::SYS_setns,
            libc::SYS_fsopen,
            libc::SYS_fsconfig,
            libc::SYS_fsmount,
            libc::SYS_fspick,
            libc::SYS_move_mount,
            libc::SYS_open_tree,
            libc::SYS_mount_setattr,
            libc::SYS_open_by_handle_at,
            libc::SYS_name_to_handle_at,
            libc::SYS_keyctl,
            libc::SYS_add_key,
            libc::SYS_request_key,
            libc::SYS_bpf,
            libc::SYS_perf_event_open,
            libc::SYS_userfaultfd,
            libc::SYS_io_uring_setup,
            libc::SYS_io_uring_enter,
            libc::SYS_io_uring_register,
            libc::SYS_kexec_load,
            libc::SYS_kexec_file_load,
            libc::SYS_init_module,
            libc::SYS_finit_module,
            libc::SYS_delete_module,
            libc::SYS_reboot,
            libc::SYS_swapon,
            libc::SYS_swapoff,
            libc::SYS_acct,
            libc::SYS_quotactl,
            libc::SYS_syslog,
            libc::SYS_sethostname,
            libc::SYS_setdomainname,
            libc::SYS_settimeofday,
            libc::SYS_clock_settime,
            libc::SYS_clock_adjtime,
            libc::SYS_adjtimex,
            libc::SYS_vhangup,
        ];
        #[cfg(target_arch = "x86_64")]
        calls.extend([libc::SYS_iopl, libc::SYS_ioperm, libc::SYS_uselib]);
        calls
    }

    fn cond(arg: u8, op: SeccompCmpOp, value: u64) -> Result<SeccompCondition, String> {
        SeccompCondition::new(arg, SeccompCmpArgLen::Dword, op, value).map_err(|e| e.to_string())
    }

    fn program(rules: BTreeMap<i64, Vec<SeccompRule>>, action: SeccompAction) -> Result<BpfProgram, String> {
        let arch = std::env::consts::ARCH.try_into().map_err(|e: seccompiler::BackendError| e.to_string())?;
        SeccompFilter::new(rules, SeccompAction::Allow, action, arch).and_then(BpfProgram::try_from).map_err(|e| e.to_string())
    }

    pub fn seccomp(egress: bool) -> Result<(), String> {
        let mut refused: BTreeMap<i64, Vec<SeccompRule>> = denied().into_iter().map(|n| (n, Vec::new())).collect();
        // Sockets: Unix ones (the channel to main is inherited; the mount view holds no socket of
        // anyone else's), and IP ones only with the egress proxy, whose port alone Landlock lets
        // them reach. No netlink, packet or any other family.
        let mut families = vec![libc::AF_UNIX];
        if egress {
            families.extend([libc::AF_INET, libc::AF_INET6]);
        }
        let others = families.into_iter().map(|f| cond(0, SeccompCmpOp::Ne, f as u64)).collect::<Result<Vec<_>, _>>()?;
        refused.insert(libc::SYS_socket, vec![SeccompRule::new(others).map_err(|e| e.to_string())?]);
        // Threads yes, new namespaces no.
        let new_namespaces = [libc::CLONE_NEWNS, libc::CLONE_NEWUSER, libc::CLONE_NEWPID, libc::CLONE_NEWNET, libc::CLONE_NEWIPC, libc::CLONE_NEWUTS, libc::CLONE_NEWCGROUP];
        let mut clone_rules = Vec::new();
        for flag in new_namespaces {
            let flag = flag as u64;
            clone_rules.push(SeccompRule::new(vec![cond(0, SeccompCmpOp::MaskedEq(flag), flag)?]).map_err(|e| e.to_string())?);
        }
        refused.insert(libc::SYS_clone, clone_rules);
        let deny = program(refused, SeccompAction::Errno(libc::EPERM as u32))?;
        // clone3 passes its flags in memory a filter cannot read: "not implemented" makes the C
        // library fall back to clone, whose flags the filter above checks.
        let clone3 = program(BTreeMap::from([(libc::SYS_clone3, Vec::new())]), SeccompAction::Errno(libc::ENOSYS as u32))?;
        seccompiler::apply_filter_all_threads(&deny).map_err(|e| e.to_string())?;
        seccompiler::apply_filter_all_threads(&clone3).map_err(|e| e.to_string())?;
        Ok(())
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;
    use std::os::unix::process::ExitStatusExt;
    use std::process::Command;

    /// Runs `check` in a forked child after locking it down (the filter cannot be lifted, so it
    /// must not reach the test runner itself); the child's exit code says what `check` found.
    fn in_locked_down_child(request: LockdownRequest, check: impl FnOnce(&LockdownReport) -> i32) -> i32 {
        // SAFETY: the child only locks down, runs `check` and exits without returning.
        match unsafe { libc::fork() } {
            0 => {
                let report = lock_down(&request);
                let code = check(&report);
                // SAFETY: _exit ends the forked child without running the parent's destructors.
                unsafe { libc::_exit(code) }
            }
            -1 => panic!("fork failed"),
            pid => {
                let mut status = 0;
                // SAFETY: waits for the child forked above.
                unsafe { libc::waitpid(pid, &mut status, 0) };
                std::process::ExitStatus::from_raw(status).code().unwrap_or(-1)
            }
        }
    }

    #[test]
    fn a_locked_down_process_can_neither_start_programs_nor_open_network_sockets() {
        let code = in_locked_down_child(LockdownRequest::default(), |report| {
            if !report.seccomp {
                return 10;
            }
            if Command::new("/bin/true").status().is_ok() {
                return 11;
            }
            if std::net::TcpListener::bind("127.0.0.1:0").is_ok() {
                return 12;
            }
            // SAFETY: unshare takes a flag word only.
            if unsafe { libc::unshare(libc::CLONE_NEWUSER) } == 0 {
                return 13;
            }
            // Threads still start, and Unix socket pairs still work.
            if std::thread::spawn(|| 7).join().ok() != Some(7) || std::os::unix::net::UnixStream::pair().is_err() {
                return 14;
            }
            0
        });
        assert_eq!(code, 0, "see the check's return codes");
    }

    #[test]
    fn with_an_egress_port_only_that_port_can_be_reached() {
        let proxy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let other = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let (proxy_port, other_port) = (proxy.local_addr().unwrap().port(), other.local_addr().unwrap().port());
        let code = in_locked_down_child(LockdownRequest { writable: vec![], egress_port: Some(proxy_port) }, |report| {
            if !report.seccomp {
                return 30;
            }
            if std::net::TcpStream::connect(("127.0.0.1", proxy_port)).is_err() {
                return 31;
            }
            if report.landlock != "not-enforced" && std::net::TcpStream::connect(("127.0.0.1", other_port)).is_ok() {
                return 32;
            }
            if std::net::TcpListener::bind("127.0.0.1:0").is_ok() && report.landlock != "not-enforced" {
                return 33;
            }
            0
        });
        assert_eq!(code, 0, "see the check's return codes");
    }

    #[test]
    fn landlock_leaves_only_the_named_folders_writable() {
        let root = std::env::temp_dir().join(format!("hf-lockdown-{}", std::process::id()));
        let (open, closed) = (root.join("data"), root.join("elsewhere"));
        std::fs::create_dir_all(&open).unwrap();
        std::fs::create_dir_all(&closed).unwrap();
        let code = in_locked_down_child(LockdownRequest { writable: vec![open.clone()], egress_port: None }, |report| {
            if report.landlock == "not-enforced" {
                return 0; // an older kernel: the mount view is the only wall, and the proof says so
            }
            if std::fs::write(open.join("ok.txt"), b"yes").is_err() {
                return 20;
            }
            if std::fs::write(closed.join("no.txt"), b"no").is_ok() {
                return 21;
            }
            0
        });
        std::fs::remove_dir_all(&root).unwrap();
        assert_eq!(code, 0, "see the check's return codes");
    }
}
