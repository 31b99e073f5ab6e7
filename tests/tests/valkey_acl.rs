//! The client ACL rule on a real valkey-server: what a client user may do inside its prefix,
//! what it may not do outside, and the same commands against the Valkey charm's rule, pinned
//! as a documented comparison (PROTOCOL.md §13: FLUSHALL and KEYS succeed there).

use databag_tests::valkey_server::{OUTSIDE, Reply, ValkeyServer, server_binary};
use valkey_client::valkey::acl::{acl_file_line, charm_client_rule, client_rule};
use valkey_client::valkey::{KeyPrefix, RequestId, username_for};

const PREFIX: &str = "application:*";

fn server_with(users: &[(&str, String)]) -> Option<ValkeyServer> {
    let binary = server_binary()?;
    let lines: Vec<String> = users
        .iter()
        .map(|(name, rule)| acl_file_line(name, rule))
        .collect();
    Some(ValkeyServer::start(binary, &lines))
}

fn seed_other_tenant(server: &ValkeyServer) {
    let mut admin = server.admin();
    assert_eq!(
        admin.command(&["SET", "other:key", "secret-data"]),
        Reply::Status("OK".into())
    );
}

#[test]
fn client_rule_allows_everything_inside_the_prefix() {
    let prefix = KeyPrefix::parse(PREFIX).expect("valid prefix");
    let Some(server) = server_with(&[("app", client_rule("app", "pw", &prefix))]) else {
        return;
    };
    let mut client = server.login("app", "pw");
    assert_eq!(
        client.command(&["SET", "application:a", "1"]),
        Reply::Status("OK".into())
    );
    assert_eq!(
        client.command(&["GET", "application:a"]),
        Reply::Bulk(Some("1".into()))
    );
    assert_eq!(
        client.command(&["EXPIRE", "application:a", "100"]),
        Reply::Integer(1)
    );
    assert_eq!(client.command(&["MULTI"]), Reply::Status("OK".into()));
    assert_eq!(
        client.command(&["INCR", "application:n"]),
        Reply::Status("QUEUED".into())
    );
    assert_eq!(
        client.command(&["EXEC"]),
        Reply::Array(Some(vec![Reply::Integer(1)]))
    );
    assert_eq!(client.command(&["DEL", "application:a"]), Reply::Integer(1));
    assert_eq!(client.command(&["PING"]), Reply::Status("PONG".into()));
    assert_eq!(
        client.command(&["CLIENT", "SETNAME", "charm"]),
        Reply::Status("OK".into())
    );

    // Pub/Sub inside the prefix: a subscriber receives what another connection publishes.
    let mut subscriber = server.login("app", "pw");
    let subscribed = subscriber.command(&["SUBSCRIBE", "application:events"]);
    assert!(!subscribed.is_error(), "{subscribed:?}");
    assert_eq!(
        client.command(&["PUBLISH", "application:events", "hello"]),
        Reply::Integer(1)
    );
    assert_eq!(
        subscriber.read_reply(),
        Reply::Array(Some(vec![
            Reply::Bulk(Some("message".into())),
            Reply::Bulk(Some("application:events".into())),
            Reply::Bulk(Some("hello".into())),
        ]))
    );
}

#[test]
fn client_rule_refuses_everything_outside_the_prefix() {
    let prefix = KeyPrefix::parse(PREFIX).expect("valid prefix");
    let Some(server) = server_with(&[("app", client_rule("app", "pw", &prefix))]) else {
        return;
    };
    seed_other_tenant(&server);
    let mut client = server.login("app", "pw");
    client.command(&["SET", "application:mine", "1"]);
    for command in OUTSIDE {
        let reply = client.command(command);
        assert!(reply.is_noperm(), "{command:?} was not refused: {reply:?}");
    }
    // Nothing was wiped or swapped.
    let mut admin = server.admin();
    assert_eq!(
        admin.command(&["GET", "other:key"]),
        Reply::Bulk(Some("secret-data".into()))
    );
}

/// The Valkey charm's rule, on the same server version: what it lets any client do to every
/// tenant. This test pins the finding; if it ever fails, the charm's exposure has changed.
#[test]
fn charm_rule_lets_clients_wipe_and_list_other_tenants() {
    let Some(server) = server_with(&[("charm-app", charm_client_rule("pw", PREFIX))]) else {
        return;
    };
    seed_other_tenant(&server);
    let mut client = server.login("charm-app", "pw");
    // Refused, as under our rule.
    for command in [
        &["SET", "other:key", "x"][..],
        &["CONFIG", "GET", "maxmemory"],
        &["ACL", "WHOAMI"],
    ] {
        assert!(client.command(command).is_noperm(), "{command:?}");
    }
    // Lists other tenants' key names.
    assert_eq!(
        client.command(&["KEYS", "*"]),
        Reply::Array(Some(vec![Reply::Bulk(Some("other:key".into()))]))
    );
    assert!(!client.command(&["SCAN", "0"]).is_error());
    assert_eq!(
        client.command(&["RANDOMKEY"]),
        Reply::Bulk(Some("other:key".into()))
    );
    // Wipes every tenant's data.
    assert_eq!(client.command(&["FLUSHALL"]), Reply::Status("OK".into()));
    let mut admin = server.admin();
    assert_eq!(admin.command(&["GET", "other:key"]), Reply::Bulk(None));
}

#[test]
fn the_charms_unchecked_prefix_grants_everything_and_ours_is_refused() {
    let hostile = "x ~* +@all";
    assert!(KeyPrefix::parse(hostile).is_err());
    let Some(server) = server_with(&[("evil", charm_client_rule("pw", hostile))]) else {
        return;
    };
    let mut client = server.login("evil", "pw");
    // The pasted prefix turned into `~* +@all`: configuration and ACLs are the client's.
    assert!(!client.command(&["CONFIG", "GET", "maxmemory"]).is_error());
    assert_eq!(
        client.command(&["ACL", "SETUSER", "default", "off"]),
        Reply::Status("OK".into())
    );
}

#[test]
fn two_requests_cannot_touch_each_others_keys() {
    let a = KeyPrefix::parse("tenant-a:*").expect("valid");
    let b = KeyPrefix::parse("tenant-b:*").expect("valid");
    let id_a = RequestId::parse("aaaaaaaaaaaaaaaa").expect("valid");
    let id_b = RequestId::parse("bbbbbbbbbbbbbbbb").expect("valid");
    let (user_a, user_b) = (username_for(0, Some(&id_a)), username_for(0, Some(&id_b)));
    let Some(server) = server_with(&[
        (&user_a, client_rule(&user_a, "pw-a", &a)),
        (&user_b, client_rule(&user_b, "pw-b", &b)),
    ]) else {
        return;
    };
    let mut client_a = server.login(&user_a, "pw-a");
    let mut client_b = server.login(&user_b, "pw-b");
    assert_eq!(
        client_a.command(&["SET", "tenant-a:k", "1"]),
        Reply::Status("OK".into())
    );
    assert_eq!(
        client_b.command(&["SET", "tenant-b:k", "2"]),
        Reply::Status("OK".into())
    );
    assert!(client_a.command(&["GET", "tenant-b:k"]).is_noperm());
    assert!(client_b.command(&["DEL", "tenant-a:k"]).is_noperm());
    assert!(
        client_b
            .command(&["PUBLISH", "tenant-a:ch", "x"])
            .is_noperm()
    );
    // A wrong password for the other user is refused.
    let mut stranger = server.connect().expect("connect");
    assert!(stranger.command(&["AUTH", &user_a, "pw-b"]).is_error());
}

#[test]
fn deleting_the_user_ends_its_sessions() {
    let prefix = KeyPrefix::parse(PREFIX).expect("valid prefix");
    let Some(server) = server_with(&[("relation-0", client_rule("relation-0", "pw", &prefix))])
    else {
        return;
    };
    let mut client = server.login("relation-0", "pw");
    assert_eq!(client.command(&["PING"]), Reply::Status("PONG".into()));
    let mut admin = server.admin();
    assert_eq!(
        admin.command(&["ACL", "DELUSER", "relation-0"]),
        Reply::Integer(1)
    );
    // Valkey 8 closes the connections authenticated as a deleted user.
    let after = client.command(&["PING"]);
    assert!(
        matches!(&after, Reply::Error(e) if e.starts_with("CLOSED")),
        "open connection survived: {after:?}"
    );
    let mut again = server.connect().expect("connect");
    assert!(again.command(&["AUTH", "relation-0", "pw"]).is_error());
}
