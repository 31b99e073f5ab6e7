//! Field-level secret routing: secret values, Juju secret URIs, and the split of a databag into
//! plaintext and secret content (and the join back).

mod label;
mod route;
mod uri;
pub(crate) mod wipe;

use std::collections::BTreeMap;
use std::fmt;

use zeroize::Zeroize;

use crate::error::Error;

pub use label::{SecretLabel, label_v0, label_v1};
pub(crate) use route::not_routed;
pub use route::{SecretSlot, Split, resolve_object, split_object};
pub(crate) use uri::PATTERN as URI_PATTERN;
pub use uri::SecretUri;

/// A secret value: `Debug` and `Display` never print it, and it is wiped from memory on drop.
///
/// Comparison (`==`) is not constant-time; it exists for tests and change detection, not for
/// checking credentials.
pub struct Secret<T: Zeroize>(T);

impl<T: Zeroize> Secret<T> {
    /// Wraps `value`.
    pub fn new(value: T) -> Self {
        Secret(value)
    }

    /// The value. Named loudly so that every read of a secret is easy to find.
    pub fn expose_secret(&self) -> &T {
        &self.0
    }

    /// Unwraps the value; the `Default` left behind is what gets wiped on drop.
    pub fn into_inner(mut self) -> T
    where
        T: Default,
    {
        std::mem::take(&mut self.0)
    }
}

impl<T: Zeroize> Drop for Secret<T> {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl<T: Zeroize> zeroize::ZeroizeOnDrop for Secret<T> {}

impl<T: Zeroize> From<T> for Secret<T> {
    fn from(value: T) -> Self {
        Secret(value)
    }
}

impl<T: Zeroize + Clone> Clone for Secret<T> {
    fn clone(&self) -> Self {
        Secret(self.0.clone())
    }
}

impl<T: Zeroize + PartialEq> PartialEq for Secret<T> {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}

impl<T: Zeroize + Eq> Eq for Secret<T> {}

impl<T: Zeroize> fmt::Debug for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([REDACTED])")
    }
}

impl<T: Zeroize> fmt::Display for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[REDACTED]")
    }
}

/// The content of one Juju Secret: content keys (wire names, `tls-ca`) to string values.
pub type SecretContent = BTreeMap<String, String>;

/// Fetches a secret's content by URI (a Juju backend, a test map, ...).
pub trait SecretResolver {
    /// The content of the secret `uri`, or `None` when it does not exist or is not readable.
    fn resolve(&mut self, uri: &SecretUri) -> Result<Option<SecretContent>, Error>;
}

impl<F> SecretResolver for F
where
    F: FnMut(&SecretUri) -> Result<Option<SecretContent>, Error>,
{
    fn resolve(&mut self, uri: &SecretUri) -> Result<Option<SecretContent>, Error> {
        self(uri)
    }
}

/// A [`SecretResolver`] over an in-memory map, matching URIs on their ID (so `secret:ID` and
/// `secret://MODEL/ID` find the same content).
#[derive(Default, Clone)]
pub struct MapResolver {
    secrets: BTreeMap<String, SecretContent>,
}

impl MapResolver {
    /// An empty resolver.
    pub fn new() -> Self {
        MapResolver::default()
    }

    /// Stores the content of the secret `uri`, returning what was stored under its ID before.
    pub fn insert(&mut self, uri: &SecretUri, content: SecretContent) -> Option<SecretContent> {
        self.secrets.insert(uri.id().to_owned(), content)
    }

    /// The content stored for the secret `uri`.
    pub fn get(&self, uri: &SecretUri) -> Option<&SecretContent> {
        self.secrets.get(uri.id())
    }

    /// Removes the secret `uri`, returning its content.
    pub fn remove(&mut self, uri: &SecretUri) -> Option<SecretContent> {
        self.secrets.remove(uri.id())
    }

    /// The number of secrets stored.
    pub fn len(&self) -> usize {
        self.secrets.len()
    }

    /// Whether no secret is stored.
    pub fn is_empty(&self) -> bool {
        self.secrets.is_empty()
    }
}

impl SecretResolver for MapResolver {
    fn resolve(&mut self, uri: &SecretUri) -> Result<Option<SecretContent>, Error> {
        Ok(self.secrets.get(uri.id()).cloned())
    }
}

impl FromIterator<(SecretUri, SecretContent)> for MapResolver {
    fn from_iter<I: IntoIterator<Item = (SecretUri, SecretContent)>>(iter: I) -> Self {
        let mut resolver = MapResolver::new();
        resolver.extend(iter);
        resolver
    }
}

impl Extend<(SecretUri, SecretContent)> for MapResolver {
    fn extend<I: IntoIterator<Item = (SecretUri, SecretContent)>>(&mut self, iter: I) {
        for (uri, content) in iter {
            self.insert(&uri, content);
        }
    }
}

/// Secret IDs and content keys only: the values are secrets.
impl fmt::Debug for MapResolver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(
                self.secrets
                    .iter()
                    .map(|(id, content)| (id, content.keys().collect::<Vec<_>>())),
            )
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_print_their_value() {
        let secret = Secret::new("hunter2".to_owned());
        assert_eq!(format!("{secret:?}"), "Secret([REDACTED])");
        assert_eq!(format!("{secret}"), "[REDACTED]");
        assert_eq!(format!("{:?}", Some(&secret)), "Some(Secret([REDACTED]))");
        assert_eq!(format!("{:#?}", secret), "Secret([REDACTED])");
        assert_eq!(secret.expose_secret(), "hunter2");
    }

    #[test]
    fn secrets_compare_clone_and_unwrap() {
        let a = Secret::from("x".to_owned());
        let b = a.clone();
        assert_eq!(a, b);
        assert_ne!(a, Secret::new("y".to_owned()));
        assert_eq!(b.into_inner(), "x");
        assert!(Secret::new(true).into_inner());
    }

    #[test]
    fn zeroize_wipes_the_value() {
        // What `Drop` runs; observing memory after drop would need unsafe code.
        let mut value = "hunter2".to_owned();
        value.zeroize();
        assert!(value.is_empty());
        let mut flag = true;
        flag.zeroize();
        assert!(!flag);
    }

    #[test]
    fn map_resolver_matches_on_the_id() {
        let long =
            SecretUri::parse("secret://bc7400b7-2fce-41dd-8509-14a984455cda/d7fmpmvmp25c7618tfb0")
                .expect("uri");
        let short = SecretUri::parse("secret:d7fmpmvmp25c7618tfb0").expect("uri");
        let content: SecretContent = [("password".to_owned(), "hunter2".to_owned())].into();
        let mut resolver: MapResolver = [(long.clone(), content.clone())].into_iter().collect();
        assert_eq!(resolver.resolve(&short), Ok(Some(content.clone())));
        assert_eq!(resolver.get(&long), Some(&content));
        assert_eq!(resolver.len(), 1);
        let debug = format!("{resolver:?}");
        assert!(
            debug.contains("password") && !debug.contains("hunter2"),
            "{debug}"
        );
        assert_eq!(resolver.remove(&short), Some(content));
        assert!(resolver.is_empty());
        assert_eq!(resolver.resolve(&short), Ok(None));
    }

    #[test]
    fn closures_resolve() {
        let mut calls = 0;
        let mut resolver = |_: &SecretUri| {
            calls += 1;
            Ok(None)
        };
        let uri = SecretUri::parse("secret:d7fmpmvmp25c7618tfb0").expect("uri");
        assert_eq!(SecretResolver::resolve(&mut resolver, &uri), Ok(None));
        assert_eq!(calls, 1);
    }
}
