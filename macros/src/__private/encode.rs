//! The fast path of encoding: the typed struct straight into databag text, in the reference
//! library's `json.dumps` style, with secret fields routed into slots on the way and no
//! `serde_json::Value` tree in between.
//!
//! As with decoding (`fast`), it is an accelerator of the checked path
//! (`__to_object` → `split_object` → `set_uri` → `object_into_bag`): it writes exactly the bytes
//! that path writes, or declines before any secret has been routed, and
//! [`Databag::to_bag_routed`](crate::Databag::to_bag_routed) then takes the checked path.
//! `tests/tests/fast_path.rs` holds the two to that on arbitrary values.

use std::borrow::Cow;

use serde_json::{Map, Value};

use super::{Fallback, WireValue};
use crate::Bag;
use crate::error::{Error, Path, Segment};
use crate::secret::{SecretContent, SecretSlot, SecretUri};
use crate::wire::python::{write_string, write_value};

/// One step of the path to the object being written; field names are static, so the common
/// case allocates nothing until a secret slot needs its path.
enum Step {
    Key(&'static str),
    Owned(String),
    Index(usize),
}

/// Where a secret URI goes once its slot has been routed: a byte offset in one databag value.
struct Mark {
    offset: usize,
    slot: usize,
    /// Inside JSON (a quoted string) rather than a plain databag value.
    quoted: bool,
}

/// One databag key with its text and the URIs still to be put into it.
struct Entry {
    key: Cow<'static, str>,
    text: String,
    marks: Vec<Mark>,
}

/// The state of one fast encoding: the path of the object being written, the secret slots
/// found so far (in the checked path's order), and the databag entries written.
#[derive(Default)]
pub struct Encoder {
    path: Vec<Step>,
    slots: Vec<SecretSlot>,
    marks: Vec<Mark>,
    entries: Vec<Entry>,
}

impl Encoder {
    /// An empty encoding.
    pub fn new() -> Self {
        Encoder::default()
    }

    /// Descends into the field `key`.
    pub fn enter(&mut self, key: &'static str) {
        self.path.push(Step::Key(key));
    }

    /// Descends into the map entry `key`.
    pub fn enter_entry(&mut self, key: &str) {
        self.path.push(Step::Owned(key.to_owned()));
    }

    /// Descends into the list item `index`.
    pub fn enter_index(&mut self, index: usize) {
        self.path.push(Step::Index(index));
    }

    /// Returns from the last descent.
    pub fn leave(&mut self) {
        self.path.pop();
    }

    /// The number of slots so far: an object's own slots start there.
    pub fn slot_count(&self) -> usize {
        self.slots.len()
    }

    /// Adds `name: text` to the current object's slot of `group` (its slots start at
    /// `first`), opening the slot on the group's first field.
    pub fn secret(&mut self, first: usize, group: &str, name: &str, text: String) {
        match self.slots[first..].iter_mut().find(|s| s.group == group) {
            Some(slot) => {
                slot.content.insert(name.to_owned(), text);
            }
            None => {
                let path = Path::from_segments(
                    self.path
                        .iter()
                        .map(|step| match step {
                            Step::Key(key) => Segment::Key((*key).to_owned()),
                            Step::Owned(key) => Segment::Key(key.clone()),
                            Step::Index(index) => Segment::Index(*index),
                        })
                        .collect(),
                );
                self.slots.push(SecretSlot {
                    path,
                    group: group.to_owned(),
                    content: SecretContent::from([(name.to_owned(), text)]),
                });
            }
        }
    }

    /// The current object's slot of `group`, if it has one.
    pub fn own_slot(&self, first: usize, group: &str) -> Option<usize> {
        self.slots[first..]
            .iter()
            .position(|s| s.group == group)
            .map(|index| first + index)
    }

    /// Leaves room at the end of `out` (JSON being written) for the URI of `slot`.
    pub fn mark(&mut self, out: &str, slot: usize) {
        self.marks.push(Mark {
            offset: out.len(),
            slot,
            quoted: true,
        });
    }

    /// A databag key whose value is the URI of `slot`.
    pub fn bag_uri(&mut self, key: &'static str, slot: usize) {
        self.entries.push(Entry {
            key: Cow::Borrowed(key),
            text: String::new(),
            marks: vec![Mark {
                offset: 0,
                slot,
                quoted: false,
            }],
        });
    }

    /// A databag key with `value`: skipped when absent or `null`, plain text for plain types
    /// unless `json`, else JSON.
    pub fn bag_value<T: WireValue>(
        &mut self,
        key: &'static str,
        json: bool,
        value: &T,
    ) -> Result<(), Fallback> {
        if value.is_absent() || value.is_null() {
            return Ok(());
        }
        let mut text = String::new();
        self.enter(key);
        if json || !T::PLAIN {
            value.write_json(&mut text, self)?;
        } else {
            value.write_plain(&mut text)?;
        }
        self.leave();
        let marks = std::mem::take(&mut self.marks);
        self.entries.push(Entry {
            key: Cow::Borrowed(key),
            text,
            marks,
        });
        Ok(())
    }

    /// The databag keys of a `flatten` field: strings raw, `null` skipped, the rest JSON.
    pub fn bag_unknown(&mut self, unknown: &Map<String, Value>) {
        for (key, value) in unknown {
            let text = match value {
                Value::Null => continue,
                Value::String(text) => text.clone(),
                other => {
                    let mut text = String::new();
                    write_value(&mut text, other);
                    text
                }
            };
            self.entries.push(Entry {
                key: Cow::Owned(key.clone()),
                text,
                marks: Vec::new(),
            });
        }
    }

    /// The slots found, to route or to refuse.
    pub fn slots(&self) -> &[SecretSlot] {
        &self.slots
    }

    /// Routes every slot through `route`, in order, and returns the databag with the URIs in
    /// place.
    pub fn finish(
        self,
        route: &mut dyn FnMut(&SecretSlot) -> Result<SecretUri, Error>,
    ) -> Result<Bag, Error> {
        let uris = self
            .slots
            .iter()
            .map(route)
            .collect::<Result<Vec<_>, _>>()?;
        let mut bag = Bag::new();
        for entry in self.entries {
            let text = if entry.marks.is_empty() {
                entry.text
            } else {
                let mut text = String::with_capacity(entry.text.len() + 64 * entry.marks.len());
                let mut from = 0;
                for mark in &entry.marks {
                    text.push_str(&entry.text[from..mark.offset]);
                    let uri = uris[mark.slot].as_str();
                    if mark.quoted {
                        write_string(&mut text, uri);
                    } else {
                        text.push_str(uri);
                    }
                    from = mark.offset;
                }
                text.push_str(&entry.text[from..]);
                text
            };
            bag.insert(entry.key.into_owned(), text);
        }
        Ok(bag)
    }
}

/// `, ` between entries, then `"key": `.
pub fn write_key(out: &mut String, separate: &mut bool, key: &str) {
    if *separate {
        out.push_str(", ");
    }
    *separate = true;
    write_string(out, key);
    out.push_str(": ");
}

/// The keys of a `flatten` field inside a JSON object, in their order.
pub fn write_unknown(out: &mut String, separate: &mut bool, unknown: &Map<String, Value>) {
    for (key, value) in unknown {
        write_key(out, separate, key);
        write_value(out, value);
    }
}

/// Declines when an unknown key is spelled like a declared field: the checked path gives such
/// a key the field's meaning (a secret, an alias), which this path does not reproduce.
pub fn check_unknown(unknown: &Map<String, Value>, known: &[&str]) -> Result<(), Fallback> {
    if unknown.is_empty() || !known.iter().any(|key| unknown.contains_key(*key)) {
        Ok(())
    } else {
        Err(Fallback)
    }
}

/// The text a secret field's value takes in its secret's content (strings raw, the rest
/// JSON); `None` when there is no value (no slot).
pub fn content_text<T: WireValue>(value: &T) -> Result<Option<String>, Fallback> {
    if value.is_absent() || value.is_null() {
        return Ok(None);
    }
    let mut text = String::new();
    if T::PLAIN {
        value.write_plain(&mut text)?;
    } else {
        let mut inner = Encoder::new();
        value.write_json(&mut text, &mut inner)?;
        if !inner.slots.is_empty() {
            return Err(Fallback);
        }
    }
    Ok(Some(text))
}

/// A JSON list: absent items as `null`, as the checked path's `to_value` writes them.
pub(crate) fn write_list<T: WireValue>(
    out: &mut String,
    items: &[T],
    enc: &mut Encoder,
) -> Result<(), Fallback> {
    out.push('[');
    for (index, item) in items.iter().enumerate() {
        if index > 0 {
            out.push_str(", ");
        }
        if item.is_absent() {
            out.push_str("null");
        } else {
            enc.enter_index(index);
            item.write_json(out, enc)?;
            enc.leave();
        }
    }
    out.push(']');
    Ok(())
}

/// A JSON object of `T` values, in key order.
pub(crate) fn write_map<T: WireValue>(
    out: &mut String,
    entries: &std::collections::BTreeMap<String, T>,
    enc: &mut Encoder,
) -> Result<(), Fallback> {
    out.push('{');
    let mut separate = false;
    for (key, item) in entries {
        write_key(out, &mut separate, key);
        if item.is_absent() {
            out.push_str("null");
        } else {
            enc.enter_entry(key);
            item.write_json(out, enc)?;
            enc.leave();
        }
    }
    out.push('}');
    Ok(())
}
