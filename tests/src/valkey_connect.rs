//! Connections with the `redis` crate, a real Valkey client: as an admin, and as a requirer
//! using nothing but what it resolved from the relation.

use redis::{Client, ConnectionAddr, ConnectionInfo, IntoConnectionInfo, RedisConnectionInfo};
use redis::{RedisResult, TlsCertificates};

/// Where and as whom to connect. `tls_ca` set: TLS, trusting only that CA (PEM).
#[derive(Clone)]
pub struct Endpoint<'a> {
    /// `host`.
    pub host: &'a str,
    /// `port`.
    pub port: u16,
    /// The ACL user.
    pub username: &'a str,
    /// Its password.
    pub password: &'a str,
    /// The only CA trusted, when the connection uses TLS.
    pub tls_ca: Option<&'a str>,
}

impl Endpoint<'_> {
    /// A client for this endpoint (nothing is connected yet).
    pub fn client(&self) -> RedisResult<Client> {
        let addr = match self.tls_ca {
            None => ConnectionAddr::Tcp(self.host.to_owned(), self.port),
            Some(_) => ConnectionAddr::TcpTls {
                host: self.host.to_owned(),
                port: self.port,
                insecure: false,
                tls_params: None,
            },
        };
        let info: ConnectionInfo = addr.into_connection_info()?.set_redis_settings(
            RedisConnectionInfo::default()
                .set_username(self.username)
                .set_password(self.password),
        );
        match self.tls_ca {
            None => Client::open(info),
            Some(ca) => Client::build_with_tls(
                info,
                TlsCertificates {
                    client_tls: None,
                    root_cert: Some(ca.as_bytes().to_vec()),
                },
            ),
        }
    }

    /// A connection, authenticated.
    pub fn connect(&self) -> RedisResult<redis::Connection> {
        let connection = self.client()?.get_connection()?;
        connection.set_read_timeout(Some(std::time::Duration::from_secs(5)))?;
        Ok(connection)
    }
}

/// Splits `host:port` (the form of `endpoints` and each entry of `sentinel-endpoints`).
pub fn host_port(endpoint: &str) -> Option<(&str, u16)> {
    let (host, port) = endpoint.rsplit_once(':')?;
    Some((host, port.parse().ok()?))
}
