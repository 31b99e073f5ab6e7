//! A real `valkey-sentinel` on loopback monitoring a test [`ValkeyServer`]: free port, own
//! config (Sentinel rewrites it) and directory, killed on drop. Its `default` user is the admin
//! ([`ADMIN_PASSWORD`]); client users are added by the provider, as on the server.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::valkey_server::{ADMIN_PASSWORD, AdminAccess, ValkeyServer, free_port};

/// A running Sentinel, stopped when dropped.
pub struct ValkeySentinel {
    child: Child,
    port: u16,
    _dir: tempfile::TempDir,
}

impl ValkeySentinel {
    /// Starts a Sentinel monitoring `primary` under the name `service` (quorum 1), logging in
    /// to it as the admin.
    pub fn start(binary: &str, primary: &ValkeyServer, service: &str) -> ValkeySentinel {
        let dir = tempfile::tempdir().expect("temp dir");
        let port = free_port();
        let config = format!(
            "bind 127.0.0.1\nport {port}\ndir {dir}\n\
             user default on >{ADMIN_PASSWORD} ~* &* +@all\n\
             sentinel monitor {service} 127.0.0.1 {primary} 1\n\
             sentinel auth-pass {service} {ADMIN_PASSWORD}\n",
            dir = dir.path().display(),
            primary = primary.port(),
        );
        let config_path = dir.path().join("sentinel.conf");
        std::fs::write(&config_path, config).expect("write sentinel config");
        let child = Command::new(binary)
            .arg(&config_path)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn valkey-sentinel");
        let sentinel = ValkeySentinel {
            child,
            port,
            _dir: dir,
        };
        sentinel.wait_ready(service);
        sentinel
    }

    /// Waits until the Sentinel answers and knows the primary of `service`.
    fn wait_ready(&self, service: &str) {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let known = self.admin_access().connect().and_then(|mut connection| {
                redis::cmd("SENTINEL")
                    .arg("GET-MASTER-ADDR-BY-NAME")
                    .arg(service)
                    .query::<Option<(String, u16)>>(&mut connection)
            });
            let error = match known {
                Ok(Some(_)) => return,
                Ok(None) => "primary not known yet".to_owned(),
                Err(error) => error.to_string(),
            };
            assert!(
                Instant::now() < deadline,
                "valkey-sentinel did not start on {}: {error}",
                self.port
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The Sentinel's port on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// How the provider's admin reaches this Sentinel.
    pub fn admin_access(&self) -> AdminAccess {
        AdminAccess {
            host: "127.0.0.1".to_owned(),
            port: self.port,
            username: "default".to_owned(),
            password: ADMIN_PASSWORD.to_owned(),
            tls_ca: None,
        }
    }
}

impl Drop for ValkeySentinel {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
