// Every attribute in use at once compiles without a warning.
#![deny(warnings)]

use databag::{Databag, Secret, SecretUri, Unknown, Versioned};

/// A request of the v1 `requests` list.
#[derive(Databag)]
#[databag(title = "Request")]
struct Request {
    /// The resource (key prefix) asked for.
    #[databag(alias = "database", alias = "prefix", example = "application:*")]
    resource: String,
    request_id: String,
    salt: String,
    #[databag(flatten)]
    extra: Unknown,
}

/// A response of the v1 `requests` list.
#[derive(Databag)]
struct Response {
    request_id: String,
    #[databag(title = "Endpoints", example = "10.0.0.1:6379")]
    endpoints: Option<String>,
    #[databag(alias = "sentinel_endpoints")]
    sentinel_endpoints: Option<String>,
    #[databag(secret = "user")]
    username: Option<Secret<String>>,
    #[databag(secret = "user")]
    password: Option<Secret<String>>,
    #[databag(secret = "tls")]
    tls: Option<Secret<bool>>,
    #[databag(secret = "tls", rename = "tls-ca")]
    ca: Option<Secret<String>>,
    #[databag(secret_uri = "user")]
    secret_user: Option<SecretUri>,
    #[databag(secret_uri = "tls")]
    secret_tls: Option<SecretUri>,
    #[databag(secret_uri = "extra")]
    secret_extra: Option<SecretUri>,
    #[databag(flatten)]
    extra: Unknown,
}

#[derive(Databag)]
#[databag(rename_all = "snake_case")]
struct ProviderV0 {
    version: Option<String>,
    #[databag(default)]
    request_count: i64,
}

#[derive(Databag)]
struct ProviderV1 {
    #[databag(constant = "v1")]
    version: String,
    #[databag(default)]
    requests: Vec<Response>,
}

#[derive(Databag)]
struct RequirerV1 {
    #[databag(constant = "v1")]
    version: String,
    requests: Vec<Request>,
}

#[derive(Databag)]
#[databag(tag = "version")]
enum ProviderBag {
    #[databag(other)]
    V0(ProviderV0),
    V1(ProviderV1),
}

#[derive(Databag)]
#[databag(tag = "version")]
enum RequirerBag {
    #[databag(rename = "v1", default)]
    Current(RequirerV1),
}

mod reexport {
    pub use databag as runtime;
}

#[derive(reexport::runtime::Databag)]
#[databag(crate = "reexport::runtime")]
struct Renamed {
    r#type: String,
}

fn main() {
    let shape = Response::shape();
    assert_eq!(shape.fields.len(), 10); // the flatten map is not a field of the shape
    assert!(shape.keeps_unknown);
    assert_eq!(
        Response::secret_groups(),
        [
            ("user".to_owned(), vec!["username".to_owned(), "password".to_owned()]),
            ("tls".to_owned(), vec!["tls".to_owned(), "tls-ca".to_owned()]),
        ]
    );
    assert_eq!(Request::shape().fields[0].aliases, ["database", "prefix"]);
    assert_eq!(ProviderV0::shape().fields[1].name, "request_count");
    assert!(!ProviderV0::shape().fields[1].required);
    assert!(ProviderV1::shape().fields[1].json);
    assert_eq!(ProviderBag::versions().variants.len(), 2);
    assert_eq!(RequirerBag::versions().variants[0].name, "v1");
    assert_eq!(Renamed::shape().fields[0].name, "type");
    assert_eq!(RequirerV1::shape().fields[0].constant.as_deref(), Some("v1"));
}
