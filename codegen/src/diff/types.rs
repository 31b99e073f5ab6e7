//! How the values one type admits relate to another's.

use crate::model::Type;

/// The values the new type admits, against the old type's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Relation {
    /// The same values (objects are compared key by key elsewhere).
    Same,
    /// Fewer values: new readers refuse some values old writers write.
    Narrower,
    /// More values: new writers may write values old readers refuse.
    Wider,
    /// Different values.
    Other,
}

/// Compares `old` with `new`. `flat` is a raw string value (a databag value that is not
/// JSON-encoded, or a secret's content), where `int` and `bool` are strings of a certain form;
/// inside JSON they are their own JSON types.
pub(super) fn relation(old: &Type, new: &Type, flat: bool) -> Relation {
    use Type::{Any, Bool, Int, List, Map, Object, SecretUri, String};
    match (old, new) {
        (Object(_), Object(_)) => Relation::Same,
        (List(a), List(b)) | (Map(a), Map(b)) => relation(a, b, false),
        (a, b) if a == b => Relation::Same,
        (_, Any) => Relation::Wider,
        (Any, _) => Relation::Narrower,
        (SecretUri, String) => Relation::Wider,
        (String, SecretUri) => Relation::Narrower,
        (Int | Bool, String) if flat => Relation::Wider,
        (String, Int | Bool) if flat => Relation::Narrower,
        _ => Relation::Other,
    }
}

/// When both types hold objects in the same containers (`list<request>`, `map<status>`), the
/// two object names and the path suffix of one item (`[]`, `{}`, `[][]`).
pub(super) fn object_items<'a>(old: &'a Type, new: &'a Type) -> Option<(&'a str, &'a str, String)> {
    match (old, new) {
        (Type::Object(a), Type::Object(b)) => Some((a, b, String::new())),
        (Type::List(a), Type::List(b)) => {
            object_items(a, b).map(|(a, b, suffix)| (a, b, format!("[]{suffix}")))
        }
        (Type::Map(a), Type::Map(b)) => {
            object_items(a, b).map(|(a, b, suffix)| (a, b, format!("{{}}{suffix}")))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(item: Type) -> Type {
        Type::List(Box::new(item))
    }

    #[test]
    fn strings_contain_their_special_forms() {
        assert_eq!(
            relation(&Type::SecretUri, &Type::String, false),
            Relation::Wider
        );
        assert_eq!(
            relation(&Type::String, &Type::SecretUri, true),
            Relation::Narrower
        );
        assert_eq!(relation(&Type::Int, &Type::String, true), Relation::Wider);
        // In JSON, 4001 and "4001" are different values.
        assert_eq!(relation(&Type::Int, &Type::String, false), Relation::Other);
        assert_eq!(relation(&Type::Int, &Type::Bool, true), Relation::Other);
    }

    #[test]
    fn containers_compare_their_items_as_json() {
        assert_eq!(
            relation(&list(Type::String), &list(Type::Any), true),
            Relation::Wider
        );
        assert_eq!(
            relation(&list(Type::Int), &list(Type::String), true),
            Relation::Other
        );
        assert_eq!(
            relation(&list(Type::String), &Type::String, true),
            Relation::Other
        );
        assert_eq!(
            relation(&Type::Object("a".into()), &Type::Object("b".into()), false),
            Relation::Same
        );
    }

    #[test]
    fn object_items_follow_matching_containers() {
        let old = list(Type::Object("request".into()));
        let new = list(Type::Object("req".into()));
        assert_eq!(
            object_items(&old, &new),
            Some(("request", "req", "[]".to_owned()))
        );
        assert_eq!(object_items(&old, &Type::Object("req".into())), None);
    }
}
