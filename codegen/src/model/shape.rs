//! Model → runtime shapes: the [`databag::Shape`] a spec object stands for.
//!
//! The shapes built here must equal what `#[derive(Databag)]` builds from the generated Rust
//! (same names, docs, kinds, required flags), so that the CLI's `validate` and `resolve` apply the
//! typed bindings' rules and `T::json_schema()` equals the committed schema. The emitter and this
//! module share [`doc_lines`] for that reason: a description goes through the same normalization
//! on both paths.

use std::sync::Arc;

use databag::{Kind, Selector, Shape, Variant, Versions};

use super::{Field, Interface, Object, RoleKind, Type};

/// The lines of a description as they are written into doc comments: trailing whitespace of
/// each line and leading/trailing empty lines removed. The derive joins doc lines with `\n`, so
/// `doc_lines(d).join("\n")` is what a shape's description becomes.
pub fn doc_lines(text: &str) -> Vec<String> {
    let mut lines: Vec<String> = text.lines().map(|l| l.trim_end().to_owned()).collect();
    while lines.last().is_some_and(String::is_empty) {
        lines.pop();
    }
    let leading = lines.iter().take_while(|l| l.is_empty()).count();
    lines.drain(..leading);
    lines
}

/// A description as the derive records it from the doc comments the emitter writes.
fn description(text: Option<&str>) -> Option<String> {
    let lines = doc_lines(text?);
    (!lines.is_empty()).then(|| lines.join("\n"))
}

impl Interface {
    /// The runtime shape of `object`, nested objects resolved recursively to
    /// [`Kind::Object`].
    ///
    /// An object type naming no declared object (which validation rules out) becomes
    /// [`Kind::Any`] rather than a panic.
    pub fn shape(&self, object: &Object) -> Arc<Shape> {
        self.shape_at_depth(object, 0)
    }

    // Depth guards against a cyclic object graph (`a` containing `list<a>`), which validation
    // should reject but which must not overflow the stack here.
    fn shape_at_depth(&self, object: &Object, depth: usize) -> Arc<Shape> {
        Arc::new(Shape {
            name: object.rust_name.clone(),
            title: None,
            description: description(object.description.as_deref()),
            fields: object.fields.iter().map(|f| self.field(f, depth)).collect(),
            keeps_unknown: object.keeps_unknown,
        })
    }

    fn field(&self, field: &Field, depth: usize) -> databag::Field {
        databag::Field {
            name: field.name.clone(),
            aliases: field.aliases.clone(),
            kind: self.kind(&field.ty, depth),
            // A secret field is `Option<Secret<T>>` in Rust whatever the spec says.
            required: field.required && field.secret.is_none(),
            // JSON text in a databag: declared on a string, implied by a type without a plain
            // form at any depth (inside an object it changes nothing), as the derive records it.
            json: field.json
                || matches!(
                    field.ty,
                    Type::List(_) | Type::Map(_) | Type::Object(_) | Type::Any
                ),
            secret: field.secret.clone(),
            secret_uri: field.secret_uri.clone(),
            constant: field.constant.clone(),
            pattern: field.pattern.clone(),
            title: field.title.clone(),
            description: description(field.description.as_deref()),
            examples: field.examples.clone(),
        }
    }

    fn kind(&self, ty: &Type, depth: usize) -> Kind {
        match ty {
            Type::String => Kind::String,
            Type::Bool => Kind::Bool,
            Type::Int => Kind::Integer,
            Type::SecretUri => Kind::SecretUri,
            Type::Any => Kind::Any,
            Type::List(item) => Kind::List(Box::new(self.kind(item, depth))),
            Type::Map(item) => Kind::Map(Box::new(self.kind(item, depth))),
            Type::Object(name) => match self.object(name) {
                Some(object) if depth < 32 => Kind::Object(self.shape_at_depth(object, depth + 1)),
                _ => Kind::Any,
            },
        }
    }

    /// The wire versions of a role's application databag, as the derive builds them for the
    /// role's generated enum. `None` when the spec declares no such role, or no version key.
    pub fn versions(&self, role: RoleKind) -> Option<Versions> {
        let role = self.role(role)?;
        let tag = self.version_key.clone()?;
        let variants = role
            .versions
            .iter()
            .map(|version| Variant {
                name: variant_tag(&version.name, &version.selector),
                selector: version.selector.clone(),
                shape: self.shape(&version.app),
            })
            .collect();
        Some(Versions { tag, variants })
    }
}

/// The tag value the derive records as a variant's name: the selector's value, or (for
/// `other`) the variant ident lowercased, which is the version name.
pub(crate) fn variant_tag(version: &str, selector: &Selector) -> String {
    match selector {
        Selector::Value(value) | Selector::ValueOrAbsent(value) => value.clone(),
        Selector::Other => version.to_lowercase(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::test_support::valkey;

    #[test]
    fn doc_lines_trim_like_the_derive() {
        assert_eq!(doc_lines("a  \n\nb\n\n"), ["a", "", "b"]);
        assert_eq!(doc_lines("\n\n x"), [" x"]);
        assert!(doc_lines("  \n").is_empty());
    }

    #[test]
    fn response_shape_resolves_fields_and_secrets() {
        let interface = valkey();
        let response = interface.object("response").expect("response");
        let shape = interface.shape(response);
        assert_eq!(shape.name, "Response");
        assert!(shape.keeps_unknown);
        let username = shape.field("username").expect("username");
        assert_eq!(username.secret.as_deref(), Some("user"));
        assert!(!username.required);
        let sentinel = shape.field("sentinel_endpoints").expect("alias lookup");
        assert_eq!(sentinel.name, "sentinel-endpoints");
        assert!(shape.field("request-id").expect("request-id").required);
        assert_eq!(
            shape.secret_groups(),
            [
                (
                    "user".to_owned(),
                    vec!["username".to_owned(), "password".to_owned()]
                ),
                (
                    "tls".to_owned(),
                    vec!["tls".to_owned(), "tls-ca".to_owned()]
                ),
            ]
        );
    }

    #[test]
    fn nested_objects_become_object_kinds() {
        let interface = valkey();
        let versions = interface.versions(RoleKind::Provider).expect("provider");
        assert_eq!(versions.tag, "version");
        let v1 = &versions.variants[1];
        assert_eq!(v1.name, "v1");
        let requests = v1.shape.field("requests").expect("requests");
        match &requests.kind {
            Kind::List(item) => match item.as_ref() {
                Kind::Object(shape) => assert_eq!(shape.name, "Response"),
                other => panic!("expected an object, got {other:?}"),
            },
            other => panic!("expected a list, got {other:?}"),
        }
        assert_eq!(versions.variants[0].selector, Selector::Other);
        assert_eq!(versions.variants[0].name, "v0");
    }

    #[test]
    fn undeclared_role_has_no_versions() {
        let mut interface = valkey();
        interface.roles.retain(|r| r.kind == RoleKind::Requirer);
        assert!(interface.versions(RoleKind::Provider).is_none());
    }
}
