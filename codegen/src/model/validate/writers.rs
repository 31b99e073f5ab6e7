//! The `writers` section of a `protocol: data-interfaces` spec: per release of the reference
//! library, the key order and padding of the request and response objects it writes
//! (PROTOCOL.md §4, §18.1). The relation engine reproduces them byte for byte.

use std::collections::BTreeSet;

use super::Checker;
use crate::diag::did_you_mean;
use crate::model::{Role, RoleKind, WriterProfile, Writers};
use crate::spec::raw::RawWriters;

impl Checker {
    /// The spec's writer profiles, checked against the provider's v0 databag; `None` when a problem was reported.
    pub(super) fn writers(&mut self, raw: &RawWriters, roles: &[Role]) -> Option<Writers> {
        let before = self.diagnostics.len();
        if raw.profiles.0.is_empty() {
            self.error("writers.profiles", "`writers` declares no profile");
        }
        let names: Vec<&str> = raw
            .profiles
            .0
            .iter()
            .map(|(name, _)| name.as_str())
            .collect();
        if !names.contains(&raw.default.as_str()) {
            let hint = did_you_mean(&raw.default, names.iter().copied())
                .map(|near| format!("; did you mean {near:?}?"))
                .unwrap_or_default();
            self.error(
                "writers.default",
                format!(
                    "default profile {:?} is not among the profiles ({}){hint}",
                    raw.default,
                    names.join(", ")
                ),
            );
        }
        let mut listed = BTreeSet::new();
        let mut profiles = Vec::new();
        for (name, profile) in &raw.profiles.0 {
            for (which, keys) in [
                ("request", &profile.request),
                ("response", &profile.response),
            ] {
                let path = format!("writers.profiles.{name}.{which}");
                self.profile_keys(&path, keys);
                listed.extend(keys.iter().map(String::as_str));
            }
            profiles.push(WriterProfile {
                name: name.clone(),
                request: profile.request.clone(),
                response: profile.response.clone(),
            });
        }
        for (key, json) in &raw.pad_values.0 {
            let path = format!("writers.pad_values.{key}");
            if !listed.contains(key.as_str()) {
                self.error_key(
                    &path,
                    format!("pad value for {key:?}, a key no profile writes"),
                );
            }
            match serde_json::from_str::<serde_json::Value>(json) {
                Ok(serde_json::Value::Null) => self.error(
                    &path,
                    "a pad value of `null` is the default; leave the key out",
                ),
                Ok(_) => {}
                Err(error) => {
                    self.error(&path, format!("the pad value is not JSON text: {error}"));
                }
            }
        }
        let flat = roles
            .iter()
            .find(|r| r.kind == RoleKind::Provider)
            .and_then(|r| r.versions.iter().find(|v| v.name == "v0"))
            .map(|v0| &v0.app);
        for (key, spelling) in &raw.v0_duplicates.0 {
            let path = format!("writers.v0_duplicates.{key}");
            match flat.and_then(|bag| bag.field(key)) {
                Some(field) if field.secret.is_some() => self.error_key(
                    &path,
                    format!("{key:?} is a secret field; it is never written to the databag"),
                ),
                Some(_) => {}
                None => self.error_key(
                    &path,
                    format!("{key:?} is not a field of the provider's v0 app databag"),
                ),
            }
            // An alias of the same field is the point (readers take both spellings); another
            // field's key would be overwritten.
            let owner = flat.and_then(|bag| bag.field(spelling));
            if owner.is_some_and(|field| field.name != *key && !field.aliases.contains(key)) {
                self.error(
                    &path,
                    format!(
                        "{spelling:?} is another field of the provider's v0 app databag; writing \
                         {key:?} there too would overwrite it"
                    ),
                );
            }
        }
        if self.diagnostics.len() > before {
            return None;
        }
        Some(Writers {
            default: raw.default.clone(),
            pad_values: raw.pad_values.0.clone(),
            v0_duplicates: raw.v0_duplicates.0.clone(),
            profiles,
        })
    }

    /// One key list: no key twice, the echo fields first. Declared fields a release does not
    /// write may be missing (they follow the listed keys when they have a value, as extras do
    /// in the reference); undeclared keys are padding.
    fn profile_keys(&mut self, path: &str, keys: &[String]) {
        let mut seen = BTreeSet::new();
        for (index, key) in keys.iter().enumerate() {
            if !seen.insert(key.as_str()) {
                self.error(
                    &format!("{path}[{index}]"),
                    format!("key {key:?} is listed twice"),
                );
            }
        }
        let echo = ["resource", "request-id", "salt"];
        if keys.len() < echo.len() || keys.iter().zip(echo).any(|(key, want)| key != want) {
            self.error(
                path,
                "a profile lists resource, request-id and salt first, as every writer does",
            );
        }
    }
}
