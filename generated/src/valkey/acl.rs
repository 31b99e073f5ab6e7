// Hand-written (not generated): the ACL rules a provider gives client users, measured on
// valkey-server 8.0.1 (tests/tests/valkey_acl.rs pins what each rule allows).

//! ACL rules for client users of the Valkey server and of Sentinel.

use sha2::{Digest, Sha256};

use super::KeyPrefix;

/// What a client may do inside its prefix, and the holes of the broad categories closed: the
/// keyspace-wide commands (FLUSHALL, FLUSHDB, SWAPDB, FUNCTION, KEYS, SCAN, RANDOMKEY, DBSIZE,
/// SELECT, MOVE, COPY, SORT), server-wide views (INFO, LOLWUT, PUBSUB CHANNELS/NUMSUB/NUMPAT,
/// CLIENT other than its own name and id, WAIT), and everything `@dangerous` or `@admin` but
/// ROLE.
///
/// Every tenant lives in database 0: SELECT, MOVE and SWAPDB are gone, and so is COPY, whose
/// `DB <n>` option writes into another database. An ACL rule cannot refuse one option of a
/// command, so same-database COPY goes too (a tenant copies with its own reads and writes).
///
/// HELLO (`@connection`) stays: clients negotiate RESP3 and authenticate with it, some at every
/// connect. Its reply names the server version, which every response already publishes
/// (`version`, PROTOCOL.md §13), so it tells a tenant nothing new. LOLWUT (`@read`) only prints
/// the version in art: removed, as it serves no client.
///
/// ROLE (`@admin @dangerous`) is given back: a Sentinel client must ask the server it was sent
/// to whether it is the primary (the Sentinel client protocol; the `redis` crate refuses the
/// connection without it, tests/tests/valkey_e2e.rs). It tells the replicas' addresses, which
/// `read-only-endpoints` publishes anyway.
pub const CLIENT_PERMISSIONS: &str = "-@all +@read +@write +@keyspace +@transaction +@pubsub \
    +@connection -@dangerous -@admin +role -keys -scan -randomkey -flushall -flushdb -swapdb \
    -function -dbsize -move -select -copy -lolwut -info -sort -sort_ro -wait -waitaof \
    -pubsub|channels -pubsub|numpat -pubsub|numsub -pubsub|shardchannels -pubsub|shardnumsub \
    -client \
    +client|setname +client|setinfo +client|getname +client|id";

/// What a client may ask Sentinel: find the primary and replicas, nothing that changes or
/// lists Sentinel's clients.
const SENTINEL_PERMISSIONS: &str = "-@all +auth +hello +ping +role +command \
    +client|setname +client|setinfo +client|getname +client|id \
    +sentinel|get-master-addr-by-name +sentinel|master +sentinel|masters \
    +sentinel|replicas +sentinel|sentinels";

/// `#<sha256-hex>`: the password as an ACL rule stores it, so the rule never holds it.
pub fn password_hash(password: &str) -> String {
    let digest = Sha256::digest(password.as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("#{hex}")
}

/// The ACL rule arguments after `ACL SETUSER <username>` for a client user confined to
/// `prefix`, for keys and Pub/Sub channels. `resetpass`, `resetkeys` and `resetchannels` come
/// before the new values, so a repeated SETUSER (new password, new prefix) keeps nothing old.
pub fn client_rule(username: &str, password: &str, prefix: &KeyPrefix) -> String {
    let _ = username; // the rule is the same for every user; the name goes before it.
    format!(
        "on resetpass {} resetkeys resetchannels ~{prefix} &{prefix} {CLIENT_PERMISSIONS}",
        password_hash(password)
    )
}

/// The matching rule for the same client user on Sentinel.
pub fn sentinel_client_rule(username: &str, password: &str) -> String {
    let _ = username;
    format!(
        "on resetpass {} {SENTINEL_PERMISSIONS}",
        password_hash(password)
    )
}

/// The rule the Valkey charm writes for a client (canonical/valkey-operator, HEAD 67ae6e2),
/// prefix pasted unchecked. Kept only to pin, in tests, what it allows that ours does not.
pub fn charm_client_rule(password: &str, resource: &str) -> String {
    format!(
        "on {} -@all +@read +@write +@keyspace +@pubsub +@transaction +info ~{resource} &{resource}",
        password_hash(password)
    )
}

/// One line of an ACL file: `user <username> <rule>`.
pub fn acl_file_line(username: &str, rule: &str) -> String {
    format!("user {username} {rule}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_text() {
        let prefix = KeyPrefix::parse("application:*").expect("valid prefix");
        let rule = client_rule("relation-0-abc", "pw", &prefix);
        assert!(rule.starts_with(
            "on resetpass #30c952fab122c3f9759f02a6d95c3758b246b4fee239957b2d4fee46e26170c4 \
             resetkeys resetchannels ~application:* &application:* -@all"
        ));
        assert!(!rule.contains(" pw"));
        assert!(rule.ends_with("+client|id"));
        assert!(sentinel_client_rule("u", "pw").contains("+sentinel|get-master-addr-by-name"));
        assert_eq!(acl_file_line("u", "on"), "user u on");
    }
}
