//! The imported spec as YAML text, in the key order of the shipped specs, with the notes as a
//! comment header.

use serde_yaml::{Mapping, Value};

use super::metadata::Metadata;
use super::schema::{Databags, Field, Object, Objects};
use super::{Note, Source};

/// Renders the spec file.
pub(super) fn render(
    source: &Source,
    metadata: &Metadata,
    objects: &Objects,
    roles: &[(&str, Databags)],
    notes: &[Note],
) -> String {
    let mut spec = Mapping::new();
    insert(&mut spec, "interface", source.name.as_str().into());
    insert(&mut spec, "version", u64::from(source.version).into());
    insert(&mut spec, "status", metadata.status.as_str().into());
    if let Some(maintainer) = &metadata.maintainer {
        insert(&mut spec, "maintainer", maintainer.as_str().into());
    }
    for (key, charms) in [
        ("providers", &metadata.providers),
        ("requirers", &metadata.requirers),
    ] {
        let list = charms
            .iter()
            .map(|charm| {
                let mut entry = Mapping::new();
                insert(&mut entry, "name", charm.name.as_str().into());
                if let Some(url) = &charm.url {
                    insert(&mut entry, "url", url.as_str().into());
                }
                Value::Mapping(entry)
            })
            .collect();
        insert(&mut spec, key, Value::Sequence(list));
    }
    if !objects.list.is_empty() {
        let mut map = Mapping::new();
        for object in &objects.list {
            insert(&mut map, &object.name, object_value(object));
        }
        insert(&mut spec, "objects", Value::Mapping(map));
    }
    let mut role_map = Mapping::new();
    for (role, databags) in roles {
        let mut version = Mapping::new();
        if let Some(app) = &databags.app {
            insert(&mut version, "app", object_value(app));
        }
        if let Some(unit) = &databags.unit {
            insert(&mut version, "unit", object_value(unit));
        }
        let mut versions = Mapping::new();
        insert(
            &mut versions,
            &format!("v{}", source.version),
            Value::Mapping(version),
        );
        let mut role_value = Mapping::new();
        insert(&mut role_value, "versions", Value::Mapping(versions));
        insert(&mut role_map, role, Value::Mapping(role_value));
    }
    insert(&mut spec, "roles", Value::Mapping(role_map));

    let mut out = header(source, notes);
    // Serializing a mapping of strings, numbers and sequences cannot fail.
    out.push_str(&serde_yaml::to_string(&Value::Mapping(spec)).unwrap_or_default());
    out
}

/// The comment header: where the spec comes from, and what the importer guessed.
fn header(source: &Source, notes: &[Note]) -> String {
    let mut out = format!(
        "# The `{}` relation interface, version {}, imported by `databag import` from the Juju\n\
         # catalogue (canonical/charm-relation-interfaces, {}).\n\
         # Secret groups and wire versions are not in the catalogue's schemas: none are declared.\n",
        source.name, source.version, source.origin
    );
    if notes.is_empty() {
        out.push_str("# The importer guessed nothing.\n");
    } else {
        out.push_str("# What the importer guessed or could not carry over:\n");
        for note in notes {
            for (i, line) in note.to_string().lines().enumerate() {
                out.push_str(if i == 0 { "# - " } else { "#   " });
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    out
}

/// A databag or an object.
fn object_value(object: &Object) -> Value {
    let mut map = Mapping::new();
    if let Some(description) = &object.description {
        insert(&mut map, "description", description.as_str().into());
    }
    insert(&mut map, "keeps_unknown", true.into());
    let fields = object.fields.iter().map(field_value).collect();
    insert(&mut map, "fields", Value::Sequence(fields));
    Value::Mapping(map)
}

/// One field, with only the keys that differ from the defaults.
fn field_value(field: &Field) -> Value {
    let mut map = Mapping::new();
    insert(&mut map, "name", field.name.as_str().into());
    if let Some(rust_name) = &field.rust_name {
        insert(&mut map, "rust_name", rust_name.as_str().into());
    }
    insert(&mut map, "type", field.ty.spelling().into());
    if field.json {
        insert(&mut map, "json", true.into());
    }
    if field.required {
        insert(&mut map, "required", true.into());
    }
    if let Some(pattern) = &field.pattern {
        insert(&mut map, "pattern", pattern.as_str().into());
    }
    if let Some(title) = &field.title {
        insert(&mut map, "title", title.as_str().into());
    }
    if let Some(description) = &field.description {
        insert(&mut map, "description", description.as_str().into());
    }
    if !field.examples.is_empty() {
        let examples = field
            .examples
            .iter()
            .map(|e| Value::from(e.as_str()))
            .collect();
        insert(&mut map, "examples", Value::Sequence(examples));
    }
    Value::Mapping(map)
}

fn insert(map: &mut Mapping, key: &str, value: Value) {
    map.insert(Value::from(key), value);
}
