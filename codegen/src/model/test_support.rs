//! A hand-built model of a trimmed `valkey_client` v1 for unit tests of the emitters, so they
//! do not depend on the loader.

use databag::Selector;

use super::*;

fn field(name: &str, ty: Type) -> Field {
    Field {
        name: name.to_owned(),
        rust_name: name.replace('-', "_"),
        aliases: Vec::new(),
        ty,
        required: false,
        json: false,
        secret: None,
        secret_uri: None,
        constant: None,
        pattern: None,
        title: None,
        description: None,
        examples: Vec::new(),
    }
}

fn required(mut field: Field) -> Field {
    field.required = true;
    field
}

fn documented(mut field: Field, title: &str, description: &str, examples: &[&str]) -> Field {
    field.title = Some(title.to_owned());
    field.description = Some(description.to_owned());
    field.examples = examples.iter().map(|e| (*e).to_owned()).collect();
    field
}

fn secret(name: &str, ty: Type, group: &str) -> Field {
    let mut field = documented(field(name, ty), name, &format!("The {name}."), &[]);
    field.secret = Some(group.to_owned());
    field
}

fn secret_uri(group: &str) -> Field {
    let mut field = documented(
        field(&format!("secret-{group}"), Type::SecretUri),
        "Secret",
        &format!("URI of the `{group}` secret."),
        &["secret://bc7400b7-2fce-41dd-8509-14a984455cda/d7fmpmvmp25c7618tfb0"],
    );
    field.secret_uri = Some(group.to_owned());
    field
}

fn json(mut field: Field) -> Field {
    field.json = true;
    field
}

fn object(name: &str, rust_name: &str, description: &str, fields: Vec<Field>) -> Object {
    Object {
        name: name.to_owned(),
        rust_name: rust_name.to_owned(),
        description: Some(description.to_owned()),
        keeps_unknown: true,
        fields,
    }
}

fn version_field() -> Field {
    let mut version = required(documented(
        field("version", Type::String),
        "Wire version",
        "The data-interfaces wire version.",
        &["v1"],
    ));
    version.constant = Some("v1".to_owned());
    version
}

fn bag(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// `valkey_client` v1, trimmed: every kind of field the real spec uses, fewer of each.
pub(crate) fn valkey() -> Interface {
    let resource = || {
        required(documented(
            field("resource", Type::String),
            "Prefix",
            "The range of keys accessed by the client.",
            &["application:*"],
        ))
    };
    let request_id = || {
        required(documented(
            field("request-id", Type::String),
            "Request id",
            "Identifies the request.",
            &["836763deea236532"],
        ))
    };
    let salt = || {
        required(documented(
            field("salt", Type::String),
            "Salt",
            "Random salt.",
            &["xqbPuYzzl2iiKeyN"],
        ))
    };
    let mut sentinel = documented(
        field("sentinel-endpoints", Type::String),
        "Sentinel endpoints",
        "All endpoints of Valkey Sentinel.\nIn a comma-separated list.",
        &["valkey-0.valkey-endpoints:26379"],
    );
    sentinel.aliases = vec!["sentinel_endpoints".to_owned()];
    let response_fields = vec![
        resource(),
        request_id(),
        salt(),
        required(documented(
            field("endpoints", Type::String),
            "Endpoints",
            "All read-/write-endpoints.",
            &["valkey-1.valkey-endpoints:6379"],
        )),
        secret_uri("user"),
        secret_uri("tls"),
        secret("username", Type::String, "user"),
        secret("password", Type::String, "user"),
        secret("tls", Type::Bool, "tls"),
        secret("tls-ca", Type::String, "tls"),
        sentinel.clone(),
    ];
    let status_fields = vec![
        required(documented(
            field("code", Type::Int),
            "Code",
            "Status code.",
            &["4001"],
        )),
        required(documented(
            field("message", Type::String),
            "Message",
            "What happened.",
            &[],
        )),
    ];
    let mut database = documented(
        field("database", Type::String),
        "Prefix",
        "The prefix, under the v0 alias.",
        &["application:*"],
    );
    database.aliases = vec!["resource".to_owned()];
    let requirer_v0 = object(
        "app",
        "RequirerAppData",
        "The requirer's application databag in the flat v0 layout.",
        vec![
            required(database.clone()),
            json(documented(
                field("requested-secrets", Type::List(Box::new(Type::String))),
                "Requested secrets",
                "Field names handled within Juju Secrets.",
                &[r#"["username", "password", "tls", "tls-ca"]"#],
            )),
        ],
    );
    let requirer_v1 = object(
        "app",
        "RequirerAppData",
        "The requirer's application databag in the v1 layout.",
        vec![
            version_field(),
            required(json(documented(
                field(
                    "requests",
                    Type::List(Box::new(Type::Object("request".to_owned()))),
                ),
                "Requests",
                "The requests, one per prefix.",
                &[],
            ))),
        ],
    );
    let provider_v0 = object(
        "app",
        "ProviderAppData",
        "The provider's application databag in the flat v0 layout.",
        vec![
            database,
            required(documented(
                field("endpoints", Type::String),
                "Endpoints",
                "All read-/write-endpoints.",
                &[],
            )),
            secret_uri("user"),
            secret("username", Type::String, "user"),
            sentinel,
            json(documented(
                field("data", Type::Any),
                "Answered request",
                "The request this databag answers.",
                &[],
            )),
            json(documented(
                field(
                    "status",
                    Type::List(Box::new(Type::Object("status".to_owned()))),
                ),
                "Statuses",
                "Relation statuses.",
                &[],
            )),
        ],
    );
    let provider_v1 = object(
        "app",
        "ProviderAppData",
        "The provider's application databag in the v1 layout.",
        vec![
            version_field(),
            required(json(documented(
                field(
                    "requests",
                    Type::List(Box::new(Type::Object("response".to_owned()))),
                ),
                "Responses",
                "One response per answered request.",
                &[],
            ))),
            json(documented(
                field("data", Type::Map(Box::new(Type::Any))),
                "Answered requests",
                "The requests the provider answered.",
                &[],
            )),
        ],
    );
    let version =
        |name: &str, selector: Selector, app: Object, example: Option<Example>| WireVersion {
            name: name.to_owned(),
            selector,
            app,
            unit: None,
            example,
        };
    Interface {
        source: PathBuf::from("spec/valkey_client/v1.yaml"),
        name: "valkey_client".to_owned(),
        version: 1,
        status: "draft".to_owned(),
        maintainer: Some("data-platform".to_owned()),
        title: Some("Valkey client".to_owned()),
        summary: Some("Application charms get a Valkey user.".to_owned()),
        usage: Some("This relation interface describes the expected behaviour.".to_owned()),
        direction: Some("As with all Juju relations, there are two parties.".to_owned()),
        behavior: Some(
            "Both sides need to adhere to criteria.\nSecrets go through Juju Secrets.".to_owned(),
        ),
        providers: vec![Charm {
            name: "valkey-operator".to_owned(),
            url: Some("https://github.com/canonical/valkey-operator".to_owned()),
        }],
        requirers: Vec::new(),
        version_key: Some("version".to_owned()),
        secret_groups: vec![
            SecretGroup {
                name: "user".to_owned(),
                description: Some("The credentials.".to_owned()),
            },
            SecretGroup {
                name: "tls".to_owned(),
                description: Some("TLS material.".to_owned()),
            },
        ],
        objects: vec![
            object(
                "request",
                "Request",
                "One request for a Valkey user.",
                vec![resource(), request_id(), salt()],
            ),
            object(
                "response",
                "Response",
                "The provider's answer to one request.",
                response_fields,
            ),
            object(
                "status",
                "Status",
                "A relation status raised by the provider.",
                status_fields,
            ),
        ],
        roles: vec![
            Role {
                kind: RoleKind::Requirer,
                description: Some("The application charm that asks for a Valkey user.".to_owned()),
                behavior: vec!["Is expected to provide `requested-secrets`.".to_owned()],
                versions: vec![
                    version(
                        "v0",
                        Selector::ValueOrAbsent("v0".to_owned()),
                        requirer_v0,
                        Some(Example {
                            app: bag(&[
                                ("database", "application:*"),
                                (
                                    "requested-secrets",
                                    r#"["username", "password", "tls", "tls-ca"]"#,
                                ),
                            ]),
                            unit: BTreeMap::new(),
                        }),
                    ),
                    version(
                        "v1",
                        Selector::Value("v1".to_owned()),
                        requirer_v1,
                        Some(Example {
                            app: bag(&[
                                (
                                    "requests",
                                    r#"[{"resource": "application:*", "request-id": "836763deea236532", "salt": "xqbPuYzzl2iiKeyN"}]"#,
                                ),
                                ("version", "v1"),
                            ]),
                            unit: BTreeMap::new(),
                        }),
                    ),
                ],
            },
            Role {
                kind: RoleKind::Provider,
                description: Some("The Valkey charm.".to_owned()),
                behavior: vec!["Is expected to provide the `endpoints` field.".to_owned()],
                versions: vec![
                    version("v0", Selector::Other, provider_v0, None),
                    version("v1", Selector::Value("v1".to_owned()), provider_v1, None),
                ],
            },
        ],
        protocol: None,
    }
}
