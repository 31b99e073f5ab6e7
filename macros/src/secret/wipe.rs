//! Wiping the plaintext copies the runtime owns on the way from a Juju secret to a
//! [`Secret`](super::Secret): the content maps a resolver hands to
//! [`Databag::join`](crate::Databag::join) and the JSON trees parsed from secret content.
//!
//! [`SecretContent`] is a plain `BTreeMap<String, String>` (a type alias, so no `Drop` of ours):
//! a map is wiped only where the runtime drops it, through [`WipedContent`].

use std::ops::Deref;

use serde_json::Value;
use zeroize::Zeroize;

use super::SecretContent;

/// Secret content the runtime took over from a resolver: read through `Deref`, and its values
/// are zeroized (every byte of their capacity, by `zeroize`) when it is dropped, on success or
/// on any early return. Keys (content key names such as `password`) are not secret and are
/// left alone.
pub struct WipedContent(SecretContent);

impl WipedContent {
    /// Takes over `content`.
    pub fn new(content: SecretContent) -> Self {
        WipedContent(content)
    }

    /// Zeroizes every value, leaving each one empty. Called on drop.
    fn wipe(&mut self) {
        for value in self.0.values_mut() {
            value.zeroize();
        }
    }
}

impl Deref for WipedContent {
    type Target = SecretContent;
    fn deref(&self) -> &SecretContent {
        &self.0
    }
}

impl Drop for WipedContent {
    fn drop(&mut self) {
        self.wipe();
    }
}

/// Zeroizes every string inside `value` (object keys included) and leaves `Null`. For JSON
/// parsed from secret content that will not be moved into a `Secret`. Numbers and booleans are
/// overwritten by the `Null`, not zeroized byte by byte. Nesting is bounded by serde_json's
/// recursion limit (128), so the recursion is too.
pub(crate) fn wipe_value(value: &mut Value) {
    match value {
        Value::String(text) => text.zeroize(),
        Value::Array(items) => items.iter_mut().for_each(wipe_value),
        Value::Object(entries) => {
            // Keys cannot be borrowed mutably in a map: take the entries out to wipe them.
            for (mut key, mut item) in std::mem::take(entries) {
                key.zeroize();
                wipe_value(&mut item);
            }
        }
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
    *value = Value::Null;
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    // What can be observed without `unsafe`: each wiped string is emptied by
    // `String::zeroize`, which first writes zeros over its whole capacity (zeroize's volatile
    // writes, not elided by the optimizer); the freed bytes themselves cannot be read back.

    #[test]
    fn content_values_are_wiped_on_drop_and_readable_before() {
        let mut content = WipedContent::new(SecretContent::from([
            ("password".to_owned(), "hunter2".to_owned()),
            ("username".to_owned(), "relation-0".to_owned()),
        ]));
        assert_eq!(content.get("password").map(String::as_str), Some("hunter2"));
        content.wipe();
        assert!(content.values().all(String::is_empty), "{:?}", content.0);
        assert_eq!(
            content.keys().collect::<Vec<_>>(),
            ["password", "username"],
            "keys are not secret"
        );
    }

    #[test]
    fn json_trees_are_wiped_to_null() {
        let mut value = json!({"user": ["hunter2", {"nested": "pw"}], "n": 1});
        wipe_value(&mut value);
        assert_eq!(value, Value::Null);
    }
}
