//! Examples, checked once the model is built (they need every object): each field example
//! against its field's type, each example databag against its databag. A wrong example would
//! end up in the generated docs and schemas, so it is a spec error like any other.

use serde_json::Value;

use super::Checker;
use crate::diag::did_you_mean;
use crate::model::{Field, Interface, Object, Type};

impl Checker {
    /// Checks every example of `interface`.
    pub(super) fn examples(&mut self, interface: &Interface) {
        for object in &interface.objects {
            self.field_examples(interface, object, &format!("objects.{}", object.name));
        }
        for role in &interface.roles {
            for version in &role.versions {
                let path = format!("roles.{}.versions.{}", role.kind.as_str(), version.name);
                self.field_examples(interface, &version.app, &format!("{path}.app"));
                if let Some(unit) = &version.unit {
                    self.field_examples(interface, unit, &format!("{path}.unit"));
                }
                let Some(example) = &version.example else {
                    continue;
                };
                let bags = [("app", Some(&version.app), &example.app)]
                    .into_iter()
                    .chain([("unit", version.unit.as_ref(), &example.unit)]);
                for (bag, object, entries) in bags {
                    let at = format!("{path}.example.{bag}");
                    match object {
                        Some(object) => self.example_bag(interface, object, entries, &at),
                        None => {
                            if let Some(key) = entries.keys().next() {
                                self.error_key(
                                    &format!("{at}.{key}"),
                                    format!(
                                        "example {bag} databag, but the version declares no \
                                         `{bag}` databag"
                                    ),
                                );
                            }
                        }
                    }
                }
            }
        }
    }

    fn field_examples(&mut self, interface: &Interface, object: &Object, path: &str) {
        for (i, field) in object.fields.iter().enumerate() {
            for (j, example) in field.examples.iter().enumerate() {
                let at = format!("{path}.fields[{i}].examples[{j}]");
                let problem = if field.ty.is_string_like() {
                    raw_value(field, example)
                        .err()
                        .map(|problem| format!("example does not fit {}: {problem}", field.ty))
                } else {
                    match serde_json::from_str::<Value>(example) {
                        Err(error) => Some(format!(
                            "example {example:?} is not valid JSON, which type {} needs ({error})",
                            field.ty
                        )),
                        Ok(value) => fits(interface, &field.ty, &value, &mut Vec::new())
                            .err()
                            .map(|problem| format!("example does not fit {}: {problem}", field.ty)),
                    }
                };
                if let Some(problem) = problem {
                    self.error(&at, problem);
                }
            }
        }
    }

    fn example_bag(
        &mut self,
        interface: &Interface,
        object: &Object,
        entries: &std::collections::BTreeMap<String, String>,
        path: &str,
    ) {
        for (key, value) in entries {
            let at = format!("{path}.{key}");
            let Some(field) = object.field(key) else {
                let names = object
                    .fields
                    .iter()
                    .flat_map(|f| std::iter::once(&f.name).chain(&f.aliases))
                    .map(String::as_str);
                let message = match did_you_mean(key, names) {
                    Some(close) => format!(
                        "example key {key:?} is not a field of this databag, did you mean \
                         {close:?}?"
                    ),
                    None => format!("example key {key:?} is not a field of this databag"),
                };
                self.error_key(&at, message);
                continue;
            };
            if let Some(group) = &field.secret {
                self.error_key(
                    &at,
                    format!(
                        "example key {key:?} is a secret field: its value lives in the {group:?} \
                         secret, never in the databag"
                    ),
                );
                continue;
            }
            if let Err(problem) = databag_value(interface, field, value) {
                self.error(
                    &at,
                    format!(
                        "example value of {key:?} does not fit {}: {problem}",
                        field.ty
                    ),
                );
            }
        }
        for field in &object.fields {
            let present = std::iter::once(&field.name)
                .chain(&field.aliases)
                .any(|k| entries.contains_key(k));
            if field.required && field.secret.is_none() && !present {
                self.error_key(
                    path,
                    format!("example databag lacks the required key {:?}", field.name),
                );
            }
        }
    }
}

/// A value as it stands in a databag: raw for plain string-like fields, JSON text otherwise
/// (booleans and integers are their JSON text too).
fn databag_value(interface: &Interface, field: &Field, text: &str) -> Result<(), String> {
    if field.ty.is_string_like() && !field.json {
        return raw_value(field, text);
    }
    let value: Value =
        serde_json::from_str(text).map_err(|error| format!("not JSON text ({error})"))?;
    fits(interface, &field.ty, &value, &mut Vec::new())?;
    if let Some(found) = value.as_str() {
        matches_pattern(field, found)?;
    }
    match (&field.constant, value.as_str()) {
        (Some(constant), Some(found)) if constant != found => Err(format!(
            "expected the constant {constant:?}, found {found:?}"
        )),
        _ => Ok(()),
    }
}

/// A string or secret-uri value written as is.
fn raw_value(field: &Field, text: &str) -> Result<(), String> {
    if let Some(constant) = &field.constant
        && constant != text
    {
        return Err(format!(
            "expected the constant {constant:?}, found {text:?}"
        ));
    }
    if field.ty == Type::SecretUri && !is_secret_uri(text) {
        return Err(format!(
            "expected a Juju secret URI (`secret:ID` or `secret://MODEL/ID`), found {text:?}"
        ));
    }
    matches_pattern(field, text)
}

/// Whether `text` matches the field's `pattern` (one that compiles: validation dropped the
/// others, after reporting them).
fn matches_pattern(field: &Field, text: &str) -> Result<(), String> {
    let Some(pattern) = &field.pattern else {
        return Ok(());
    };
    match regex_lite::Regex::new(pattern) {
        Ok(regex) if !regex.is_match(text) => Err(format!(
            "{text:?} does not match the field's pattern `{pattern}`"
        )),
        _ => Ok(()),
    }
}

/// `secret:ID` or `secret://MODEL/ID`, where neither part is empty.
fn is_secret_uri(text: &str) -> bool {
    let Some(rest) = text.strip_prefix("secret:") else {
        return false;
    };
    match rest.strip_prefix("//") {
        Some(rest) => rest
            .split_once('/')
            .is_some_and(|(model, id)| !model.is_empty() && !id.is_empty() && !id.contains('/')),
        None => !rest.is_empty() && !rest.contains('/'),
    }
}

/// Whether a JSON value fits a spec type; the problem, with where it is in the value, if not.
fn fits(
    interface: &Interface,
    ty: &Type,
    value: &Value,
    at: &mut Vec<String>,
) -> Result<(), String> {
    let wrong = |at: &[String], expected: &str| {
        let found = show(value);
        if at.is_empty() {
            Err(format!("expected {expected}, found {found}"))
        } else {
            Err(format!(
                "at {}: expected {expected}, found {found}",
                at.concat()
            ))
        }
    };
    match ty {
        Type::Any => Ok(()),
        Type::String => match value {
            Value::String(_) => Ok(()),
            _ => wrong(at, "a string"),
        },
        Type::SecretUri => match value {
            Value::String(s) if is_secret_uri(s) => Ok(()),
            _ => wrong(at, "a Juju secret URI"),
        },
        Type::Bool => match value {
            Value::Bool(_) => Ok(()),
            _ => wrong(at, "true or false"),
        },
        Type::Int => match value {
            Value::Number(n) if n.is_i64() || n.is_u64() => Ok(()),
            _ => wrong(at, "an integer"),
        },
        Type::List(item) => {
            let Value::Array(items) = value else {
                return wrong(at, "a JSON array");
            };
            for (i, value) in items.iter().enumerate() {
                at.push(format!("[{i}]"));
                fits(interface, item, value, at)?;
                at.pop();
            }
            Ok(())
        }
        Type::Map(item) => {
            let Value::Object(entries) = value else {
                return wrong(at, "a JSON object");
            };
            for (key, value) in entries {
                at.push(format!(".{key}"));
                fits(interface, item, value, at)?;
                at.pop();
            }
            Ok(())
        }
        Type::Object(name) => {
            let Some(object) = interface.object(name) else {
                return Ok(());
            };
            let Value::Object(entries) = value else {
                return wrong(at, &format!("a JSON object ({name})"));
            };
            let place = |at: &[String]| {
                if at.is_empty() {
                    String::new()
                } else {
                    format!("at {}: ", at.concat())
                }
            };
            for field in &object.fields {
                let found = std::iter::once(&field.name)
                    .chain(&field.aliases)
                    .find_map(|k| entries.get(k).filter(|v| !v.is_null()).map(|v| (k, v)));
                match found {
                    Some((key, _)) if field.secret.is_some() => {
                        return Err(format!(
                            "{}{key:?} is a secret field, never written in the databag",
                            place(at)
                        ));
                    }
                    Some((key, value)) => {
                        at.push(format!(".{key}"));
                        fits(interface, &field.ty, value, at)?;
                        if let Some(text) = value.as_str() {
                            matches_pattern(field, text)
                                .map_err(|problem| format!("at {}: {problem}", at.concat()))?;
                        }
                        at.pop();
                    }
                    None if field.required && field.secret.is_none() => {
                        return Err(format!(
                            "{}missing required key {:?}",
                            place(at),
                            field.name
                        ));
                    }
                    None => {}
                }
            }
            if !object.keeps_unknown
                && let Some(key) = entries.keys().find(|k| object.field(k).is_none())
            {
                return Err(format!("{}unknown key {key:?} in {name}", place(at)));
            }
            Ok(())
        }
    }
}

/// A JSON value for a message, cut short.
fn show(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() > 40 {
        format!("{}…", text.chars().take(40).collect::<String>())
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::test_support::valkey;

    fn check(ty: &Type, json: &str) -> Result<(), String> {
        let value: Value = serde_json::from_str(json).expect("test JSON");
        fits(&valkey(), ty, &value, &mut Vec::new())
    }

    #[test]
    fn values_fit_their_types() {
        let requests = Type::List(Box::new(Type::Object("request".into())));
        assert_eq!(
            check(
                &requests,
                r#"[{"resource": "a:*", "request-id": "1", "salt": "x"}]"#
            ),
            Ok(())
        );
        assert_eq!(
            check(
                &requests,
                r#"[{"resource": "a:*", "request-id": "1", "salt": 5}]"#
            ),
            Err("at [0].salt: expected a string, found 5".to_owned())
        );
        assert_eq!(
            check(&requests, r#"[{"resource": "a:*", "salt": "x"}]"#),
            Err("at [0]: missing required key \"request-id\"".to_owned())
        );
        assert_eq!(
            check(&Type::Bool, "\"true\""),
            Err("expected true or false, found \"true\"".to_owned())
        );
        assert_eq!(check(&Type::Int, "4001"), Ok(()));
        assert!(check(&Type::Int, "4.5").is_err());
        assert_eq!(
            check(&Type::Map(Box::new(Type::Any)), r#"{"a": [1]}"#),
            Ok(())
        );
    }

    #[test]
    fn secret_fields_never_appear_in_json() {
        let responses = Type::List(Box::new(Type::Object("response".into())));
        let problem = check(
            &responses,
            r#"[{"resource": "a", "request-id": "1", "salt": "x", "endpoints": "e", "password": "p"}]"#,
        );
        assert_eq!(
            problem,
            Err("at [0]: \"password\" is a secret field, never written in the databag".to_owned())
        );
    }

    #[test]
    fn secret_uris() {
        assert!(is_secret_uri("secret:d7fmpmvmp25c7618tfb0"));
        assert!(is_secret_uri("secret://bc7400b7/d7fmpmvmp25c7618tfb0"));
        for bad in [
            "secret:",
            "secret://model/",
            "secret://x",
            "foo",
            "secret:a/b",
        ] {
            assert!(!is_secret_uri(bad), "{bad}");
        }
    }
}
