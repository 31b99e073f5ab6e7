//! The databag encoding of the reference library: strings raw, everything else JSON in
//! Python's `json.dumps` style; `null` means absent.

use serde_json::Value;

use crate::error::{Error, Path};
use crate::shape::Shape;
use crate::{Bag, Object};

/// `json.dumps(value)` with Python's defaults: separators `", "` and `": "`, non-ASCII as
/// `\uXXXX` (surrogate pairs above the BMP), keys in the object's order.
pub fn python_json(value: &Value) -> String {
    todo!("{value}")
}

/// Encodes an object as a databag: `null` → key absent, strings raw, anything else
/// [`python_json`].
pub fn object_to_bag(shape: &Shape, object: &Object) -> Bag {
    todo!("{} {}", shape.name, object.len())
}

/// Decodes a databag into an object following `shape`: JSON-encoded fields parsed, booleans
/// from `"true"`/`"false"`, integers parsed, strings raw; aliases renamed to the field's wire
/// name; unknown keys kept as strings when the shape keeps them.
pub fn bag_to_object(shape: &Shape, bag: &Bag, path: &Path) -> Result<Object, Error> {
    todo!("{} {} {path}", shape.name, bag.len())
}
