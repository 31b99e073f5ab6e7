//! The client ACL rule on a real valkey-server: what a client user may do inside its prefix,
//! what it may not do outside, and the same commands against the Valkey charm's rule, pinned
//! as a documented comparison (PROTOCOL.md §13: FLUSHALL and KEYS succeed there).

use databag::{Secret, wire};
use databag_tests::valkey_server::{OUTSIDE, Reply, ValkeyServer, server_binary};
use databag_tests::valkey_users::ServerUsers;
use valkey_client::valkey::UserStore;
use valkey_client::valkey::acl::{self, acl_file_line, charm_client_rule, client_rule};
use valkey_client::valkey::{KeyPrefix, RequestId, Retention, username_for};

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

// ---- tenancy -------------------------------------------------------------------------------

/// Why each command category the client rule grants is granted (acl::CLIENT_PERMISSIONS).
/// Each category loses the commands in [`REMOVED`]; nothing else is granted but ROLE.
const GRANTED: &[(&str, &str)] = &[
    (
        "read",
        "reading the tenant's own keys; key patterns confine every keyed command",
    ),
    (
        "write",
        "writing the tenant's own keys, under the same key patterns",
    ),
    (
        "keyspace",
        "EXPIRE, DEL, RENAME, TYPE, ... on the tenant's own keys",
    ),
    ("transaction", "MULTI/EXEC/WATCH over the tenant's own keys"),
    (
        "pubsub",
        "the tenant's own channels (channel patterns confine them)",
    ),
    (
        "connection",
        "AUTH, HELLO (RESP3), PING, its own CLIENT name and id",
    ),
];

/// The commands of the granted categories the rule takes away, and why: each reaches past
/// the tenant's keys (the whole keyspace, another database, the server, other clients).
const REMOVED: &[(&str, &str)] = &[
    ("keys", "lists every tenant's key names"),
    ("scan", "lists every tenant's key names"),
    ("randomkey", "returns another tenant's key name"),
    ("dbsize", "counts every tenant's keys"),
    ("flushall", "wipes every tenant"),
    ("flushdb", "wipes every tenant"),
    ("swapdb", "swaps every tenant's data away"),
    ("select", "tenants live in database 0"),
    ("move", "moves a key to another database"),
    (
        "copy",
        "COPY ... DB <n> writes into another database (no ACL rule refuses one option)",
    ),
    ("sort", "BY/GET patterns read keys outside the prefix"),
    ("sort_ro", "BY/GET patterns read keys outside the prefix"),
    ("lolwut", "prints the server version; serves no client"),
    ("wait", "server-wide replication state"),
    ("waitaof", "server-wide persistence state"),
    ("pubsub|channels", "lists every tenant's channels"),
    (
        "pubsub|numpat",
        "counts every tenant's pattern subscriptions",
    ),
    ("pubsub|numsub", "counts other tenants' subscribers"),
    (
        "pubsub|shardchannels",
        "lists every tenant's shard channels",
    ),
    (
        "pubsub|shardnumsub",
        "counts other tenants' shard subscribers",
    ),
    ("client|list", "shows other tenants' connections"),
    (
        "client|info",
        "removed with CLIENT; its own name and id stay",
    ),
    ("client|kill", "ends other tenants' connections"),
    ("client|pause", "stops every client"),
    ("client|unpause", "server-wide"),
    ("client|unblock", "acts on other clients"),
    ("client|no-evict", "server-wide memory policy"),
    ("client|no-touch", "removed with CLIENT"),
    (
        "client|tracking",
        "BCAST tracking would report other tenants' key names",
    ),
    ("client|trackinginfo", "removed with CLIENT"),
    ("client|caching", "removed with CLIENT (tracking)"),
    ("client|getredir", "removed with CLIENT (tracking)"),
    ("client|reply", "removed with CLIENT"),
    ("client|capa", "removed with CLIENT"),
    ("client|help", "removed with CLIENT"),
    ("function|delete", "functions are server-wide"),
    ("function|flush", "functions are server-wide"),
    ("function|load", "functions are server-wide"),
    ("function|restore", "functions are server-wide"),
    ("migrate", "@dangerous: writes to another server"),
    ("restore", "@dangerous"),
    ("restore-asking", "@dangerous"),
    ("pfdebug", "@dangerous"),
];

/// Every command of every granted category, asked of the server itself (`ACL CAT`), is either
/// allowed to a client user or listed in [`REMOVED`] with its reason; the rule grants exactly
/// the categories of [`GRANTED`]. A server upgrade that adds a command to a granted category
/// fails here until someone decides about it.
#[test]
fn every_granted_category_and_every_removed_command_is_accounted_for() {
    let granted: Vec<&str> = acl::CLIENT_PERMISSIONS
        .split_whitespace()
        .filter_map(|word| word.strip_prefix("+@"))
        .collect();
    let listed: Vec<&str> = GRANTED.iter().map(|(category, _)| *category).collect();
    assert_eq!(granted, listed, "a granted category without its reason");
    let prefix = KeyPrefix::parse("app:*").expect("valid");
    let Some(server) = server_with(&[("tenant", client_rule("tenant", "pw", &prefix))]) else {
        return;
    };
    let mut admin = server.admin();
    let mut refused = std::collections::BTreeSet::new();
    for (category, _) in GRANTED {
        let Reply::Array(Some(commands)) = admin.command(&["ACL", "CAT", category]) else {
            panic!("ACL CAT {category}");
        };
        for command in commands {
            let Reply::Bulk(Some(command)) = command else {
                continue;
            };
            let mut args: Vec<&str> = command.split('|').collect();
            // Enough keys in the prefix for any arity: the check is about the command.
            let arity = match admin.command(&["COMMAND", "INFO", &command]) {
                Reply::Array(Some(info)) => match info.first() {
                    Some(Reply::Array(Some(fields))) => match fields.get(1) {
                        Some(Reply::Integer(arity)) => arity.unsigned_abs() as usize,
                        _ => 1,
                    },
                    _ => 1,
                },
                _ => 1,
            };
            while args.len() < arity {
                args.push("app:k");
            }
            let mut dryrun = vec!["ACL", "DRYRUN", "tenant"];
            dryrun.extend(&args);
            match admin.command(&dryrun) {
                Reply::Bulk(Some(text)) | Reply::Status(text)
                    if text.contains("no permissions to run") =>
                {
                    refused.insert(command.clone());
                }
                _ => {}
            }
        }
    }
    let removed: std::collections::BTreeSet<String> =
        REMOVED.iter().map(|(c, _)| (*c).to_owned()).collect();
    assert_eq!(
        refused, removed,
        "refused by the rule vs. documented as removed"
    );
    // HELLO stays (RESP3, AUTH at connect): its version is what responses publish anyway.
    let mut client = server.login("tenant", "pw");
    let hello = client.command(&["HELLO", "2"]);
    assert!(!hello.is_error(), "{hello:?}");
    assert!(client.command(&["LOLWUT"]).is_noperm());
}

/// What a Juju model and the provider flow need for the tenancy tests on a real server.
mod tenancy {
    use databag::juju::{Model, RelationId, State};
    use databag_tests::valkey_server::ValkeyServer;
    use databag_tests::valkey_users::ServerUsers;
    use valkey_client::relation::{Provider, Reconciled, Requirer};
    use valkey_client::valkey::{Retention, ServerInfo, ValkeyPolicy};

    /// `apps[i]` on relation `i`, each with `valkey`.
    pub fn model(apps: &[&str]) -> Model {
        let mut state = State::new("6a7b8c9d-0e1f-4a2b-8c3d-4e5f6a7b8c9d");
        for app in apps.iter().chain(&["valkey"]) {
            state.add_app(app, 1);
        }
        for (number, app) in apps.iter().enumerate() {
            assert_eq!(
                state.relate(app, "cache", "valkey", "valkey-client"),
                number as u32
            );
        }
        Model::new(state)
    }

    /// The requirer `app` asks for `prefixes` on relation `number`, the provider answers with
    /// users on `server`, and the requirer resolves: (report, [(prefix, username, password)]).
    pub fn relate(
        model: &Model,
        users: &mut ServerUsers,
        server: &ValkeyServer,
        app: &str,
        number: u32,
        prefixes: &[&str],
    ) -> (Reconciled, Vec<(String, String, String)>) {
        let requirer = model.unit(&format!("{app}/0"));
        Requirer::new(&requirer, "cache")
            .with_log(|_, _| {})
            .request(&RelationId::new("cache", number), prefixes)
            .expect("request");
        let valkey = model.unit("valkey/0");
        let info = ServerInfo::new(format!("127.0.0.1:{}", server.port()));
        let report = Provider::new(&valkey, "valkey-client", ValkeyPolicy::new(users))
            .with_log(|_, _| {})
            .reconcile(&RelationId::new("valkey-client", number), &info)
            .expect("reconcile")
            .expect("leader");
        let answers = Requirer::new(&requirer, "cache")
            .with_log(|_, _| {})
            .read(&RelationId::new("cache", number))
            .expect("read");
        let credentials = answers
            .responses
            .iter()
            .filter_map(|r| {
                Some((
                    r.resource.clone(),
                    r.username.as_ref()?.expose_secret().clone(),
                    r.password.as_ref()?.expose_secret().clone(),
                ))
            })
            .collect();
        (report, credentials)
    }

    /// relation-broken on the provider, keys kept or deleted as `retention` says.
    pub fn broken(model: &Model, users: &mut ServerUsers, number: u32, retention: Retention) {
        model.state().break_relation(number);
        let valkey = model.unit("valkey/0");
        Provider::new(
            &valkey,
            "valkey-client",
            ValkeyPolicy::new(users)
                .with_retention(retention)
                .with_key_deletion_limit(3),
        )
        .with_log(|_, _| {})
        .on_relation_broken(&RelationId::new("valkey-client", number))
        .expect("broken")
        .expect("leader");
    }
}

/// Three tenants with adjacent prefixes (`app:*`, `app2:*`, `application:*`) and one with a
/// hash tag, each granted by the provider flow on a real server: each uses its keys and
/// channels; none reads, writes, copies, renames onto, lists, publishes to, subscribes to or
/// flushes another's. `app*` and `*`, asked by a fifth application, overlap and are refused.
#[test]
fn tenants_with_adjacent_prefixes_never_reach_each_other() {
    let Some(binary) = server_binary() else {
        return;
    };
    let server = ValkeyServer::start(binary, &[]);
    let mut users = ServerUsers::open(&server.admin_access(), &[]).expect("admin");
    let apps = ["t1", "t2", "t3", "t4", "greedy"];
    let model = tenancy::model(&apps);
    let prefixes = ["app:*", "app2:*", "application:*", "tag:{t4}:*"];
    let mut tenants = Vec::new();
    for (number, (app, prefix)) in apps.iter().zip(prefixes).enumerate() {
        let (report, mut credentials) =
            tenancy::relate(&model, &mut users, &server, app, number as u32, &[prefix]);
        assert!(report.refused.is_empty(), "{app}: {:?}", report.refused);
        let (_, username, password) = credentials.pop().expect("credentials");
        tenants.push((prefix.trim_end_matches('*').to_owned(), username, password));
    }
    let (report, credentials) = tenancy::relate(
        &model,
        &mut users,
        &server,
        "greedy",
        4,
        &["app*", "*", "a*"],
    );
    assert_eq!(
        report.refused.iter().map(|r| r.code).collect::<Vec<_>>(),
        [5101, 5101, 5101]
    );
    assert!(credentials.is_empty());

    for (literal, username, password) in &tenants {
        let mut client = server.login(username, password);
        let mine = format!("{literal}data");
        assert_eq!(
            client.command(&["SET", &mine, "mine"]),
            Reply::Status("OK".into())
        );
        assert_eq!(
            client.command(&["GET", &mine]),
            Reply::Bulk(Some("mine".into()))
        );
        let renamed = format!("{literal}renamed");
        assert_eq!(
            client.command(&["RENAME", &mine, &renamed]),
            Reply::Status("OK".into())
        );
        assert_eq!(
            client.command(&["RENAME", &renamed, &mine]),
            Reply::Status("OK".into())
        );
        // Its own channel: heard by its own subscriber.
        let channel = format!("{literal}events");
        let mut subscriber = server.login(username, password);
        assert!(!subscriber.command(&["SUBSCRIBE", &channel]).is_error());
        assert_eq!(
            client.command(&["PUBLISH", &channel, "hi"]),
            Reply::Integer(1)
        );
    }
    for (literal, username, password) in &tenants {
        let mut client = server.login(username, password);
        let mine = format!("{literal}data");
        for (other, _, _) in tenants.iter().filter(|(l, _, _)| l != literal) {
            let theirs = format!("{other}data");
            let channel = format!("{other}events");
            for command in [
                &["GET", &theirs][..],
                &["SET", &theirs, "x"],
                &["DEL", &theirs],
                &["COPY", &mine, &theirs],
                &["COPY", &theirs, &mine],
                &["RENAME", &mine, &theirs],
                &["MGET", &mine, &theirs],
                &["PUBLISH", &channel, "x"],
                &["SUBSCRIBE", &channel],
                &["PSUBSCRIBE", &format!("{other}*")],
            ] {
                let reply = server.login(username, password).command(command);
                assert!(reply.is_noperm(), "{username}: {command:?}: {reply:?}");
            }
        }
        for command in [
            &["KEYS", "*"][..],
            &["SCAN", "0"],
            &["RANDOMKEY"],
            &["DBSIZE"],
            &["FLUSHDB"],
            &["FLUSHALL"],
            &["COPY", &mine, &format!("{literal}copy"), "DB", "1"],
            &["MOVE", &mine, "1"],
            &["SELECT", "1"],
            &["SWAPDB", "0", "1"],
            &["PUBSUB", "CHANNELS"],
        ] {
            let reply = client.command(command);
            assert!(reply.is_noperm(), "{username}: {command:?}: {reply:?}");
        }
    }
    // Every tenant's data is where it was.
    let mut admin = server.admin();
    for (literal, _, _) in &tenants {
        assert_eq!(
            admin.command(&["GET", &format!("{literal}data")]),
            Reply::Bulk(Some("mine".into()))
        );
    }
    assert_eq!(admin.command(&["DBSIZE"]), Reply::Integer(4));
}

/// `*` alone, on its own server (nobody else's keys to share it with): every key and channel,
/// still no keyspace-wide command. On a server with another tenant the flow refuses it.
#[test]
fn the_whole_keyspace_is_granted_only_on_a_server_of_its_own() {
    let Some(binary) = server_binary() else {
        return;
    };
    let server = ValkeyServer::start(binary, &[]);
    let mut users = ServerUsers::open(&server.admin_access(), &[]).expect("admin");
    let model = tenancy::model(&["only", "late"]);
    let (report, credentials) = tenancy::relate(&model, &mut users, &server, "only", 0, &["*"]);
    assert!(report.refused.is_empty());
    let (_, username, password) = &credentials[0];
    let mut client = server.login(username, password);
    for key in ["a", "app:x", "tag:{t}:y"] {
        assert_eq!(
            client.command(&["SET", key, "v"]),
            Reply::Status("OK".into())
        );
    }
    for command in keyspace_wide() {
        let reply = client.command(command);
        assert!(reply.is_noperm(), "{command:?}: {reply:?}");
    }
    let (late, none) = tenancy::relate(&model, &mut users, &server, "late", 1, &["late:*"]);
    assert_eq!(
        late.refused.iter().map(|r| r.code).collect::<Vec<_>>(),
        [5101]
    );
    assert!(none.is_empty());
}

/// relation-broken under each retention setting, on a real server: the users go either way;
/// Keep leaves the keys (for the same application); Delete removes exactly the keys under the
/// prefix (`SCAN MATCH` + `UNLINK`, three per run here: a larger prefix fails the hook and the
/// retry deletes the rest), never an adjacent tenant's.
#[test]
fn relation_broken_keeps_or_deletes_the_keys_under_the_prefix() {
    let Some(binary) = server_binary() else {
        return;
    };
    let server = ValkeyServer::start(binary, &[]);
    let mut users = ServerUsers::open(&server.admin_access(), &[]).expect("admin");
    let model = tenancy::model(&["kept", "gone", "neighbour"]);
    let mut admin = server.admin();
    for (number, (app, prefix)) in [
        ("kept", "app:*"),
        ("gone", "app2:*"),
        ("neighbour", "application:*"),
    ]
    .into_iter()
    .enumerate()
    {
        let (report, _) =
            tenancy::relate(&model, &mut users, &server, app, number as u32, &[prefix]);
        assert!(report.refused.is_empty());
    }
    for key in [
        "app:1",
        "app2:1",
        "app2:2",
        "app2:3",
        "app2:4",
        "application:cfg",
    ] {
        admin.command(&["SET", key, "v"]);
    }
    tenancy::broken(&model, &mut users, 0, Retention::Keep);
    assert_eq!(admin.command(&["EXISTS", "app:1"]), Reply::Integer(1));
    // Four keys, three per run: the first run fails (Juju retries the hook), the second ends.
    model.state().break_relation(1);
    let valkey = model.unit("valkey/0");
    let first = valkey_client::relation::Provider::new(
        &valkey,
        "valkey-client",
        valkey_client::valkey::ValkeyPolicy::new(&mut users)
            .with_retention(Retention::Delete)
            .with_key_deletion_limit(3),
    )
    .with_log(|_, _| {})
    .on_relation_broken(&databag::juju::RelationId::new("valkey-client", 1));
    assert!(first.is_err(), "more keys than one run deletes");
    tenancy::broken(&model, &mut users, 1, Retention::Delete);
    assert_eq!(
        admin.command(&["EXISTS", "app2:1", "app2:2", "app2:3", "app2:4"]),
        Reply::Integer(0)
    );
    assert_eq!(
        admin.command(&["EXISTS", "app:1", "application:cfg"]),
        Reply::Integer(2)
    );
    let names = users.usernames().expect("users");
    assert_eq!(
        names.len(),
        1,
        "only the neighbour's user is left: {names:?}"
    );
}
