//! The supervisor's channel to main: a socket pair, each message one frame of a 4-byte
//! little-endian length and that many bytes of JSON. Main is the only peer; the plugin host never
//! sees this socket.
use crate::plan::{Grant, StaticEntry};
use serde::{Deserialize, Serialize};
use std::io::{self, Read, Write};

/// Larger frames are refused: the biggest main sends is the start with its view.
pub const MAX_FRAME: usize = 4 << 20;

/// Whether the plugin may be asked about a path outside its view, by kind of access: its
/// `filesystem_read` and `filesystem_write`, as approved. A path it may not be asked about stays
/// outside, and the kernel answers (no such file, or a read-only file system).
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
pub struct Ask {
    pub read: bool,
    pub write: bool,
}

/// Everything the supervisor needs to build the sandbox, sent once.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Start {
    /// What the plugin host needs to run and its own folders, at their real paths.
    pub statics: Vec<StaticEntry>,
    /// Top-level links of the host's root (`/lib -> usr/lib`), recreated in the tree.
    pub links: Vec<Link>,
    /// Top-level folders made in the tree from the start (the plugin host's write rules hold on them).
    pub tops: Vec<String>,
    /// Real paths no grant may show: the data folder and the app.
    pub protected: Vec<String>,
    /// Paths never asked about (system folders): outside the view they simply do not exist.
    pub quiet: Vec<String>,
    /// Where the private temporary folder appears in the sandbox.
    pub private_tmp: String,
    pub grants: Vec<Grant>,
    pub ask: Ask,
    pub uid: u32,
    pub gid: u32,
    /// bubblewrap, by its absolute path, and the plugin host command it runs.
    pub bwrap: String,
    pub command: Vec<String>,
    /// Programs the plugin may run through shims; none when it may run none.
    #[serde(default)]
    pub programs: Option<ProgramSetup>,
}

/// The program shim and gate (static binaries, outside the sandbox), and where in the sandbox each
/// whitelisted program's name finds the shim (`/usr/bin/git`).
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProgramSetup {
    pub shim: String,
    pub gate: String,
    pub shims: Vec<String>,
    /// The whitelisted programs' real files, mounted over their shims in each program's sandbox.
    pub programs: Vec<String>,
    /// The user's git identity as a configuration file, shown to programs (not to the plugin) as
    /// git's global configuration.
    #[serde(default)]
    pub git_identity: Option<String>,
}

/// What main decided a shim's request runs: exactly this program, these arguments and this
/// environment, allowed to execute only `execute`.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProgramRun {
    pub path: String,
    pub args: Vec<String>,
    pub env: Vec<(String, String)>,
    pub execute: Vec<String>,
    /// Folders whose files the program may exec besides itself (git's git-core), as the gate checks each exec.
    #[serde(default)]
    pub helpers: Vec<String>,
    /// The plugin host's egress proxy, the one TCP port the program may reach (none: no network).
    #[serde(default)]
    pub egress_port: Option<u16>,
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
pub struct Link {
    pub path: String,
    pub target: String,
}

#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum FromMain {
    Start(Box<Start>),
    /// The grants of now, replacing those before (revoked ones go, new ones come, narrowed ones change).
    Grants {
        grants: Vec<Grant>,
        ask: Ask,
        seq: u64,
    },
    /// Main's answer to an `access`.
    Decision {
        id: u64,
        allow: bool,
    },
    /// Main's answer to a `program`: what to run, or why not.
    Program {
        id: u64,
        #[serde(default)]
        run: Option<ProgramRun>,
        #[serde(default)]
        refusal: Option<String>,
    },
}

/// What a grant's mount came to, for main to show and audit.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Unmounted {
    pub path: String,
    pub why: String,
    /// It does not exist (a file chosen to be saved, one deleted since): expected, not a fault.
    pub missing: bool,
}

#[derive(Debug, Serialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum ToMain {
    /// The tree is built and the sandbox started.
    Ready { pid: u32, unmounted: Vec<Unmounted> },
    /// A grants update is in effect.
    Applied { seq: u64, unmounted: Vec<Unmounted> },
    /// A call of the plugin names a path outside its view; it waits for main's decision.
    #[serde(rename_all = "camelCase")]
    Access {
        id: u64,
        call: String,
        path: String,
        write: bool,
        /// The path names a folder (a working folder to change to), not a file in one.
        names_folder: bool,
        /// The folder an answer would cover, and where it really is (links of the host resolved).
        folder: String,
        real_folder: String,
    },
    /// A shim asks to run a program; it waits for main's `program` answer.
    Program { id: u64, program: String, args: Vec<String>, cwd: String, env: Vec<(String, String)> },
    /// A program started for a shim has ended (or could not be started).
    ProgramEnded { id: u64, code: Option<i32>, signal: Option<i32>, ms: f64, error: Option<String> },
    /// The sandbox's processes held these open (a descriptor, a working folder, a mapped file)
    /// when a grants update took them away, so the supervisor has stopped the sandbox: what was
    /// opened through a mount keeps reaching the file after the mount is gone.
    HeldOpen { paths: Vec<String> },
    /// Something went wrong that main should log.
    Problem { message: String },
}

/// How much one read of a frame stream asks for.
const READ_CHUNK: usize = 16 * 1024;

/// Collects frames from a stream that may deliver them in pieces.
#[derive(Default)]
pub struct FrameReader {
    buf: Vec<u8>,
}

impl FrameReader {
    /// Reads what is there (one read) and returns every complete frame; Ok(None) at the end of the stream.
    pub fn read_from(&mut self, stream: &mut impl Read) -> io::Result<Option<Vec<Vec<u8>>>> {
        // Read straight into the frame buffer's spare room: a large buffer on the stack would be
        // zeroed, and so kept resident, by every one of the supervisors running.
        let start = self.buf.len();
        self.buf.resize(start + READ_CHUNK, 0);
        let read = stream.read(&mut self.buf[start..]);
        self.buf.truncate(start + read.as_ref().map_or(0, |n| *n));
        let n = read?;
        if n == 0 {
            return Ok(None);
        }
        let mut frames = Vec::new();
        loop {
            if self.buf.len() < 4 {
                break;
            }
            let len = u32::from_le_bytes([self.buf[0], self.buf[1], self.buf[2], self.buf[3]]) as usize;
            if len > MAX_FRAME {
                return Err(io::Error::new(io::ErrorKind::InvalidData, format!("a frame of {len} bytes is more than {MAX_FRAME}")));
            }
            if self.buf.len() < 4 + len {
                break;
            }
            frames.push(self.buf[4..4 + len].to_vec());
            self.buf.drain(..4 + len);
        }
        Ok(Some(frames))
    }
}

pub fn write_frame(stream: &mut impl Write, message: &ToMain) -> io::Result<()> {
    let body = serde_json::to_vec(message).map_err(io::Error::other)?;
    let mut frame = Vec::with_capacity(4 + body.len());
    frame.extend_from_slice(&(body.len() as u32).to_le_bytes());
    frame.extend_from_slice(&body);
    stream.write_all(&frame)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_cut_anywhere_come_out_whole() {
        let mut wire = Vec::new();
        for text in [r#"{"type":"decision","id":1,"allow":true}"#, r#"{"type":"decision","id":2,"allow":false}"#] {
            wire.extend_from_slice(&(text.len() as u32).to_le_bytes());
            wire.extend_from_slice(text.as_bytes());
        }
        for cut in 1..wire.len() {
            let mut reader = FrameReader::default();
            let mut got = reader.read_from(&mut &wire[..cut]).unwrap().unwrap();
            got.extend(reader.read_from(&mut &wire[cut..]).unwrap().unwrap());
            let ids: Vec<u64> = got
                .iter()
                .map(|f| match serde_json::from_slice::<FromMain>(f).unwrap() {
                    FromMain::Decision { id, .. } => id,
                    other => panic!("{other:?}"),
                })
                .collect();
            assert_eq!(ids, vec![1, 2], "cut at {cut}");
        }
    }

    #[test]
    fn a_frame_longer_than_one_read_comes_out_whole_after_several() {
        let text = format!(r#"{{"type":"decision","id":7,"allow":true,"pad":"{}"}}"#, "x".repeat(READ_CHUNK * 3));
        let mut wire = (text.len() as u32).to_le_bytes().to_vec();
        wire.extend_from_slice(text.as_bytes());
        let mut stream = &wire[..];
        let mut reader = FrameReader::default();
        let mut reads = 0;
        let frame = loop {
            reads += 1;
            let mut frames = reader.read_from(&mut stream).unwrap().expect("the stream ended before the frame did");
            if let Some(f) = frames.pop() {
                break f;
            }
        };
        assert_eq!(frame, text.as_bytes());
        assert_eq!(reads, 4);
    }

    #[test]
    fn a_failed_read_keeps_what_came_before_it() {
        struct Failing;
        impl Read for Failing {
            fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
                Err(io::Error::from(io::ErrorKind::Interrupted))
            }
        }
        let text = r#"{"type":"decision","id":9,"allow":false}"#;
        let mut wire = (text.len() as u32).to_le_bytes().to_vec();
        wire.extend_from_slice(text.as_bytes());
        let mut reader = FrameReader::default();
        assert!(reader.read_from(&mut &wire[..5]).unwrap().unwrap().is_empty());
        assert!(reader.read_from(&mut Failing).is_err());
        assert_eq!(reader.read_from(&mut &wire[5..]).unwrap().unwrap(), vec![text.as_bytes().to_vec()]);
    }

    #[test]
    fn an_oversized_frame_is_refused() {
        let wire = ((MAX_FRAME + 1) as u32).to_le_bytes();
        assert!(FrameReader::default().read_from(&mut &wire[..]).is_err());
    }

    #[test]
    fn messages_to_main_carry_their_kind() {
        let mut out = Vec::new();
        write_frame(
            &mut out,
            &ToMain::Access { id: 3, call: "openat".into(), path: "/srv/a".into(), write: true, names_folder: false, folder: "/srv".into(), real_folder: "/srv".into() },
        )
        .unwrap();
        let text = std::str::from_utf8(&out[4..]).unwrap();
        assert!(text.contains(r#""type":"access""#) && text.contains(r#""realFolder":"/srv""#), "{text}");
    }
}
