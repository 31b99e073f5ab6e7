//! Juju secret labels, byte-exact with the reference library (PROTOCOL.md §11.4), so that Rust
//! and Python units of one application find each other's secrets after an upgrade.
//!
//! The label is the local side's: the provider uses it as owner label, the requirer as consumer
//! label. Parts are separated by `.`, so a `.` in a part makes a label ambiguous: callers
//! validate request-ids (`^[A-Za-z0-9_-]{1,64}$`) before building one.

use std::fmt;

/// The label of a v1 secret: `<endpoint>.<relation-id>.<request-id>.<group>.secret`
/// (`valkey-client.0.836763deea236532.user.secret`).
pub fn label_v1(endpoint: &str, relation_id: u64, request_id: &str, group: &str) -> String {
    format!("{endpoint}.{relation_id}.{request_id}.{group}.secret")
}

/// The label of a v0 secret, and of the cross-model `encryption` secret:
/// `<endpoint>.<relation-id>.<group>.secret` (`valkey-client.0.tls.secret`).
pub fn label_v0(endpoint: &str, relation_id: u64, group: &str) -> String {
    format!("{endpoint}.{relation_id}.{group}.secret")
}

/// A secret label taken apart.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SecretLabel {
    /// The local endpoint (relation) name.
    pub endpoint: String,
    /// The relation id.
    pub relation_id: u64,
    /// The request-id (v1 labels only).
    pub request_id: Option<String>,
    /// The secret group.
    pub group: String,
}

impl SecretLabel {
    /// Takes a label apart; `None` when it is not one of the two label forms (five or four
    /// non-empty `.`-separated parts ending in `secret`, the second a relation id).
    pub fn parse(label: &str) -> Option<SecretLabel> {
        let parts: Vec<&str> = label.strip_suffix(".secret")?.split('.').collect();
        if parts.iter().any(|part| part.is_empty()) {
            return None;
        }
        let relation_id = |text: &str| -> Option<u64> {
            if text.bytes().all(|b| b.is_ascii_digit()) {
                text.parse().ok()
            } else {
                None
            }
        };
        match parts.as_slice() {
            [endpoint, id, request, group] => Some(SecretLabel {
                endpoint: (*endpoint).to_owned(),
                relation_id: relation_id(id)?,
                request_id: Some((*request).to_owned()),
                group: (*group).to_owned(),
            }),
            [endpoint, id, group] => Some(SecretLabel {
                endpoint: (*endpoint).to_owned(),
                relation_id: relation_id(id)?,
                request_id: None,
                group: (*group).to_owned(),
            }),
            _ => None,
        }
    }
}

impl fmt::Display for SecretLabel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.request_id {
            Some(request) => f.write_str(&label_v1(
                &self.endpoint,
                self.relation_id,
                request,
                &self.group,
            )),
            None => f.write_str(&label_v0(&self.endpoint, self.relation_id, &self.group)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_byte_exact() {
        assert_eq!(
            label_v1("valkey-client", 0, "836763deea236532", "user"),
            "valkey-client.0.836763deea236532.user.secret"
        );
        assert_eq!(
            label_v0("valkey-client", 0, "tls"),
            "valkey-client.0.tls.secret"
        );
        assert_eq!(
            label_v0("valkey-client", 12, "encryption"),
            "valkey-client.12.encryption.secret"
        );
    }

    #[test]
    fn labels_parse_back() {
        let v1 = SecretLabel::parse("valkey-client.0.836763deea236532.user.secret").expect("v1");
        assert_eq!(
            v1,
            SecretLabel {
                endpoint: "valkey-client".into(),
                relation_id: 0,
                request_id: Some("836763deea236532".into()),
                group: "user".into(),
            }
        );
        assert_eq!(
            v1.to_string(),
            "valkey-client.0.836763deea236532.user.secret"
        );
        let v0 = SecretLabel::parse("valkey-client.7.tls.secret").expect("v0");
        assert_eq!(v0.request_id, None);
        assert_eq!((v0.relation_id, v0.group.as_str()), (7, "tls"));
        assert_eq!(v0.to_string(), "valkey-client.7.tls.secret");
    }

    #[test]
    fn other_labels_are_refused() {
        for bad in [
            "",
            "secret",
            "valkey-client.0.user",
            "valkey-client.x.user.secret",
            "valkey-client.-1.user.secret",
            "valkey-client..user.secret",
            "valkey-client.0.a.b.user.secret",
            "valkey-client.0.user.secret.",
            "valkey-client.0.user.Secret",
        ] {
            assert_eq!(SecretLabel::parse(bad), None, "{bad}");
        }
    }
}
