//! The client ACL rule on a real valkey-server: what a client user may do inside its prefix,
//! what it may not do outside, and the same commands against the Valkey charm's rule, pinned
//! as a documented comparison (PROTOCOL.md §13: FLUSHALL and KEYS succeed there).

use databag::{Secret, wire};
use databag_tests::valkey_server::{OUTSIDE, Reply, ValkeyServer, server_binary};
use databag_tests::valkey_users::ServerUsers;
use valkey_client::valkey::UserStore;
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

/// The keyspace-wide and server-wide commands of [`OUTSIDE`]: refused even to a user granted
/// every key and channel (`*`), because the rule removes the commands, not only the keys.
fn keyspace_wide() -> impl Iterator<Item = &'static [&'static str]> {
    OUTSIDE
        .iter()
        .copied()
        .filter(|command| !matches!(command[0], "SET" | "GET" | "PUBLISH"))
}

#[test]
fn whole_keyspace_user_reaches_every_key_and_channel_but_no_keyspace_wide_command() {
    let prefix = KeyPrefix::parse("*").expect("`*` is the whole keyspace");
    let rule = client_rule("all", "pw", &prefix);
    assert!(
        rule.contains(" resetkeys resetchannels ~* &* -@all "),
        "{rule}"
    );
    let Some(server) = server_with(&[("all", rule)]) else {
        return;
    };
    seed_other_tenant(&server);
    let mut client = server.login("all", "pw");
    // Any key: another tenant's, and new ones anywhere.
    assert_eq!(
        client.command(&["GET", "other:key"]),
        Reply::Bulk(Some("secret-data".into()))
    );
    for key in ["k", "app:{tenant}:k", "x:y:z"] {
        assert_eq!(
            client.command(&["SET", key, "v"]),
            Reply::Status("OK".into())
        );
        assert_eq!(client.command(&["GET", key]), Reply::Bulk(Some("v".into())));
    }
    assert_eq!(
        client.command(&["MSET", "a", "1", "b:{c}", "2"]),
        Reply::Status("OK".into())
    );
    assert_eq!(
        client.command(&["DEL", "k", "a", "b:{c}"]),
        Reply::Integer(3)
    );

    // Any channel, and the pattern `*` (the whole channel space is granted).
    let mut subscriber = server.login("all", "pw");
    assert!(!subscriber.command(&["SUBSCRIBE", "any"]).is_error());
    let pattern = subscriber.command(&["PSUBSCRIBE", "*"]);
    assert!(!pattern.is_error(), "{pattern:?}");
    assert_eq!(
        client.command(&["PUBLISH", "any", "hello"]),
        Reply::Integer(2),
        "heard by SUBSCRIBE any and PSUBSCRIBE *"
    );

    // Still refused: what reaches past keys to the whole keyspace, the server or the ACLs.
    for command in keyspace_wide().chain([
        &["KEYS", "app:*"][..],
        &["SCAN", "0", "MATCH", "*"],
        &["SORT", "x:y:z"],
        &["CONFIG", "SET", "maxmemory", "1"],
        &["ACL", "SETUSER", "all", "+@all"],
        &["ACL", "LIST"],
        &["ACL", "SAVE"],
        &["SAVE"],
        &["BGSAVE"],
        &["MIGRATE", "127.0.0.1", "1", "x:y:z", "0", "1"],
        &["REPLICAOF", "127.0.0.1", "1"],
        &["MODULE", "LIST"],
        &["EVAL", "return 1", "0"],
    ]) {
        let reply = client.command(command);
        assert!(reply.is_noperm(), "{command:?} was not refused: {reply:?}");
    }
    // Nothing was wiped, and the user kept its rule.
    let mut admin = server.admin();
    assert_eq!(
        admin.command(&["GET", "other:key"]),
        Reply::Bulk(Some("secret-data".into()))
    );
    // other:key, app:{tenant}:k and x:y:z.
    assert_eq!(admin.command(&["DBSIZE"]), Reply::Integer(3));
}

/// A hash tag (`{tenant}`) is literal in a Valkey glob: the user is confined to the keys and
/// channels that start with `app:{tenant}:`, braces included. (A server without cluster mode
/// cannot show the slot; the confinement is what the prefix decides.)
#[test]
fn hash_tag_user_is_confined_to_its_tenant() {
    let prefix = KeyPrefix::parse("app:{tenant}:*").expect("hash tags are accepted");
    let rule = client_rule("tenant", "pw", &prefix);
    assert!(rule.contains(" ~app:{tenant}:* &app:{tenant}:* "), "{rule}");
    let Some(server) = server_with(&[("tenant", rule)]) else {
        return;
    };
    let mut admin = server.admin();
    for key in ["app:{other}:k", "app:tenant:k", "app:{tenant}"] {
        assert_eq!(
            admin.command(&["SET", key, "theirs"]),
            Reply::Status("OK".into())
        );
    }
    let mut client = server.login("tenant", "pw");
    assert_eq!(
        client.command(&["SET", "app:{tenant}:k", "1"]),
        Reply::Status("OK".into())
    );
    assert_eq!(
        client.command(&["GET", "app:{tenant}:k"]),
        Reply::Bulk(Some("1".into()))
    );
    assert_eq!(
        client.command(&["MSET", "app:{tenant}:a", "1", "app:{tenant}:b", "2"]),
        Reply::Status("OK".into())
    );

    // Pub/Sub on the tenant's channels, by name and by the granted pattern itself.
    let mut subscriber = server.login("tenant", "pw");
    assert!(
        !subscriber
            .command(&["SUBSCRIBE", "app:{tenant}:ch"])
            .is_error()
    );
    assert!(
        !subscriber
            .command(&["PSUBSCRIBE", "app:{tenant}:*"])
            .is_error()
    );
    assert_eq!(
        client.command(&["PUBLISH", "app:{tenant}:ch", "hello"]),
        Reply::Integer(2)
    );
    assert_eq!(
        subscriber.read_reply(),
        Reply::Array(Some(vec![
            Reply::Bulk(Some("message".into())),
            Reply::Bulk(Some("app:{tenant}:ch".into())),
            Reply::Bulk(Some("hello".into())),
        ]))
    );

    // Another tenant's tag, the same name without braces, the tag without its colon, a
    // different case, and anything else: refused, for keys and channels alike.
    let outside = [
        "app:{other}:k",
        "app:tenant:k",
        "app:{tenant}",
        "app:{tenant}x:k",
        "app:{TENANT}:k",
        "app:{tenant",
        "other:k",
    ];
    for key in outside {
        for command in [&["GET", key][..], &["SET", key, "x"], &["DEL", key]] {
            let reply = client.command(command);
            assert!(reply.is_noperm(), "{command:?} was not refused: {reply:?}");
        }
        let publish = client.command(&["PUBLISH", key, "x"]);
        assert!(publish.is_noperm(), "PUBLISH {key}: {publish:?}");
        let mut other = server.login("tenant", "pw");
        let subscribe = other.command(&["SUBSCRIBE", key]);
        assert!(subscribe.is_noperm(), "SUBSCRIBE {key}: {subscribe:?}");
    }
    // One key outside spoils a multi-key command; wider patterns are not the granted one.
    for command in [
        &["MSET", "app:{tenant}:a", "1", "app:{other}:b", "2"][..],
        &["PSUBSCRIBE", "app:*"],
        &["PSUBSCRIBE", "*"],
        &["KEYS", "app:{tenant}:*"],
        &["SCAN", "0", "MATCH", "app:{tenant}:*"],
        &["FLUSHALL"],
    ] {
        let reply = server.login("tenant", "pw").command(command);
        assert!(reply.is_noperm(), "{command:?} was not refused: {reply:?}");
    }
    for key in ["app:{other}:k", "app:tenant:k", "app:{tenant}"] {
        assert_eq!(
            admin.command(&["GET", key]),
            Reply::Bulk(Some("theirs".into()))
        );
    }
}

/// The accepted punctuation survives the provider's store (`ACL SETUSER`, `ACL SAVE`) and a
/// reload of the ACL file (`ACL LOAD`, which splits lines like `sdssplitargs`): the patterns
/// come back unchanged and still confine. Usernames never hold the prefix: the request id is
/// a hash of it.
#[test]
fn accepted_punctuation_survives_acl_save_and_load() {
    let Some(binary) = server_binary() else {
        return;
    };
    let server = ValkeyServer::start(binary, &[]);
    let mut users = ServerUsers::open(&server.admin_access(), &[]).expect("admin");
    let cases = [
        ("*", "anything", "", "~* &*"),
        (
            "ops@team={t}:*",
            "ops@team={t}:k",
            "ops@team={u}:k",
            "~ops@team={t}:* &ops@team={t}:*",
        ),
        (
            "app:{tenant}:*",
            "app:{tenant}:k",
            "app:tenant:k",
            "~app:{tenant}:* &app:{tenant}:*",
        ),
    ];
    let mut names = Vec::new();
    for (prefix, _, _, _) in cases {
        let id = RequestId::parse(&wire::request_id(prefix, "salt")).expect("a hex request id");
        let username = username_for(7, Some(&id));
        assert!(
            username.starts_with("relation-7-") && username.len() == "relation-7-".len() + 16,
            "{username}"
        );
        let prefix = KeyPrefix::parse(prefix).expect("accepted");
        users
            .put_user(&username, &Secret::new("pw".to_owned()), &prefix)
            .expect("ACL SETUSER and ACL SAVE");
        names.push(username);
    }
    let mut admin = server.admin();
    assert_eq!(admin.command(&["ACL", "LOAD"]), Reply::Status("OK".into()));
    let list = admin.command(&["ACL", "LIST"]);
    for ((_, inside, outside, patterns), username) in cases.iter().zip(&names) {
        let Reply::Array(Some(lines)) = &list else {
            panic!("ACL LIST: {list:?}");
        };
        let line = lines
            .iter()
            .find_map(|line| match line {
                Reply::Bulk(Some(line)) if line.starts_with(&format!("user {username} ")) => {
                    Some(line.clone())
                }
                _ => None,
            })
            .expect("the user is in the reloaded ACL file");
        let words: Vec<&str> = line.split(' ').collect();
        for pattern in patterns.split(' ') {
            assert!(words.contains(&pattern), "{pattern} not in {line}");
        }
        let mut client = server.login(username, "pw");
        assert_eq!(
            client.command(&["SET", inside, "1"]),
            Reply::Status("OK".into())
        );
        if !outside.is_empty() {
            assert!(
                client.command(&["SET", outside, "1"]).is_noperm(),
                "{outside}"
            );
        }
        assert!(client.command(&["FLUSHALL"]).is_noperm());
    }
}

/// What the parser still refuses, and why on a real server: pasted into the Valkey charm's
/// rule, each widens the pattern or rewrites the rule.
#[test]
fn hostile_prefixes_are_still_refused() {
    for hostile in [
        "x ~*", "a*b", "app?", "app[ab]", "a\\b", "**", "app:*:*", "~*", "&*", "", " ", "x\n",
        "'x'", "\"x\"", "(x)", "x|y", "%R~*", "é:*", "a,b", "a$b",
    ] {
        assert!(KeyPrefix::parse(hostile).is_err(), "{hostile:?} accepted");
    }
    let Some(server) = server_with(&[
        ("star", charm_client_rule("pw", "a*b")),
        ("question", charm_client_rule("pw", "app?")),
        ("bracket", charm_client_rule("pw", "app[ab]")),
        ("space", charm_client_rule("pw", "x ~*")),
    ]) else {
        return;
    };
    for (user, widened) in [
        ("star", "a:other-tenant:b"),
        ("question", "appX"),
        ("bracket", "appa"),
        ("space", "other:key"),
    ] {
        let mut client = server.login(user, "pw");
        assert_eq!(
            client.command(&["SET", widened, "1"]),
            Reply::Status("OK".into()),
            "{user} reaches {widened}"
        );
    }
}
