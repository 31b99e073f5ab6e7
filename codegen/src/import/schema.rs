//! A catalogue JSON Schema (what pydantic writes for a `DataBagSchema`) read as databags,
//! fields and objects of the spec format.
//!
//! pydantic's conventions: the role schema's `properties` are `app` and `unit`, each a `$ref`
//! to a model (optionally `anyOf [ref, null]`); a model is an object with `properties` and
//! `required`; `Optional[T]` is `anyOf [T, {type: null}]`; `Json[T]` is a string with
//! `contentMediaType: application/json` and `contentSchema: T`; an `Enum` is a `$def` with
//! `enum`. pydantic 1 wrote `definitions` where pydantic 2 writes `$defs`.

use serde_json::{Map, Value};

use super::names::{object_name, one_of_pattern, rust_name};
use super::{Error, Note};

/// A databag or a named object, in the spec's terms. Every imported object keeps unknown
/// keys: pydantic models ignore extra keys, so the catalogue accepts them.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Object {
    pub name: String,
    pub description: Option<String>,
    pub fields: Vec<Field>,
}

/// One field, in the spec's terms.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Field {
    pub name: String,
    pub rust_name: Option<String>,
    pub ty: Ty,
    pub required: bool,
    pub json: bool,
    pub pattern: Option<String>,
    pub title: Option<String>,
    pub description: Option<String>,
    pub examples: Vec<String>,
}

/// A spec field type.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Ty {
    String,
    Bool,
    Int,
    Any,
    List(Box<Ty>),
    Map(Box<Ty>),
    Object(String),
}

impl Ty {
    /// The spec's spelling.
    pub fn spelling(&self) -> String {
        match self {
            Ty::String => "string".to_owned(),
            Ty::Bool => "bool".to_owned(),
            Ty::Int => "int".to_owned(),
            Ty::Any => "any".to_owned(),
            Ty::List(item) => format!("list<{}>", item.spelling()),
            Ty::Map(item) => format!("map<{}>", item.spelling()),
            Ty::Object(name) => name.clone(),
        }
    }

    /// Whether a databag holds the value as JSON text: everything but strings, booleans and
    /// integers (which the bindings write as `"true"`, `"8"`).
    fn is_structured(&self) -> bool {
        matches!(self, Ty::Any | Ty::List(_) | Ty::Map(_) | Ty::Object(_))
    }
}

/// The named objects of both roles, in first-use order.
#[derive(Debug, Default)]
pub(super) struct Objects {
    pub list: Vec<Object>,
    /// (role, `$ref` name or inline path) → object name, so a model used twice is one object.
    seen: Vec<((String, String), String)>,
}

/// A role's databags.
#[derive(Debug)]
pub(super) struct Databags {
    pub app: Option<Object>,
    pub unit: Option<Object>,
}

/// Type names the generated code already uses (the validator's list plus the databag types):
/// an object whose PascalCase is one of them gets a `_model` suffix.
const RESERVED: [&str; 14] = [
    "databag",
    "secret",
    "secret_uri",
    "unknown",
    "value",
    "b_tree_map",
    "string",
    "option",
    "vec",
    "box",
    "requirer_app_data",
    "provider_app_data",
    "requirer_unit_data",
    "provider_unit_data",
];

/// Reads one role's schema (`provider.json`) into its databags.
pub(super) fn role(
    root: &Value,
    role: &str,
    objects: &mut Objects,
    notes: &mut Vec<Note>,
) -> Result<Databags, Error> {
    let mut reader = Reader {
        root,
        role,
        objects,
        notes,
    };
    let properties: Vec<(&String, &Value)> = root
        .get("properties")
        .and_then(Value::as_object)
        .map(|map| map.iter().collect())
        .unwrap_or_default();
    let mut app = None;
    let mut unit = None;
    let mut stray = Vec::new();
    for &(key, schema) in &properties {
        match key.as_str() {
            "app" => app = reader.databag(schema, &format!("{role}.app"))?,
            "unit" => unit = reader.databag(schema, &format!("{role}.unit"))?,
            _ => stray.push((key, schema)),
        }
    }
    if !stray.is_empty() {
        // The schema's author declared databag fields on the role schema itself; the
        // catalogue's tester validates `{unit, app}`, so they can only mean the app databag.
        let required = required_list(root);
        let names: Vec<&str> = stray.iter().map(|(k, _)| k.as_str()).collect();
        reader.note(
            role,
            format!(
                "fields {names:?} sit beside `app` and `unit`, not in a databag: imported into \
                 the app databag"
            ),
        );
        let app = app.get_or_insert_with(|| Object {
            name: "app".to_owned(),
            description: None,
            fields: Vec::new(),
        });
        for &(key, schema) in &stray {
            let place = format!("{role}.{key}");
            let field =
                reader.field(key, schema, required.iter().any(|r| r == key), true, &place)?;
            app.fields.push(field);
        }
    }
    Ok(Databags { app, unit })
}

/// The `required` list of an object schema.
fn required_list(schema: &Value) -> Vec<String> {
    schema
        .get("required")
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

/// Reads one role schema; holds where objects and notes go.
struct Reader<'a> {
    root: &'a Value,
    role: &'a str,
    objects: &'a mut Objects,
    notes: &'a mut Vec<Note>,
}

impl<'a> Reader<'a> {
    fn note(&mut self, place: &str, message: String) {
        self.notes.push(Note {
            place: place.to_owned(),
            message,
        });
    }

    /// Follows `$ref` (`#/$defs/X`, `#/definitions/X`); returns the target and its def name.
    fn resolve(
        &self,
        schema: &'a Value,
        place: &str,
    ) -> Result<(&'a Value, Option<String>), Error> {
        let Some(reference) = schema.get("$ref").and_then(Value::as_str) else {
            return Ok((schema, None));
        };
        let name = reference
            .strip_prefix("#/$defs/")
            .or_else(|| reference.strip_prefix("#/definitions/"))
            .ok_or_else(|| Error(format!("{place}: unsupported $ref {reference:?}")))?;
        let target = self
            .root
            .get("$defs")
            .and_then(|defs| defs.get(name))
            .or_else(|| self.root.get("definitions").and_then(|defs| defs.get(name)))
            .ok_or_else(|| Error(format!("{place}: $ref {reference:?} names no definition")))?;
        Ok((target, Some(name.to_owned())))
    }

    /// A databag (`app`, `unit`): `None` when the model has no field (the role writes nothing
    /// there that the catalogue defines).
    fn databag(&mut self, schema: &'a Value, place: &str) -> Result<Option<Object>, Error> {
        let (schema, _) = strip_null(schema);
        let (model, _) = self.resolve(schema, place)?;
        if model.get("type").and_then(Value::as_str) == Some("array") {
            return Err(Error(format!(
                "{place}: the databag is a JSON array; a Juju databag is a map of keys to \
                 strings, so no binding can read it"
            )));
        }
        let Some(properties) = model.get("properties").and_then(Value::as_object) else {
            return Ok(None);
        };
        if properties.is_empty() {
            return Ok(None);
        }
        let required = required_list(model);
        let mut fields = Vec::new();
        for (key, field) in properties {
            let place = format!("{place}.{key}");
            fields.push(self.field(key, field, required.contains(key), true, &place)?);
        }
        Ok(Some(Object {
            name: "app".to_owned(),
            description: text(model, "description"),
            fields,
        }))
    }

    /// One property; `databag` when it is a top-level databag key (strings only on the wire).
    fn field(
        &mut self,
        name: &str,
        schema: &'a Value,
        listed_required: bool,
        databag: bool,
        place: &str,
    ) -> Result<Field, Error> {
        let (inner, nullable) = strip_null(schema);
        if listed_required && nullable {
            // pydantic's `Optional[T]` without a default: the key must be there, and a
            // databag has no null, so on the wire it is simply required.
            self.note(
                place,
                "required but nullable: imported as required (a databag holds no null)".to_owned(),
            );
        }
        if let Some(default) = schema.get("default").filter(|d| !d.is_null()) {
            self.note(
                place,
                format!("default {default} not carried over: the key is optional"),
            );
        }
        let content = inner
            .get("contentMediaType")
            .and_then(Value::as_str)
            .filter(|m| *m == "application/json");
        let (ty, pattern, json) = match content {
            Some(_) => {
                let content_schema = inner.get("contentSchema").unwrap_or(&Value::Bool(true));
                let (ty, pattern) = self.ty(name, content_schema, place)?;
                if !databag {
                    self.note(
                        place,
                        "JSON text inside a JSON object: the spec format has no such type; \
                         imported as a string"
                            .to_owned(),
                    );
                    (Ty::String, None, false)
                } else {
                    // An int's or a bool's plain text is already its JSON text (`8080`,
                    // `true`), so only other types are marked JSON-encoded.
                    let json = !matches!(ty, Ty::Int | Ty::Bool);
                    (ty, pattern, json)
                }
            }
            None => {
                let (ty, pattern) = self.ty(name, inner, place)?;
                let json = databag && ty.is_structured();
                if json {
                    self.note(
                        place,
                        format!(
                            "a {} in a databag without `contentMediaType`: a databag holds \
                             strings, so imported as JSON text",
                            ty.spelling()
                        ),
                    );
                }
                (ty, pattern, json)
            }
        };
        let mut field = Field {
            name: name.to_owned(),
            rust_name: rust_name(name),
            ty,
            required: listed_required,
            json,
            pattern,
            title: text(schema, "title").or_else(|| text(inner, "title")),
            description: text(schema, "description").or_else(|| text(inner, "description")),
            examples: Vec::new(),
        };
        field.examples = self.examples(&field, schema, inner, place);
        Ok(field)
    }

    /// The spec type of a schema, and a pattern when it constrains strings.
    fn ty(
        &mut self,
        name: &str,
        schema: &'a Value,
        place: &str,
    ) -> Result<(Ty, Option<String>), Error> {
        let (schema, nullable) = strip_null(schema);
        if nullable {
            self.note(
                place,
                "a nullable value inside a list, map or JSON value: null is not carried over"
                    .to_owned(),
            );
        }
        let (schema, def) = self.resolve(schema, place)?;
        if schema == &Value::Bool(true) {
            return Ok((Ty::Any, None));
        }
        if let Some(values) = schema.get("enum").and_then(Value::as_array) {
            return Ok(self.enumeration(values, place));
        }
        if let Some(constant) = schema.get("const") {
            return Ok(self.enumeration(std::slice::from_ref(constant), place));
        }
        if let Some(alternatives) = schema.get("anyOf").or_else(|| schema.get("oneOf")) {
            self.note(
                place,
                format!("a choice of {alternatives}: imported as `any`"),
            );
            return Ok((Ty::Any, None));
        }
        let kind = schema.get("type").and_then(Value::as_str);
        let kind = kind.or_else(|| schema.get("properties").map(|_| "object"));
        match kind {
            Some("string") => Ok((Ty::String, self.string_pattern(schema, place))),
            Some("integer") => {
                for bound in ["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"] {
                    if let Some(value) = schema.get(bound) {
                        self.note(place, format!("{bound} {value} not checked"));
                    }
                }
                Ok((Ty::Int, None))
            }
            Some("boolean") => Ok((Ty::Bool, None)),
            Some("number") => {
                self.note(
                    place,
                    "a number: the spec format has no float type; imported as `any`".to_owned(),
                );
                Ok((Ty::Any, None))
            }
            Some("array") => {
                for constraint in ["minItems", "maxItems", "uniqueItems"] {
                    if let Some(value) = schema.get(constraint) {
                        self.note(place, format!("{constraint} {value} not checked"));
                    }
                }
                let item = match schema.get("items") {
                    Some(items) => {
                        let item_place = format!("{place}[]");
                        let (item, pattern) = self.ty(name, items, &item_place)?;
                        if pattern.is_some() {
                            self.note(
                                &item_place,
                                "the spec format has patterns on string fields only: the \
                                 items' pattern is not checked"
                                    .to_owned(),
                            );
                        }
                        item
                    }
                    None => Ty::Any,
                };
                Ok((Ty::List(Box::new(item)), None))
            }
            Some("object") => self.object(name, schema, def, place).map(|ty| (ty, None)),
            Some("null") => {
                self.note(place, "always null: imported as `any`".to_owned());
                Ok((Ty::Any, None))
            }
            Some(other) => Err(Error(format!("{place}: unsupported type {other:?}"))),
            None => Ok((Ty::Any, None)),
        }
    }

    /// An `enum` (or `const`): strings become a string field with a pattern accepting exactly
    /// them; anything else is `any`.
    fn enumeration(&mut self, values: &[Value], place: &str) -> (Ty, Option<String>) {
        let strings: Vec<&str> = values.iter().filter_map(Value::as_str).collect();
        if strings.len() == values.len() && !strings.is_empty() {
            self.note(
                place,
                format!(
                    "enum {strings:?}: imported as a string field with a pattern accepting \
                     exactly these values"
                ),
            );
            return (Ty::String, Some(one_of_pattern(&strings)));
        }
        self.note(
            place,
            format!("enum of non-strings {values:?}: imported as `any`"),
        );
        (Ty::Any, None)
    }

    /// `pattern`, or `minLength`/`maxLength` as a pattern; `format` is not checked.
    fn string_pattern(&mut self, schema: &Value, place: &str) -> Option<String> {
        if let Some(format) = schema.get("format").and_then(Value::as_str) {
            self.note(place, format!("format `{format}` not checked"));
        }
        let min = schema.get("minLength").and_then(Value::as_u64);
        let max = schema.get("maxLength").and_then(Value::as_u64);
        if let Some(pattern) = schema.get("pattern").and_then(Value::as_str) {
            if min.is_some() || max.is_some() {
                self.note(
                    place,
                    "minLength/maxLength beside a pattern: not checked".to_owned(),
                );
            }
            if regex_lite::Regex::new(pattern).is_ok() {
                return Some(pattern.to_owned());
            }
            self.note(
                place,
                format!("pattern {pattern:?} does not compile with regex-lite: not checked"),
            );
            return None;
        }
        match (min, max) {
            (None, None) => None,
            (min, max) => {
                let min = min.unwrap_or(0);
                let max = max.map(|m| m.to_string()).unwrap_or_default();
                self.note(
                    place,
                    "minLength/maxLength imported as a pattern".to_owned(),
                );
                Some(format!("^[\\s\\S]{{{min},{max}}}$"))
            }
        }
    }

    /// An object schema: a named object when it has properties, else a map.
    fn object(
        &mut self,
        name: &str,
        schema: &'a Value,
        def: Option<String>,
        place: &str,
    ) -> Result<Ty, Error> {
        let properties = schema.get("properties").and_then(Value::as_object);
        let additional = schema.get("additionalProperties");
        match (properties.filter(|p| !p.is_empty()), additional) {
            (Some(properties), _) => {
                if additional.is_some_and(|a| a != &Value::Bool(true)) {
                    self.note(
                        place,
                        "additionalProperties beside properties: extra keys not checked".to_owned(),
                    );
                }
                self.named_object(name, schema, properties, def, place)
            }
            (None, Some(Value::Bool(false))) => {
                self.note(
                    place,
                    "an object with no key allowed: imported as map<any>".to_owned(),
                );
                Ok(Ty::Map(Box::new(Ty::Any)))
            }
            (None, Some(items)) if items != &Value::Bool(true) => {
                let item_place = format!("{place}{{}}");
                let (item, pattern) = self.ty(name, items, &item_place)?;
                if pattern.is_some() {
                    self.note(
                        &item_place,
                        "the spec format has patterns on string fields only: the values' \
                         pattern is not checked"
                            .to_owned(),
                    );
                }
                Ok(Ty::Map(Box::new(item)))
            }
            (None, _) => Ok(Ty::Map(Box::new(Ty::Any))),
        }
    }

    /// Registers (once) the object a model or inline object schema describes.
    fn named_object(
        &mut self,
        field_name: &str,
        schema: &'a Value,
        properties: &'a Map<String, Value>,
        def: Option<String>,
        place: &str,
    ) -> Result<Ty, Error> {
        let key = (
            self.role.to_owned(),
            def.clone().unwrap_or_else(|| place.to_owned()),
        );
        if let Some((_, name)) = self.objects.seen.iter().find(|(k, _)| k == &key) {
            return Ok(Ty::Object(name.clone()));
        }
        let base = def
            .as_deref()
            .or_else(|| schema.get("title").and_then(Value::as_str))
            .map(object_name)
            .unwrap_or_else(|| object_name(field_name));
        let base = if RESERVED.contains(&base.as_str()) {
            format!("{base}_model")
        } else {
            base
        };
        // Claim the name before reading the fields, so a model that contains itself ends in a
        // cycle the validator names rather than in endless recursion here.
        let name = self.unique(&base);
        let index = self.objects.list.len();
        self.objects.seen.push((key.clone(), name.clone()));
        self.objects.list.push(Object {
            name: name.clone(),
            description: text(schema, "description"),
            fields: Vec::new(),
        });
        let required = required_list(schema);
        let mut fields = Vec::new();
        for (key, field) in properties {
            let place = format!("{place}.{key}");
            fields.push(self.field(key, field, required.contains(key), false, &place)?);
        }
        self.objects.list[index].fields = fields;
        // The other role's schema often repeats a model: one object when they are equal.
        let object = &self.objects.list[index];
        let twin = self.objects.list[..index]
            .iter()
            .find(|o| {
                o.name.starts_with(&base)
                    && o.fields == object.fields
                    && o.description == object.description
            })
            .map(|o| o.name.clone());
        if let Some(twin) = twin {
            self.objects.list.remove(index);
            for (k, n) in &mut self.objects.seen {
                if *k == key {
                    n.clone_from(&twin);
                }
            }
            return Ok(Ty::Object(twin));
        }
        Ok(Ty::Object(name))
    }

    /// `name`, or `name_2`, `name_3`... when an object already has it.
    fn unique(&self, name: &str) -> String {
        let taken = |n: &str| self.objects.list.iter().any(|o| o.name == n);
        if !taken(name) {
            return name.to_owned();
        }
        (2..)
            .map(|i| format!("{name}_{i}"))
            .find(|n| !taken(n))
            .unwrap_or_else(|| name.to_owned())
    }

    /// The field's examples in the spec's form (raw strings, JSON text else), keeping only
    /// those the field's type and pattern accept.
    fn examples(
        &mut self,
        field: &Field,
        outer: &Value,
        inner: &Value,
        place: &str,
    ) -> Vec<String> {
        let mut values = Vec::new();
        for schema in [outer, inner] {
            if let Some(list) = schema.get("examples").and_then(Value::as_array) {
                values.extend(list.iter().cloned());
            } else if let Some(one) = schema.get("examples").or_else(|| schema.get("example")) {
                values.push(one.clone());
            }
            if !values.is_empty() {
                break;
            }
        }
        let mut out = Vec::new();
        for value in values {
            match self.example(field, &value) {
                Some(text) if !out.contains(&text) => out.push(text),
                Some(_) => {}
                None => self.note(
                    place,
                    format!(
                        "example {} does not fit type {}: dropped",
                        shorten(&value.to_string()),
                        field.ty.spelling()
                    ),
                ),
            }
        }
        out
    }

    /// One example in the spec's form, if it fits the field.
    fn example(&self, field: &Field, value: &Value) -> Option<String> {
        if field.ty == Ty::String {
            let text = value.as_str()?;
            let fits = field
                .pattern
                .as_deref()
                .is_none_or(|p| regex_lite::Regex::new(p).is_ok_and(|re| re.is_match(text)));
            return fits.then(|| text.to_owned());
        }
        // pydantic schemas sometimes give a JSON value's example as its JSON text.
        let parsed;
        let value = match value.as_str() {
            Some(text) => {
                parsed = serde_json::from_str::<Value>(text).ok()?;
                &parsed
            }
            None => value,
        };
        self.fits(&field.ty, value).then(|| value.to_string())
    }

    /// Whether a JSON value has the shape of `ty` (objects: known keys typed, required keys
    /// present).
    fn fits(&self, ty: &Ty, value: &Value) -> bool {
        match ty {
            Ty::String => value.is_string(),
            Ty::Bool => value.is_boolean(),
            Ty::Int => value.is_i64() || value.is_u64(),
            Ty::Any => true,
            Ty::List(item) => value
                .as_array()
                .is_some_and(|items| items.iter().all(|v| self.fits(item, v))),
            Ty::Map(item) => value
                .as_object()
                .is_some_and(|map| map.values().all(|v| self.fits(item, v))),
            Ty::Object(name) => {
                let Some(object) = self.objects.list.iter().find(|o| &o.name == name) else {
                    return false;
                };
                let Some(map) = value.as_object() else {
                    return false;
                };
                object
                    .fields
                    .iter()
                    .all(|field| match map.get(&field.name) {
                        None | Some(Value::Null) => !field.required,
                        Some(v) => {
                            self.fits(&field.ty, v)
                                && field.pattern.as_deref().is_none_or(|p| {
                                    v.as_str().is_some_and(|s| {
                                        regex_lite::Regex::new(p).is_ok_and(|re| re.is_match(s))
                                    })
                                })
                        }
                    })
            }
        }
    }
}

/// `anyOf [T, {type: null}]` (or `type: [T, "null"]`) → (T, true); anything else → (it, false).
/// The outer schema's title, description and examples are read by the caller.
fn strip_null(schema: &Value) -> (&Value, bool) {
    if let Some(alternatives) = schema.get("anyOf").and_then(Value::as_array) {
        let non_null: Vec<&Value> = alternatives
            .iter()
            .filter(|a| a.get("type").and_then(Value::as_str) != Some("null"))
            .collect();
        if non_null.len() == 1 && alternatives.len() == 2 {
            return (non_null[0], true);
        }
    }
    (schema, false)
}

/// A string member of a schema.
fn text(schema: &Value, key: &str) -> Option<String> {
    schema
        .get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
}

/// At most 60 characters of a value, for notes (a peer's text is never echoed in full).
fn shorten(text: &str) -> String {
    if text.chars().count() <= 60 {
        return text.to_owned();
    }
    let cut: String = text.chars().take(57).collect();
    format!("{cut}...")
}
