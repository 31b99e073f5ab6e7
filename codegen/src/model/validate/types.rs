//! Field types: the `list<request>` syntax, and the object graph they form.

use super::names::is_snake_name;
use crate::model::{Object, Type};

/// What a field's `type` may be, for messages.
pub(crate) const TYPE_SYNTAX: &str =
    "string, bool, int, secret-uri, any, list<T>, map<T> or an object name";

/// How deeply `list<>` and `map<>` may nest in one field type (`list<map<list<int>>>` is 3).
pub(super) const MAX_TYPE_NESTING: usize = 16;

/// Parses `string`, `list<request>`, `map<any>`, ...; `None` when malformed.
pub(super) fn parse_type(text: &str) -> Option<Type> {
    let text = text.trim();
    let generic = |prefix: &str| {
        text.strip_prefix(prefix)
            .and_then(|rest| rest.trim_start().strip_prefix('<'))
            .and_then(|rest| rest.strip_suffix('>'))
    };
    if let Some(inner) = generic("list") {
        return parse_type(inner).map(|t| Type::List(Box::new(t)));
    }
    if let Some(inner) = generic("map") {
        return parse_type(inner).map(|t| Type::Map(Box::new(t)));
    }
    Some(match text {
        "string" => Type::String,
        "bool" => Type::Bool,
        "int" => Type::Int,
        "secret-uri" => Type::SecretUri,
        "any" => Type::Any,
        "list" | "map" => return None,
        name if is_snake_name(name) => Type::Object(name.to_owned()),
        _ => return None,
    })
}

/// The objects that contain themselves, directly or through others: for each such cycle
/// (reported once), the first member in declaration order, the index of its field that starts
/// the cycle, and the cycle's names (`a → b → a`).
pub(super) fn cycles(objects: &[Object]) -> Vec<(usize, usize, Vec<String>)> {
    let mut found: Vec<(usize, usize, Vec<String>)> = Vec::new();
    let mut reported: Vec<Vec<String>> = Vec::new();
    for (index, object) in objects.iter().enumerate() {
        for (field_index, field) in object.fields.iter().enumerate() {
            let Some(next) = field.ty.object_name() else {
                continue;
            };
            let mut path = vec![object.name.clone()];
            if reaches(objects, next, &object.name, &mut path) {
                let mut members = path.clone();
                members.sort();
                members.dedup();
                if !reported.contains(&members) {
                    reported.push(members);
                    path.push(object.name.clone());
                    found.push((index, field_index, path));
                }
            }
        }
    }
    found
}

/// Whether `from` leads to `target`; on success `path` holds the way there (without `target`).
fn reaches(objects: &[Object], from: &str, target: &str, path: &mut Vec<String>) -> bool {
    if from == target {
        return true;
    }
    if path.iter().any(|p| p == from) {
        return false;
    }
    let Some(object) = objects.iter().find(|o| o.name == from) else {
        return false;
    };
    path.push(from.to_owned());
    for field in &object.fields {
        if let Some(next) = field.ty.object_name()
            && reaches(objects, next, target, path)
        {
            return true;
        }
    }
    path.pop();
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Field;

    #[test]
    fn parses_types() {
        assert_eq!(parse_type("string"), Some(Type::String));
        assert_eq!(
            parse_type("list<request>"),
            Some(Type::List(Box::new(Type::Object("request".into()))))
        );
        assert_eq!(
            parse_type("map<list<int>>"),
            Some(Type::Map(Box::new(Type::List(Box::new(Type::Int)))))
        );
        for bad in [
            "list<",
            "lst<string>",
            "list<>",
            "list",
            "map<string, int>",
            "String",
            "",
        ] {
            assert_eq!(parse_type(bad), None, "{bad}");
        }
    }

    #[test]
    fn types_print_as_written() {
        for text in ["string", "secret-uri", "list<map<any>>", "list<request>"] {
            assert_eq!(
                parse_type(text).map(|t| t.to_string()).as_deref(),
                Some(text)
            );
        }
    }

    fn object(name: &str, refs: &[&str]) -> Object {
        Object {
            name: name.to_owned(),
            rust_name: name.to_owned(),
            description: None,
            keeps_unknown: false,
            fields: refs
                .iter()
                .map(|r| Field {
                    name: format!("f{r}"),
                    rust_name: format!("f{r}"),
                    aliases: Vec::new(),
                    ty: Type::List(Box::new(Type::Object((*r).to_owned()))),
                    required: false,
                    json: false,
                    secret: None,
                    secret_uri: None,
                    constant: None,
                    pattern: None,
                    title: None,
                    description: None,
                    examples: Vec::new(),
                })
                .collect(),
        }
    }

    #[test]
    fn finds_each_cycle_once() {
        let objects = [
            object("a", &["b"]),
            object("b", &["a"]),
            object("c", &["c"]),
            object("d", &["a"]),
        ];
        let found = cycles(&objects);
        assert_eq!(
            found,
            vec![
                (0, 0, vec!["a".into(), "b".into(), "a".into()]),
                (2, 0, vec!["c".into(), "c".into()]),
            ]
        );
    }
}
