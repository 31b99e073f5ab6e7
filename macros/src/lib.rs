//! Typed Juju relation databags.
//!
//! A Juju relation databag is a map of string to string. `databag` maps Rust structs onto it
//! with `#[derive(Databag)]`: string-map encoding with the reference Python library's rules,
//! the JSON Schema of the wire databag, and field-level secret routing (secret fields travel in
//! Juju Secrets; the databag carries their `secret-<group>` URIs).
//!
//! ```
//! use databag::{Bag, Databag, MapResolver, Secret, SecretUri, Unknown};
//!
//! /// A provider's answer, flat in the databag.
//! #[derive(Debug, PartialEq, Databag)]
//! struct Answer {
//!     endpoints: String,
//!     #[databag(secret_uri = "user")]
//!     secret_user: Option<SecretUri>,
//!     #[databag(secret = "user")]
//!     password: Option<Secret<String>>,
//!     #[databag(flatten)]
//!     extra: Unknown,
//! }
//!
//! let answer = Answer {
//!     endpoints: "10.0.0.1:6379".into(),
//!     secret_user: None,
//!     password: Some(Secret::new("pw".into())),
//!     extra: Unknown::new(),
//! };
//! // The password goes to a Juju Secret; the databag gets the secret's URI.
//! let mut split = answer.split()?;
//! let uri = SecretUri::parse("secret:d2fjn1fmp25004or68b0")?;
//! let mut secrets = MapResolver::new();
//! secrets.insert(&uri, split.secrets[0].content.clone());
//! split.set_uri(0, &uri)?;
//! let bag: Bag = split.into_bag();
//! assert_eq!(bag["secret-user"], "secret:d2fjn1fmp25004or68b0");
//! assert!(!bag.values().any(|v| v.contains("pw")));
//!
//! // The peer reads the databag and fetches the secret back.
//! let read = Answer::join(&bag, &mut secrets)?;
//! assert_eq!(read.password.as_ref().map(|p| p.expose_secret().as_str()), Some("pw"));
//! # Ok::<(), databag::Error>(())
//! ```
//!
//! ## One set of wire rules, two paths
//!
//! The wire rules live in one place: the [`Shape`] of each struct, read by the *checked path*
//! (databag → JSON tree → struct, and back), which names the place of every error
//! (`requests[1].secret-user: ...`). Beside it the derive emits a *fast path* for the same
//! struct: serde visitors from the databag text straight into the typed fields, typed secret
//! resolution, and a writer from the fields straight into Python-style JSON. The fast path
//! answers only when it is sure to give the checked path's exact result; on anything else (an
//! error, an unusual shape, a hand-written impl) it declines before any side effect, and the
//! checked path runs. So errors read the same either way, and speed never changes an answer:
//! `tests/tests/fast_path.rs` checks the two against each other on arbitrary input.
//!
//! Modules: [`shape`] (the layout model every part reads), [`wire`] (the reference library's
//! string encoding), [`secret`] (secret values, URIs, labels, split and join), [`schema`]
//! (JSON Schema), [`juju`] (hook-tool and in-memory backends). The derive's attributes are
//! documented on [`Databag`](derive@Databag).
#![deny(missing_docs)]

pub mod error;
pub mod juju;
#[cfg(feature = "relation")]
pub mod relation;
pub mod schema;
pub mod secret;
pub mod shape;
#[cfg(feature = "testing")]
pub mod testing;
pub mod wire;

mod value;

#[doc(hidden)]
pub mod __private;

use std::collections::BTreeMap;
use std::sync::Arc;

pub use error::{Error, ErrorKind, Path};
pub use secret::{
    MapResolver, Secret, SecretContent, SecretResolver, SecretSlot, SecretUri, Split,
};
pub use shape::{Field, Kind, Selector, Shape, Variant, Versions};

/// Any JSON value: the Rust type of `any` fields.
pub use serde_json::Value;

#[cfg(feature = "derive")]
pub use databag_derive::Databag;

// The derive names this crate `::databag`; inside it, that is `crate`.
#[cfg(feature = "derive")]
extern crate self as databag;

/// A Juju relation databag as Juju stores it: keys to string values.
pub type Bag = BTreeMap<String, String>;

/// A decoded object: a databag whose JSON-encoded values are parsed, or one JSON object inside
/// one. Keys keep their insertion order (declaration order, then unknown keys).
pub type Object = serde_json::Map<String, serde_json::Value>;

/// The type of a `#[databag(flatten)]` field: keys no field declares, kept for round trips.
pub type Unknown = serde_json::Map<String, serde_json::Value>;

/// A struct that maps onto a databag, or onto a JSON object inside one.
///
/// Implemented by `#[derive(Databag)]`; the derive supplies [`Databag::shape`] and the two
/// hidden conversions, everything else is provided from the shape.
#[diagnostic::on_unimplemented(
    message = "`{Self}` does not implement `databag::Databag`",
    label = "not a databag struct",
    note = "add `#[derive(Databag)]` to the struct: an enum variant of a versioned databag holds \
            one `#[derive(Databag)]` struct"
)]
pub trait Databag: Sized {
    /// The layout of this struct: wire names, kinds, secret groups, docs.
    fn shape() -> Arc<Shape>;

    /// All fields as a JSON object, secret fields included. Internal: the public API never
    /// returns it without routing secrets first.
    #[doc(hidden)]
    fn __to_object(&self) -> Object;

    /// Builds the struct from a decoded object (secret fields already filled in, or absent).
    #[doc(hidden)]
    fn __from_object(object: Object, path: &Path) -> Result<Self, Error>;

    /// Fast path of [`Databag::from_bag`]: the same value, decoded with no intermediate JSON
    /// tree, or `Err(Fallback)` (then the checked path gives the value or the error).
    #[doc(hidden)]
    fn __from_bag_fast(bag: &Bag) -> Result<Self, __private::Fallback> {
        let _ = bag;
        Err(__private::Fallback)
    }

    /// Fast path of the secret half of [`Databag::join`]: fills the secret fields from the
    /// secrets the `secret-<group>` URIs name, or declines.
    #[doc(hidden)]
    fn __resolve_fast(
        &mut self,
        resolver: &mut dyn SecretResolver,
    ) -> Result<(), __private::Fallback> {
        let _ = resolver;
        Err(__private::Fallback)
    }

    /// [`Databag::from_bag`] on the checked path only: through the shape, error paths built
    /// as it goes. The fast path must agree with it on every input it accepts.
    #[doc(hidden)]
    fn __from_bag_checked(bag: &Bag) -> Result<Self, Error> {
        let object = wire::bag_to_object(&Self::shape(), bag, &Path::root())?;
        Self::__from_object(object, &Path::root())
    }

    /// [`Databag::join`] on the checked path only.
    #[doc(hidden)]
    fn __join_checked(bag: &Bag, resolver: &mut dyn SecretResolver) -> Result<Self, Error> {
        let shape = Self::shape();
        let mut object = wire::bag_to_object(&shape, bag, &Path::root())?;
        if let Err(error) = secret::resolve_object(&shape, &mut object, resolver, &Path::root()) {
            // The secrets resolved before the error are in the tree: wipe them.
            let mut tree = serde_json::Value::Object(object);
            secret::wipe::wipe_value(&mut tree);
            return Err(error);
        }
        Self::__from_object(object, &Path::root())
    }

    /// Decodes a plaintext databag. Secret fields stay `None`; their `secret-<group>` URIs are
    /// read like any other field.
    fn from_bag(bag: &Bag) -> Result<Self, Error> {
        Self::__from_bag_fast(bag).or_else(|_| Self::__from_bag_checked(bag))
    }

    /// Fast path of encoding: writes the databag entries and secret slots into `encoder`, or
    /// declines (before any secret is routed).
    #[doc(hidden)]
    fn __encode_bag(&self, encoder: &mut __private::Encoder) -> Result<(), __private::Fallback> {
        let _ = encoder;
        Err(__private::Fallback)
    }

    /// Encodes into a plaintext databag. Fails with [`ErrorKind::SecretNotRouted`] when a
    /// secret field has a value: those go through [`Databag::to_bag_routed`] or
    /// [`Databag::split`].
    fn to_bag(&self) -> Result<Bag, Error> {
        let mut encoder = __private::Encoder::new();
        if self.__encode_bag(&mut encoder).is_ok() {
            if let Some(slot) = encoder.slots().first() {
                return Err(secret::not_routed(slot));
            }
            return encoder.finish(&mut |_| unreachable_route());
        }
        let split = self.split()?;
        if let Some(slot) = split.secrets.first() {
            return Err(secret::not_routed(slot));
        }
        Ok(split.into_bag())
    }

    /// Encodes into a plaintext databag, handing each secret group's content to `route`,
    /// which stores it (in a Juju Secret, found by its label) and returns its URI; the URI
    /// goes under the group's `secret-<group>` key of the same object.
    ///
    /// The same databag as [`Databag::split`], [`Split::set_uri`] for every slot in order,
    /// then [`Split::into_bag`], without building the JSON tree in between. `route` is
    /// called once per slot, in the split's order, and only after the whole value has been
    /// encoded; its first error is returned as it is.
    ///
    /// ```
    /// use databag::{Databag, SecretUri, Secret, Unknown};
    ///
    /// #[derive(Databag)]
    /// struct Answer {
    ///     endpoints: String,
    ///     #[databag(secret_uri = "user")]
    ///     secret_user: Option<SecretUri>,
    ///     #[databag(secret = "user")]
    ///     password: Option<Secret<String>>,
    /// }
    ///
    /// let answer = Answer {
    ///     endpoints: "10.0.0.1:6379".into(),
    ///     secret_user: None,
    ///     password: Some(Secret::new("pw".into())),
    /// };
    /// let bag = answer.to_bag_routed(&mut |slot| {
    ///     assert_eq!(slot.group, "user");
    ///     assert_eq!(slot.content["password"], "pw");
    ///     SecretUri::parse("secret:d2fjn1fmp25004or68b0") // secret-add would go here
    /// })?;
    /// assert_eq!(bag["secret-user"], "secret:d2fjn1fmp25004or68b0");
    /// assert!(!bag.values().any(|v| v.contains("pw")));
    /// # Ok::<(), databag::Error>(())
    /// ```
    fn to_bag_routed(
        &self,
        route: &mut dyn FnMut(&SecretSlot) -> Result<SecretUri, Error>,
    ) -> Result<Bag, Error> {
        let mut encoder = __private::Encoder::new();
        if self.__encode_bag(&mut encoder).is_ok() {
            return encoder.finish(route);
        }
        route_split(self.split()?, route)
    }

    /// Separates the plaintext databag from the content of each secret group.
    fn split(&self) -> Result<Split, Error> {
        secret::split_object(&Self::shape(), self.__to_object(), None)
    }

    /// As [`Databag::split`], for a v0 peer that receives through secrets only the fields
    /// listed in its `requested-secrets`; any other secret field with a value is an
    /// [`ErrorKind::SecretsUnsupported`] error (`None`: the peer listed nothing).
    fn split_requested(&self, requested: Option<&[String]>) -> Result<Split, Error> {
        secret::split_object(
            &Self::shape(),
            self.__to_object(),
            Some(requested.unwrap_or(&[])),
        )
    }

    /// Decodes a databag and fills secret fields from the secrets its `secret-<group>` URIs
    /// name, fetched through `resolver`.
    ///
    /// When a secret is missing or malformed, the resolver may be asked for some secrets twice
    /// (the fast path declines and the checked path reports the error).
    ///
    /// Plaintext copies: each [`SecretContent`] the resolver returns is taken over and its
    /// values zeroized once the fields have their own copies (on errors too); a `Secret` field
    /// wipes its value when dropped. On the checked path, when resolving fails, the JSON tree
    /// holding the secrets resolved so far is wiped. Not wiped: what the resolver keeps itself
    /// (a [`MapResolver`] returns clones), the partly decoded value of a secret of a JSON kind
    /// (a list) or of a checked-path tree whose typed decoding fails (serde and the derive drop
    /// them), serde_json's internal buffer for strings with escapes, and secret fields that
    /// are not `Secret<T>`.
    fn join(bag: &Bag, resolver: &mut dyn SecretResolver) -> Result<Self, Error> {
        if let Ok(mut value) = Self::__from_bag_fast(bag)
            && value.__resolve_fast(resolver).is_ok()
        {
            return Ok(value);
        }
        Self::__join_checked(bag, resolver)
    }

    /// JSON Schema of the wire databag (string values; secret fields replaced by their
    /// `secret-<group>` keys; JSON-encoded values described by `contentSchema`).
    fn json_schema() -> serde_json::Value {
        schema::bag_schema(&Self::shape())
    }

    /// The secret groups this struct uses, each with the wire names of its fields.
    fn secret_groups() -> Vec<(String, Vec<String>)> {
        Self::shape().secret_groups()
    }
}

/// The checked path of `to_bag_routed`: each slot routed, its URI set, then the databag.
fn route_split(
    mut split: Split,
    route: &mut dyn FnMut(&SecretSlot) -> Result<SecretUri, Error>,
) -> Result<Bag, Error> {
    for index in 0..split.secrets.len() {
        let uri = route(&split.secrets[index])?;
        split.set_uri(index, &uri)?;
    }
    Ok(split.into_bag())
}

/// The route of a databag that has no secret slot: never called.
fn unreachable_route() -> Result<SecretUri, Error> {
    Err(Error::custom(
        Path::root(),
        "no secret to route (a bug in databag: a slot was routed after the check)",
    ))
}

/// A databag with several wire versions told apart by a tag key (`version`).
///
/// Implemented by `#[derive(Databag)]` on an enum with `#[databag(tag = "...")]` whose variants
/// each hold one `Databag` struct.
pub trait Versioned: Sized {
    /// The versions, their selectors and shapes.
    fn versions() -> Arc<Versions>;

    /// Decodes a plaintext databag into the version its tag selects.
    fn from_bag(bag: &Bag) -> Result<Self, Error>;

    /// Decodes a databag into the version its tag selects and fills its secret fields.
    fn join(bag: &Bag, resolver: &mut dyn SecretResolver) -> Result<Self, Error>;

    /// Separates the plaintext databag from the content of each secret group.
    fn split(&self) -> Result<Split, Error>;

    /// Encodes into a plaintext databag; see [`Databag::to_bag`].
    fn to_bag(&self) -> Result<Bag, Error>;

    /// Encodes into a plaintext databag with its secrets routed; see
    /// [`Databag::to_bag_routed`].
    fn to_bag_routed(
        &self,
        route: &mut dyn FnMut(&SecretSlot) -> Result<SecretUri, Error>,
    ) -> Result<Bag, Error> {
        route_split(self.split()?, route)
    }

    /// JSON Schema of the databag: a choice between the versions, discriminated by the tag.
    fn json_schema() -> serde_json::Value {
        schema::versions_schema(&Self::versions())
    }
}
