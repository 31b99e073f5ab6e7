//! A real `valkey-server` on loopback for tests: free port, own config and data directory,
//! killed on drop; plus a minimal RESP client, so tests talk the wire protocol exactly as a
//! charm's client library would, with no client crate in between.
//!
//! With `CI=true` a missing server is a failure (CI installs it with
//! `tests/scripts/install-valkey.sh`); on a developer machine the test says what it skipped.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::test_ca::TestCa;
pub use crate::valkey_users::AdminAccess;

/// Commands that reach outside the prefix `application:*` (other keys and channels, the
/// keyspace-wide and server-wide commands): every one must be refused under our client rule.
pub const OUTSIDE: &[&[&str]] = &[
    &["SET", "other:key", "x"],
    &["GET", "other:key"],
    &["PUBLISH", "other:channel", "x"],
    &["FLUSHALL"],
    &["FLUSHDB"],
    &["SWAPDB", "0", "1"],
    &["FUNCTION", "FLUSH"],
    &["KEYS", "*"],
    &["SCAN", "0"],
    &["RANDOMKEY"],
    &["PUBSUB", "CHANNELS"],
    &["CONFIG", "GET", "maxmemory"],
    &["ACL", "WHOAMI"],
    &["MONITOR"],
    &["CLIENT", "LIST"],
    &["CLIENT", "KILL", "127.0.0.1:1"],
    &["SHUTDOWN"],
    &["INFO"],
    &["DBSIZE"],
    &["SELECT", "1"],
    &["COPY", "application:mine", "application:copy", "DB", "1"],
    &["COPY", "application:mine", "application:copy"],
    &["MOVE", "application:mine", "1"],
    &["LOLWUT"],
];

/// The password of the `default` (admin) user of every test server and sentinel.
pub const ADMIN_PASSWORD: &str = "admin-password";

/// A running `valkey-server`, stopped when dropped.
pub struct ValkeyServer {
    child: Child,
    port: u16,
    tls_ca: Option<String>,
    _dir: tempfile::TempDir,
}

/// One RESP reply.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reply {
    /// `+OK`
    Status(String),
    /// `-ERR ...`, `-NOPERM ...`
    Error(String),
    /// `:1`
    Integer(i64),
    /// `$3\r\nabc` (`None`: the null bulk string)
    Bulk(Option<String>),
    /// `*2 ...` (`None`: the null array)
    Array(Option<Vec<Reply>>),
}

impl Reply {
    /// Whether the server refused the command for lack of permission.
    pub fn is_noperm(&self) -> bool {
        matches!(self, Reply::Error(e) if e.starts_with("NOPERM"))
    }

    /// Whether this is an error reply.
    pub fn is_error(&self) -> bool {
        matches!(self, Reply::Error(_))
    }
}

/// A RESP2 connection.
pub struct Client {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
}

/// The server binary, or `None` (after saying why) when the test should be skipped.
/// Panics under `CI=true`, where a missing server is a failure, never a skip.
pub fn server_binary() -> Option<&'static str> {
    installed("valkey-server")
}

/// The sentinel binary, with the same rules as [`server_binary`].
pub fn sentinel_binary() -> Option<&'static str> {
    installed("valkey-sentinel")
}

fn installed(binary: &'static str) -> Option<&'static str> {
    let found = Command::new(binary)
        .arg("--version")
        .output()
        .ok()
        .filter(|o| o.status.success());
    match found {
        Some(output) => {
            // Straight to the process's stderr, past the test harness's capture: the version
            // belongs in every test log, passing or not.
            let line = format!("using {}\n", String::from_utf8_lossy(&output.stdout).trim());
            let _ = std::io::stderr().write_all(line.as_bytes());
            Some(binary)
        }
        None if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("{binary} is not installed; run tests/scripts/install-valkey.sh")
        }
        None => {
            let line = format!(
                "SKIPPED: {binary} is not installed (run tests/scripts/install-valkey.sh); \
                 this test needs a real server\n"
            );
            let _ = std::io::stderr().write_all(line.as_bytes());
            None
        }
    }
}

/// A port on 127.0.0.1 nothing listens on now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

impl ValkeyServer {
    /// Starts a server whose ACL file holds `acl_lines` (`user <name> <rule>`) after a
    /// `default` user with the password `admin-password` and every permission.
    pub fn start(binary: &str, acl_lines: &[String]) -> ValkeyServer {
        ValkeyServer::launch(binary, acl_lines, None)
    }

    /// As [`ValkeyServer::start`], serving TLS only (no plaintext port) with a certificate for
    /// `127.0.0.1` signed by `ca`. Clients are not asked for certificates.
    pub fn start_tls(binary: &str, acl_lines: &[String], ca: &TestCa) -> ValkeyServer {
        ValkeyServer::launch(binary, acl_lines, Some(ca))
    }

    fn launch(binary: &str, acl_lines: &[String], ca: Option<&TestCa>) -> ValkeyServer {
        let dir = tempfile::tempdir().expect("temp dir");
        let port = free_port();
        let acl = dir.path().join("users.acl");
        let mut lines = vec![format!("user default on >{ADMIN_PASSWORD} ~* &* +@all")];
        lines.extend(acl_lines.iter().cloned());
        std::fs::write(&acl, lines.join("\n") + "\n").expect("write ACL file");
        let listen = match ca {
            None => format!("port {port}\n"),
            Some(ca) => {
                let files = ca.server_files(dir.path());
                format!(
                    "port 0\ntls-port {port}\ntls-cert-file {}\ntls-key-file {}\n\
                     tls-ca-cert-file {}\ntls-auth-clients no\n",
                    files.cert.display(),
                    files.key.display(),
                    files.ca.display()
                )
            }
        };
        let config = format!(
            "bind 127.0.0.1\n{listen}dir {}\naclfile {}\nsave \"\"\nappendonly no\n\
             protected-mode yes\n",
            dir.path().display(),
            acl.display()
        );
        let config_path = dir.path().join("valkey.conf");
        std::fs::write(&config_path, config).expect("write config");
        let child = Command::new(binary)
            .arg(&config_path)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn valkey-server");
        let server = ValkeyServer {
            child,
            port,
            tls_ca: ca.map(TestCa::pem),
            _dir: dir,
        };
        server.wait_ready();
        server
    }

    /// How the provider's admin reaches this server (the `default` user).
    pub fn admin_access(&self) -> AdminAccess {
        AdminAccess {
            host: "127.0.0.1".to_owned(),
            port: self.port,
            username: "default".to_owned(),
            password: ADMIN_PASSWORD.to_owned(),
            tls_ca: self.tls_ca.clone(),
        }
    }

    /// The CA the server's certificate chains to, PEM, when it serves TLS.
    pub fn tls_ca(&self) -> Option<&str> {
        self.tls_ca.as_deref()
    }

    fn wait_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            // The admin's PING over the real client: the server is up and loaded its ACLs.
            let error = match self.admin_access().connect() {
                Ok(mut connection) => match redis::cmd("PING").query::<String>(&mut connection) {
                    Ok(_) => return,
                    Err(error) => error.to_string(),
                },
                Err(error) => error.to_string(),
            };
            assert!(
                Instant::now() < deadline,
                "valkey-server did not start on {}: {error}",
                self.port
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The server's port on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// A new unauthenticated connection.
    pub fn connect(&self) -> std::io::Result<Client> {
        let stream = TcpStream::connect(("127.0.0.1", self.port))?;
        stream.set_read_timeout(Some(Duration::from_secs(5)))?;
        Ok(Client {
            reader: BufReader::new(stream.try_clone()?),
            writer: stream,
        })
    }

    /// A connection authenticated as `user`.
    pub fn login(&self, user: &str, password: &str) -> Client {
        let mut client = self.connect().expect("connect");
        let reply = client.command(&["AUTH", user, password]);
        assert_eq!(reply, Reply::Status("OK".into()), "AUTH {user}");
        client
    }

    /// A connection as the admin (`default`) user (plaintext servers only).
    pub fn admin(&self) -> Client {
        self.login("default", ADMIN_PASSWORD)
    }
}

impl Drop for ValkeyServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Client {
    /// Sends one command and reads its reply. A closed connection reads as an error reply
    /// starting with `CLOSED`.
    pub fn command(&mut self, args: &[&str]) -> Reply {
        let mut request = format!("*{}\r\n", args.len());
        for arg in args {
            request.push_str(&format!("${}\r\n{arg}\r\n", arg.len()));
        }
        if let Err(error) = self.writer.write_all(request.as_bytes()) {
            return Reply::Error(format!("CLOSED {error}"));
        }
        self.read_reply()
    }

    /// Reads the next reply (for Pub/Sub messages).
    pub fn read_reply(&mut self) -> Reply {
        match self.read() {
            Ok(reply) => reply,
            Err(error) => Reply::Error(format!("CLOSED {error}")),
        }
    }

    fn read_line(&mut self) -> std::io::Result<String> {
        let mut line = String::new();
        if self.reader.read_line(&mut line)? == 0 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "connection closed",
            ));
        }
        Ok(line.trim_end_matches("\r\n").to_owned())
    }

    fn read(&mut self) -> std::io::Result<Reply> {
        let line = self.read_line()?;
        let (kind, rest) = line.split_at(line.len().min(1));
        let number = || {
            rest.parse::<i64>()
                .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))
        };
        Ok(match kind {
            "+" => Reply::Status(rest.to_owned()),
            "-" => Reply::Error(rest.to_owned()),
            ":" => Reply::Integer(number()?),
            "$" => {
                let len = number()?;
                if len < 0 {
                    Reply::Bulk(None)
                } else {
                    let mut buf = vec![0; len as usize + 2];
                    self.reader.read_exact(&mut buf)?;
                    buf.truncate(len as usize);
                    Reply::Bulk(Some(String::from_utf8_lossy(&buf).into_owned()))
                }
            }
            "*" => {
                let len = number()?;
                if len < 0 {
                    Reply::Array(None)
                } else {
                    let mut items = Vec::new();
                    for _ in 0..len {
                        items.push(self.read()?);
                    }
                    Reply::Array(Some(items))
                }
            }
            _ => {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    format!("unexpected RESP line {line:?}"),
                ));
            }
        })
    }
}
