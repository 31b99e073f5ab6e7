//! Hand-written `Databag` impls shaped like the derive's expansion (see the derive contract):
//! a v1 provider databag (`version` constant, JSON-encoded `requests` of responses carrying
//! secret fields in groups `user` and `tls`, unknown keys kept) and a flat v0 provider databag
//! with the same secrets at the top level, joined by a versioned enum.
//!
//! Written by hand so the runtime is tested on its own, independent of the derive.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

use databag::__private::{self as p, WireValue};
use databag::{
    Bag, Databag, Error, Field, Kind, Object, Path, Secret, SecretResolver, SecretUri, Selector,
    Shape, Split, Unknown, Value, Variant, Versioned, Versions,
};

/// A field as the derive records it: kind and required flag from the type.
fn field<T: WireValue>(name: &str) -> Field {
    let mut field = Field::new(name, T::kind());
    field.required = !T::OPTIONAL;
    field
}

fn secret<T: WireValue>(name: &str, group: &str) -> Field {
    let mut field = field::<T>(name);
    field.secret = Some(group.into());
    field
}

fn secret_uri(name: &str, group: &str) -> Field {
    let mut field = field::<Option<SecretUri>>(name);
    field.secret_uri = Some(group.into());
    field
}

fn aliased(mut field: Field, aliases: &[&str]) -> Field {
    field.aliases = aliases.iter().map(|a| (*a).to_owned()).collect();
    field
}

/// One answer of the v1 provider, inside the JSON-encoded `requests` list.
#[derive(Clone, Debug, PartialEq)]
pub struct Response {
    pub request_id: String,
    pub resource: Option<String>,
    pub endpoints: Option<String>,
    pub secret_user: Option<SecretUri>,
    pub username: Option<Secret<String>>,
    pub password: Option<Secret<String>>,
    pub secret_tls: Option<SecretUri>,
    pub tls: Option<Secret<bool>>,
    pub tls_ca: Option<Secret<String>>,
    pub sentinel_endpoints: Option<String>,
    pub port: Option<i64>,
    pub extra: Unknown,
}

impl Response {
    pub fn new(request_id: &str) -> Self {
        Response {
            request_id: request_id.into(),
            resource: None,
            endpoints: None,
            secret_user: None,
            username: None,
            password: None,
            secret_tls: None,
            tls: None,
            tls_ca: None,
            sentinel_endpoints: None,
            port: None,
            extra: Unknown::new(),
        }
    }
}

impl Databag for Response {
    fn shape() -> Arc<Shape> {
        static SHAPE: OnceLock<Arc<Shape>> = OnceLock::new();
        SHAPE
            .get_or_init(|| {
                let mut request_id = field::<String>("request-id");
                request_id.examples = vec!["836763deea236532".into()];
                Arc::new(Shape {
                    name: "Response".into(),
                    title: None,
                    description: Some("The provider's answer to one request.".into()),
                    keeps_unknown: true,
                    fields: vec![
                        request_id,
                        aliased(field::<Option<String>>("resource"), &["database", "prefix"]),
                        field::<Option<String>>("endpoints"),
                        secret_uri("secret-user", "user"),
                        secret::<Option<Secret<String>>>("username", "user"),
                        secret::<Option<Secret<String>>>("password", "user"),
                        secret_uri("secret-tls", "tls"),
                        secret::<Option<Secret<bool>>>("tls", "tls"),
                        secret::<Option<Secret<String>>>("tls-ca", "tls"),
                        aliased(
                            field::<Option<String>>("sentinel-endpoints"),
                            &["sentinel_endpoints"],
                        ),
                        field::<Option<i64>>("port"),
                    ],
                })
            })
            .clone()
    }

    fn __to_object(&self) -> Object {
        let mut object = p::Map::new();
        p::put(&mut object, "request-id", &self.request_id);
        p::put(&mut object, "resource", &self.resource);
        p::put(&mut object, "endpoints", &self.endpoints);
        p::put(&mut object, "secret-user", &self.secret_user);
        p::put(&mut object, "username", &self.username);
        p::put(&mut object, "password", &self.password);
        p::put(&mut object, "secret-tls", &self.secret_tls);
        p::put(&mut object, "tls", &self.tls);
        p::put(&mut object, "tls-ca", &self.tls_ca);
        p::put(&mut object, "sentinel-endpoints", &self.sentinel_endpoints);
        p::put(&mut object, "port", &self.port);
        p::put_unknown(&mut object, &self.extra);
        object
    }

    fn __from_object(mut object: Object, path: &Path) -> Result<Self, Error> {
        let request_id = p::field(&mut object, "request-id", &[], None, path)?;
        let resource = p::field(&mut object, "resource", &["database", "prefix"], None, path)?;
        let endpoints = p::field(&mut object, "endpoints", &[], None, path)?;
        let secret_user = p::field(&mut object, "secret-user", &[], None, path)?;
        let username = p::field(&mut object, "username", &[], None, path)?;
        let password = p::field(&mut object, "password", &[], None, path)?;
        let secret_tls = p::field(&mut object, "secret-tls", &[], None, path)?;
        let tls = p::field(&mut object, "tls", &[], None, path)?;
        let tls_ca = p::field(&mut object, "tls-ca", &[], None, path)?;
        let sentinel_endpoints = p::field(
            &mut object,
            "sentinel-endpoints",
            &["sentinel_endpoints"],
            None,
            path,
        )?;
        let port = p::field(&mut object, "port", &[], None, path)?;
        Ok(Response {
            request_id,
            resource,
            endpoints,
            secret_user,
            username,
            password,
            secret_tls,
            tls,
            tls_ca,
            sentinel_endpoints,
            port,
            extra: object,
        })
    }
}

impl WireValue for Response {
    fn kind() -> Kind {
        Kind::Object(<Self as Databag>::shape())
    }

    fn to_value(&self) -> Option<Value> {
        Some(Value::Object(self.__to_object()))
    }

    fn from_value(value: Value, path: &Path) -> Result<Self, Error> {
        p::object_from_value(value, path).and_then(|o| Self::__from_object(o, path))
    }
}

/// The v1 provider's application databag.
#[derive(Clone, Debug, PartialEq)]
pub struct ProviderV1 {
    pub version: String,
    pub requests: Vec<Response>,
    pub extra: Unknown,
}

impl Databag for ProviderV1 {
    fn shape() -> Arc<Shape> {
        static SHAPE: OnceLock<Arc<Shape>> = OnceLock::new();
        SHAPE
            .get_or_init(|| {
                let mut version = field::<String>("version");
                version.constant = Some("v1".into());
                let mut requests = field::<Vec<Response>>("requests");
                requests.json = true;
                requests.description = Some("One response per request.".into());
                Arc::new(Shape {
                    name: "ProviderV1".into(),
                    title: Some("v1 provider".into()),
                    description: None,
                    keeps_unknown: true,
                    fields: vec![version, requests],
                })
            })
            .clone()
    }

    fn __to_object(&self) -> Object {
        let mut object = p::Map::new();
        p::put(&mut object, "version", &self.version);
        p::put(&mut object, "requests", &self.requests);
        p::put_unknown(&mut object, &self.extra);
        object
    }

    fn __from_object(mut object: Object, path: &Path) -> Result<Self, Error> {
        let version: String = p::field(&mut object, "version", &[], None, path)?;
        p::check_constant(&version, "v1", &path.key("version"))?;
        let requests = p::field(&mut object, "requests", &[], None, path)?;
        Ok(ProviderV1 {
            version,
            requests,
            extra: object,
        })
    }
}

/// The flat v0 provider databag: secrets at the top level, `version` is the server version.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct ProviderV0 {
    pub endpoints: Option<String>,
    pub version: Option<String>,
    pub secret_user: Option<SecretUri>,
    pub username: Option<Secret<String>>,
    pub password: Option<Secret<String>>,
    pub secret_tls: Option<SecretUri>,
    pub tls: Option<Secret<bool>>,
    pub tls_ca: Option<Secret<String>>,
    pub sentinel_endpoints: Option<String>,
    pub data: Option<BTreeMap<String, Value>>,
    pub read_only: bool,
    pub extra: Unknown,
}

impl Databag for ProviderV0 {
    fn shape() -> Arc<Shape> {
        static SHAPE: OnceLock<Arc<Shape>> = OnceLock::new();
        SHAPE
            .get_or_init(|| {
                let mut data = field::<Option<BTreeMap<String, Value>>>("data");
                data.json = true;
                let mut read_only = field::<bool>("read-only");
                read_only.required = false; // #[databag(default)]
                read_only.examples = vec!["false".into()];
                Arc::new(Shape {
                    name: "ProviderV0".into(),
                    title: None,
                    description: None,
                    keeps_unknown: true,
                    fields: vec![
                        field::<Option<String>>("endpoints"),
                        field::<Option<String>>("version"),
                        secret_uri("secret-user", "user"),
                        secret::<Option<Secret<String>>>("username", "user"),
                        secret::<Option<Secret<String>>>("password", "user"),
                        secret_uri("secret-tls", "tls"),
                        secret::<Option<Secret<bool>>>("tls", "tls"),
                        secret::<Option<Secret<String>>>("tls-ca", "tls"),
                        aliased(
                            field::<Option<String>>("sentinel-endpoints"),
                            &["sentinel_endpoints"],
                        ),
                        data,
                        read_only,
                    ],
                })
            })
            .clone()
    }

    fn __to_object(&self) -> Object {
        let mut object = p::Map::new();
        p::put(&mut object, "endpoints", &self.endpoints);
        p::put(&mut object, "version", &self.version);
        p::put(&mut object, "secret-user", &self.secret_user);
        p::put(&mut object, "username", &self.username);
        p::put(&mut object, "password", &self.password);
        p::put(&mut object, "secret-tls", &self.secret_tls);
        p::put(&mut object, "tls", &self.tls);
        p::put(&mut object, "tls-ca", &self.tls_ca);
        p::put(&mut object, "sentinel-endpoints", &self.sentinel_endpoints);
        p::put(&mut object, "data", &self.data);
        p::put(&mut object, "read-only", &self.read_only);
        p::put_unknown(&mut object, &self.extra);
        object
    }

    fn __from_object(mut object: Object, path: &Path) -> Result<Self, Error> {
        Ok(ProviderV0 {
            endpoints: p::field(&mut object, "endpoints", &[], None, path)?,
            version: p::field(&mut object, "version", &[], None, path)?,
            secret_user: p::field(&mut object, "secret-user", &[], None, path)?,
            username: p::field(&mut object, "username", &[], None, path)?,
            password: p::field(&mut object, "password", &[], None, path)?,
            secret_tls: p::field(&mut object, "secret-tls", &[], None, path)?,
            tls: p::field(&mut object, "tls", &[], None, path)?,
            tls_ca: p::field(&mut object, "tls-ca", &[], None, path)?,
            sentinel_endpoints: p::field(
                &mut object,
                "sentinel-endpoints",
                &["sentinel_endpoints"],
                None,
                path,
            )?,
            data: p::field(&mut object, "data", &[], None, path)?,
            read_only: p::field(&mut object, "read-only", &[], Some(<bool>::default), path)?,
            extra: object,
        })
    }
}

/// The provider's application databag in either wire version.
#[derive(Clone, Debug, PartialEq)]
pub enum Provider {
    V0(ProviderV0),
    V1(ProviderV1),
}

impl Versioned for Provider {
    fn versions() -> Arc<Versions> {
        static VERSIONS: OnceLock<Arc<Versions>> = OnceLock::new();
        VERSIONS
            .get_or_init(|| {
                Arc::new(Versions {
                    tag: "version".into(),
                    variants: vec![
                        Variant {
                            name: "v0".into(),
                            selector: Selector::Other,
                            shape: ProviderV0::shape(),
                        },
                        Variant {
                            name: "v1".into(),
                            selector: Selector::Value("v1".into()),
                            shape: ProviderV1::shape(),
                        },
                    ],
                })
            })
            .clone()
    }

    fn from_bag(bag: &Bag) -> Result<Self, Error> {
        match p::select_variant(&Self::versions(), bag)? {
            0 => Ok(Provider::V0(ProviderV0::from_bag(bag)?)),
            _ => Ok(Provider::V1(ProviderV1::from_bag(bag)?)),
        }
    }

    fn join(bag: &Bag, resolver: &mut dyn SecretResolver) -> Result<Self, Error> {
        match p::select_variant(&Self::versions(), bag)? {
            0 => Ok(Provider::V0(ProviderV0::join(bag, resolver)?)),
            _ => Ok(Provider::V1(ProviderV1::join(bag, resolver)?)),
        }
    }

    fn split(&self) -> Result<Split, Error> {
        match self {
            Provider::V0(inner) => inner.split(),
            Provider::V1(inner) => inner.split(),
        }
    }

    fn to_bag(&self) -> Result<Bag, Error> {
        match self {
            Provider::V0(inner) => inner.to_bag(),
            Provider::V1(inner) => inner.to_bag(),
        }
    }
}

/// A URI for the `n`th secret a test creates.
pub fn uri(n: usize) -> SecretUri {
    SecretUri::from_id(&format!("{n:020}")).expect("valid id")
}

pub fn bag(pairs: &[(&str, &str)]) -> Bag {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

pub fn secret_string(value: &str) -> Option<Secret<String>> {
    Some(Secret::new(value.to_owned()))
}
