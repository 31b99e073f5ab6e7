//! The generator's model of each spec equals what `#[derive(Databag)]` builds from the
//! generated Rust (names, docs, kinds, required flags), and both equal the committed schemas.
//! This is what lets the CLI validate and resolve with the bindings' exact rules.

use std::path::{Path, PathBuf};

use databag::{Bag, Databag, Versioned};
use databag_codegen::Interface;
use databag_codegen::model::RoleKind;
use databag_tests::bindings::{kafka_client, mysql_client, postgresql_client, valkey_client};
use serde_json::Value;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_owned()
}

fn load(spec: &str) -> Interface {
    Interface::load(root().join("spec").join(spec)).unwrap_or_else(|e| panic!("{e}"))
}

fn committed_app_schema(interface: &str, role: &str) -> Value {
    let path = root().join(format!("generated/json_schemas/{interface}/{role}.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let schema: Value = serde_json::from_str(&text).expect("committed schema is JSON");
    schema["properties"]["app"].clone()
}

#[test]
fn valkey_versions_equal_the_derived_ones() {
    let interface = load("valkey_client/v1.yaml");
    assert_eq!(
        Some((*valkey_client::RequirerAppData::versions()).clone()),
        interface.versions(RoleKind::Requirer)
    );
    assert_eq!(
        Some((*valkey_client::ProviderAppData::versions()).clone()),
        interface.versions(RoleKind::Provider)
    );
    let response = interface.object("response").expect("response object");
    assert_eq!(
        *valkey_client::Response::shape(),
        *interface.shape(response)
    );
}

#[test]
fn valkey_schemas_equal_the_committed_ones() {
    assert_eq!(
        valkey_client::RequirerAppData::json_schema(),
        committed_app_schema("valkey_client/v1", "requirer")
    );
    assert_eq!(
        valkey_client::ProviderAppData::json_schema(),
        committed_app_schema("valkey_client/v1", "provider")
    );
}

/// The spec's example databag of `role`'s wire version `version` (application databag).
fn example(interface: &Interface, kind: RoleKind, version: &str) -> Bag {
    let role = interface.role(kind).expect("role");
    let version = role
        .versions
        .iter()
        .find(|v| v.name == version)
        .unwrap_or_else(|| panic!("version {version}"));
    let example = version
        .example
        .as_ref()
        .expect("the version has an example");
    example.app.clone()
}

/// A data-interfaces spec with v0 and v1 for both roles: the generated enums, the request,
/// response and status objects and the committed schemas equal what the derive builds.
macro_rules! assert_data_interfaces_bindings {
    ($module:ident, $spec:literal, $generated:literal) => {{
        let interface = load($spec);
        assert_eq!(
            Some((*$module::RequirerAppData::versions()).clone()),
            interface.versions(RoleKind::Requirer)
        );
        assert_eq!(
            Some((*$module::ProviderAppData::versions()).clone()),
            interface.versions(RoleKind::Provider)
        );
        let object = |name| interface.object(name).expect("object");
        assert_eq!(
            *$module::Request::shape(),
            *interface.shape(object("request"))
        );
        assert_eq!(
            *$module::Response::shape(),
            *interface.shape(object("response"))
        );
        assert_eq!(
            *$module::Status::shape(),
            *interface.shape(object("status"))
        );
        let app = |kind, index: usize| &interface.role(kind).expect("role").versions[index].app;
        assert_eq!(
            *$module::v0::RequirerAppData::shape(),
            *interface.shape(app(RoleKind::Requirer, 0))
        );
        assert_eq!(
            *$module::v1::ProviderAppData::shape(),
            *interface.shape(app(RoleKind::Provider, 1))
        );
        assert_eq!(
            $module::RequirerAppData::json_schema(),
            committed_app_schema($generated, "requirer")
        );
        assert_eq!(
            $module::ProviderAppData::json_schema(),
            committed_app_schema($generated, "provider")
        );
        interface
    }};
}

#[test]
fn postgresql_shapes_equal_the_derived_ones() {
    let interface = assert_data_interfaces_bindings!(
        postgresql_client,
        "postgresql_client/v0.yaml",
        "postgresql_client/v0"
    );
    // The subordinate's unit databag exists in v0 only.
    let provider = interface.role(RoleKind::Provider).expect("provider");
    assert_eq!(
        *postgresql_client::v0::ProviderUnitData::shape(),
        *interface.shape(provider.versions[0].unit.as_ref().expect("unit databag"))
    );
    assert!(provider.versions[1].unit.is_none());
}

#[test]
fn mysql_shapes_equal_the_derived_ones() {
    assert_data_interfaces_bindings!(mysql_client, "mysql_client/v0.yaml", "mysql_client/v0");
}

#[test]
fn kafka_shapes_equal_the_derived_ones() {
    assert_data_interfaces_bindings!(kafka_client, "kafka_client/v0.yaml", "kafka_client/v0");
}

#[test]
fn mysql_v1_examples_decode_through_the_enums() {
    use mysql_client::{ProviderAppData, RequirerAppData};
    let interface = load("mysql_client/v0.yaml");

    let bag = example(&interface, RoleKind::Requirer, "v1");
    let RequirerAppData::V1(requirer) = RequirerAppData::from_bag(&bag).expect("decodes") else {
        panic!("`version: v1` selects v1");
    };
    let request = &requirer.requests[0];
    assert_eq!(request.resource, "myappA");
    assert_eq!(
        databag::wire::request_id(&request.resource, &request.salt),
        request.request_id
    );
    assert_eq!(request.external_node_connectivity, Some(false));
    assert_eq!(
        RequirerAppData::V1(requirer).to_bag().expect("plaintext"),
        bag
    );

    let bag = example(&interface, RoleKind::Provider, "v1");
    let ProviderAppData::V1(provider) = ProviderAppData::from_bag(&bag).expect("decodes") else {
        panic!("`version: v1` selects v1");
    };
    let response = &provider.requests[0];
    assert_eq!(response.request_id, request_id_of(&bag));
    assert_eq!(
        response.endpoints.as_deref(),
        Some("mysql-k8s-primary:3306")
    );
    assert!(response.secret_user.is_some() && response.username.is_none());
    assert_eq!(
        ProviderAppData::V1(provider).to_bag().expect("plaintext"),
        bag
    );

    // The v0 provider example is the catalogue's: a server version does not select v1.
    let bag = example(&interface, RoleKind::Provider, "v0");
    let ProviderAppData::V0(provider) = ProviderAppData::from_bag(&bag).expect("decodes") else {
        panic!("no `version: v1` selects v0");
    };
    assert_eq!(provider.database.as_deref(), Some("myappB"));
}

#[test]
fn kafka_v1_examples_decode_through_the_enums() {
    use kafka_client::{ProviderAppData, RequirerAppData};
    let interface = load("kafka_client/v0.yaml");

    let bag = example(&interface, RoleKind::Requirer, "v1");
    let RequirerAppData::V1(requirer) = RequirerAppData::from_bag(&bag).expect("decodes") else {
        panic!("`version: v1` selects v1");
    };
    let request = &requirer.requests[0];
    assert_eq!(request.resource, "special-topic");
    assert_eq!(
        request.consumer_group_prefix.as_deref(),
        Some("my-consumer-group")
    );
    assert_eq!(
        databag::wire::request_id(&request.resource, &request.salt),
        request.request_id
    );
    assert_eq!(
        RequirerAppData::V1(requirer).to_bag().expect("plaintext"),
        bag
    );

    let bag = example(&interface, RoleKind::Provider, "v1");
    let ProviderAppData::V1(provider) = ProviderAppData::from_bag(&bag).expect("decodes") else {
        panic!("`version: v1` selects v1");
    };
    let response = &provider.requests[0];
    assert_eq!(response.request_id, request_id_of(&bag));
    assert_eq!(response.version.as_deref(), Some("3.6.1"));
    // `zookeeper-uris` and `consumer-group-prefix` come from the `extra` secret, never the bag.
    assert!(response.secret_extra.is_some());
    assert!(response.zookeeper_uris.is_none() && response.consumer_group_prefix.is_none());
    assert_eq!(
        ProviderAppData::V1(provider).to_bag().expect("plaintext"),
        bag
    );

    let bag = example(&interface, RoleKind::Requirer, "v0");
    let RequirerAppData::V0(requirer) = RequirerAppData::from_bag(&bag).expect("decodes") else {
        panic!("no `version` selects v0");
    };
    assert_eq!(requirer.topic, "special-topic");
}

/// The only key of the example's `data`: the answered request's id.
fn request_id_of(bag: &Bag) -> String {
    let data: Value = serde_json::from_str(&bag["data"]).expect("data is JSON");
    let ids: Vec<&String> = data.as_object().expect("a map").keys().collect();
    assert_eq!(ids.len(), 1);
    ids[0].clone()
}

/// Every data-interfaces spec gives `request-id` the pattern `^[A-Za-z0-9_-]{1,64}$`
/// (PROTOCOL.md §18.5): the generated bindings refuse `a.b c` on decode, in requests and
/// responses, naming the key; the fast path declines it too (else `from_bag` would return
/// what it decoded), and a valid id still decodes.
#[test]
fn request_ids_are_checked_where_they_enter() {
    fn bag(list: &str) -> Bag {
        Bag::from([
            ("version".to_owned(), "v1".to_owned()),
            ("requests".to_owned(), list.to_owned()),
        ])
    }
    let request = |id: &str| {
        bag(&format!(
            r#"[{{"resource": "x", "request-id": "{id}", "salt": "s"}}]"#
        ))
    };
    /// Decodes a requirer's app databag, keeping only the verdict.
    type Decode = fn(&Bag) -> Result<(), databag::Error>;
    let checks: Vec<(&str, Decode)> = vec![
        ("valkey requirer", |b| {
            valkey_client::RequirerAppData::from_bag(b).map(drop)
        }),
        ("kafka requirer", |b| {
            kafka_client::RequirerAppData::from_bag(b).map(drop)
        }),
        ("mysql requirer", |b| {
            mysql_client::RequirerAppData::from_bag(b).map(drop)
        }),
        ("postgresql requirer", |b| {
            postgresql_client::RequirerAppData::from_bag(b).map(drop)
        }),
    ];
    for (name, decode) in &checks {
        assert!(
            decode(&request("836763deea236532")).is_ok(),
            "{name}: a valid id"
        );
        for bad in ["a.b c", "", "x/y", &"a".repeat(65)] {
            let error = decode(&request(bad)).expect_err(name);
            assert_eq!(error.path().to_string(), "requests[0].request-id", "{name}");
            assert!(
                matches!(error.kind(), databag::ErrorKind::NoMatch { .. }),
                "{name}: {error}"
            );
            assert!(
                error.to_string().contains("^[A-Za-z0-9_-]{1,64}$"),
                "{name}: {error}"
            );
        }
    }
    let response = |id: &str| {
        bag(&format!(
            r#"[{{"resource": "x", "request-id": "{id}", "salt": "s", "endpoints": "h:1"}}]"#
        ))
    };
    assert!(valkey_client::ProviderAppData::from_bag(&response("r-1")).is_ok());
    let error = valkey_client::ProviderAppData::from_bag(&response("a.b c"))
        .expect_err("a response id is checked too");
    assert_eq!(
        error.to_string(),
        "requests[0].request-id: \"a.b c\" does not match the pattern `^[A-Za-z0-9_-]{1,64}$`"
    );
}
