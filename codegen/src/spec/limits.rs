//! Bounds on every YAML or JSON document the generator and the CLI read: specs (through
//! [`crate::Interface::load`], so the build.rs `Builder` too), databag dumps and secret files.
//!
//! serde_yaml caps how many aliases a document may use, not what they expand to: one
//! 5,000-item anchor referenced 20,000 times is a 70 KB file that deserializes into 10^8 nodes.
//! Deep nesting costs stack and, in the spec's [`Locator`](super::locate::Locator), memory. So
//! before anything builds a value, a walk over yaml-rust2's event stream (which builds nothing)
//! counts what the document would expand to: nodes and scalar bytes with every alias replaced
//! by its anchor's content, and nesting depth. An input over a limit gets one error naming the
//! limit and where it was crossed.

use std::collections::HashMap;
use std::fmt;

use yaml_rust2::parser::{Event, Parser};
use yaml_rust2::scanner::Marker;

use super::locate::Position;

/// How much of a document a reader accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// The input's size in bytes, as read.
    pub bytes: usize,
    /// YAML nodes (scalars, sequences, mappings) once every alias is expanded.
    pub nodes: u64,
    /// Bytes of scalar text once every alias is expanded.
    pub expanded_bytes: u64,
    /// Nesting depth of sequences and mappings.
    pub depth: usize,
}

impl Limits {
    /// An interface spec. The largest shipped spec is about 30 KB, 2,000 nodes and 9 levels
    /// deep; these leave two orders of magnitude of room.
    pub const SPEC: Limits = Limits {
        bytes: 4 << 20,
        nodes: 500_000,
        expanded_bytes: 16 << 20,
        depth: 64,
    };

    #[cfg(feature = "cli")]
    /// A databag dump or secret file given to the CLI. A `juju show-unit` output is kilobytes
    /// and nests 6 levels; these leave ample room while keeping what a file can make the CLI
    /// build small.
    pub const DUMP: Limits = Limits {
        bytes: 16 << 20,
        nodes: 1_000_000,
        expanded_bytes: 128 << 20,
        depth: 64,
    };
}

/// An input over one of its [`Limits`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Exceeded {
    /// Where the limit was crossed (1-based line and column), when known.
    pub position: Option<Position>,
    /// What was crossed, naming the limit.
    pub message: String,
}

impl fmt::Display for Exceeded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Exceeded {}

/// Refuses an input of `len` bytes over `limits.bytes`.
pub fn check_size(len: usize, limits: &Limits) -> Result<(), Exceeded> {
    if len > limits.bytes {
        return Err(Exceeded {
            position: None,
            message: format!(
                "the input is {len} bytes, over the limit of {} bytes",
                limits.bytes
            ),
        });
    }
    Ok(())
}

/// Reads at most `limits.bytes` (plus one, to tell) from `reader`: a larger input is refused
/// without being held in memory.
pub fn read_bounded(reader: impl std::io::Read, limits: &Limits) -> std::io::Result<Vec<u8>> {
    use std::io::Read as _;
    let mut bytes = Vec::new();
    reader
        .take(limits.bytes as u64 + 1)
        .read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// Checks `text`'s size and what its YAML expands to against `limits`, building nothing. A
/// syntax error is left for the deserializer to report in its own words (it stops there too).
pub fn check_yaml(text: &str, limits: &Limits) -> Result<(), Exceeded> {
    check_size(text.len(), limits)?;
    let mut counter = Counter {
        limits,
        anchors: HashMap::new(),
        open: Vec::new(),
        nodes: 0,
        bytes: 0,
    };
    let mut parser = Parser::new_from_str(text);
    loop {
        let (event, mark) = match parser.next_token() {
            Ok(next) => next,
            Err(_) => return Ok(()),
        };
        if matches!(event, Event::StreamEnd) {
            return Ok(());
        }
        counter.on(event, mark)?;
    }
}

#[cfg(feature = "cli")]
/// Checks the size and node count of JSON `text` (one value or several in a row) against
/// `limits`, building nothing; serde_json's own recursion limit (128) bounds its depth. Invalid
/// JSON is left for the parser to report.
pub fn check_json(text: &str, limits: &Limits) -> Result<(), Exceeded> {
    check_size(text.len(), limits)?;
    let mut total: u64 = 0;
    let over = || Exceeded {
        position: None,
        message: format!("more than the limit of {} JSON values", limits.nodes),
    };
    for count in serde_json::Deserializer::from_str(text).into_iter::<JsonNodes>() {
        match count {
            Ok(JsonNodes(nodes)) => {
                total = total.saturating_add(nodes);
                if total > limits.nodes {
                    return Err(over());
                }
            }
            Err(error) if error.to_string().starts_with(OVER_JSON_LIMIT) => return Err(over()),
            Err(_) => return Ok(()),
        }
    }
    Ok(())
}

#[cfg(feature = "cli")]
/// How many values one JSON value holds (itself included), counted without building them.
/// A collection holding more than [`Limits::DUMP`]'s nodes stops the count early.
struct JsonNodes(u64);

#[cfg(feature = "cli")]
const OVER_JSON_LIMIT: &str = "over the JSON value limit";

#[cfg(feature = "cli")]
impl<'de> serde::Deserialize<'de> for JsonNodes {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(JsonNodesVisitor)
    }
}

#[cfg(feature = "cli")]
struct JsonNodesVisitor;

#[cfg(feature = "cli")]
impl<'de> serde::de::Visitor<'de> for JsonNodesVisitor {
    type Value = JsonNodes;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<JsonNodes, E> {
        Ok(JsonNodes(1))
    }
    fn visit_i64<E>(self, _: i64) -> Result<JsonNodes, E> {
        Ok(JsonNodes(1))
    }
    fn visit_u64<E>(self, _: u64) -> Result<JsonNodes, E> {
        Ok(JsonNodes(1))
    }
    fn visit_f64<E>(self, _: f64) -> Result<JsonNodes, E> {
        Ok(JsonNodes(1))
    }
    fn visit_str<E>(self, _: &str) -> Result<JsonNodes, E> {
        Ok(JsonNodes(1))
    }
    fn visit_unit<E>(self) -> Result<JsonNodes, E> {
        Ok(JsonNodes(1))
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<JsonNodes, A::Error> {
        let mut nodes: u64 = 1;
        while let Some(JsonNodes(item)) = seq.next_element()? {
            nodes = nodes.saturating_add(item);
            if nodes > Limits::DUMP.nodes {
                return Err(serde::de::Error::custom(OVER_JSON_LIMIT));
            }
        }
        Ok(JsonNodes(nodes))
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<JsonNodes, A::Error> {
        let mut nodes: u64 = 1;
        while let Some((JsonNodes(key), JsonNodes(value))) = map.next_entry()? {
            nodes = nodes.saturating_add(key).saturating_add(value);
            if nodes > Limits::DUMP.nodes {
                return Err(serde::de::Error::custom(OVER_JSON_LIMIT));
            }
        }
        Ok(JsonNodes(nodes))
    }
}

/// What an anchored node expands to.
#[derive(Clone, Copy, Default)]
struct Extent {
    nodes: u64,
    bytes: u64,
    /// Levels of collections inside, counting itself (0 for a scalar).
    depth: usize,
}

/// An open sequence or mapping.
struct Open {
    anchor: usize,
    nodes_before: u64,
    bytes_before: u64,
    /// Deepest level reached inside, counting itself.
    depth: usize,
}

struct Counter<'a> {
    limits: &'a Limits,
    anchors: HashMap<usize, Extent>,
    open: Vec<Open>,
    nodes: u64,
    bytes: u64,
}

impl Counter<'_> {
    fn on(&mut self, event: Event, mark: Marker) -> Result<(), Exceeded> {
        match event {
            Event::Scalar(value, _, anchor, _) => {
                let extent = Extent {
                    nodes: 1,
                    bytes: value.len() as u64,
                    depth: 0,
                };
                if anchor > 0 {
                    self.anchors.insert(anchor, extent);
                }
                self.add(extent, mark)
            }
            Event::Alias(anchor) => {
                // An unknown anchor is the deserializer's error to report.
                let extent = self.anchors.get(&anchor).copied().unwrap_or_default();
                self.add(extent, mark)
            }
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, ..) => {
                self.add(
                    Extent {
                        nodes: 1,
                        bytes: 0,
                        depth: 1,
                    },
                    mark,
                )?;
                self.open.push(Open {
                    anchor,
                    nodes_before: self.nodes - 1,
                    bytes_before: self.bytes,
                    depth: 1,
                });
                Ok(())
            }
            Event::SequenceEnd | Event::MappingEnd => {
                if let Some(closed) = self.open.pop() {
                    let extent = Extent {
                        nodes: self.nodes - closed.nodes_before,
                        bytes: self.bytes - closed.bytes_before,
                        depth: closed.depth,
                    };
                    if closed.anchor > 0 {
                        self.anchors.insert(closed.anchor, extent);
                    }
                    if let Some(parent) = self.open.last_mut() {
                        parent.depth = parent.depth.max(closed.depth + 1);
                    }
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }

    /// Adds a node (or an alias's expansion) at the current level.
    fn add(&mut self, extent: Extent, mark: Marker) -> Result<(), Exceeded> {
        let at = Some((mark.line(), mark.col() + 1));
        let depth = self.open.len() + extent.depth;
        if depth > self.limits.depth {
            return Err(Exceeded {
                position: at,
                message: format!(
                    "nesting deeper than the limit of {} levels",
                    self.limits.depth
                ),
            });
        }
        if let Some(parent) = self.open.last_mut() {
            parent.depth = parent.depth.max(extent.depth + 1);
        }
        self.nodes = self.nodes.saturating_add(extent.nodes);
        self.bytes = self.bytes.saturating_add(extent.bytes);
        if self.nodes > self.limits.nodes {
            return Err(Exceeded {
                position: at,
                message: format!(
                    "more than the limit of {} YAML nodes (aliases expanded)",
                    self.limits.nodes
                ),
            });
        }
        if self.bytes > self.limits.expanded_bytes {
            return Err(Exceeded {
                position: at,
                message: format!(
                    "more than the limit of {} bytes of text (aliases expanded)",
                    self.limits.expanded_bytes
                ),
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMALL: Limits = Limits {
        bytes: 10_000,
        nodes: 100,
        expanded_bytes: 1_000,
        depth: 4,
    };

    #[test]
    fn ordinary_documents_pass() {
        assert_eq!(check_yaml("a: [1, 2]\nb: {c: d}\n", &SMALL), Ok(()));
        // A syntax error is the deserializer's to report.
        assert_eq!(check_yaml("a: [\n", &SMALL), Ok(()));
    }

    #[test]
    fn aliases_count_what_they_expand_to() {
        let items: String = (0..10).map(|i| format!("  - {i}\n")).collect();
        let refs: String = (0..20).map(|i| format!("  k{i}: *a\n")).collect();
        let text = format!("anchor: &a\n{items}refs:\n{refs}");
        let error = check_yaml(&text, &SMALL).expect_err("10 x 20 nodes");
        assert_eq!(
            error.message,
            "more than the limit of 100 YAML nodes (aliases expanded)"
        );
        assert!(error.position.is_some_and(|(line, _)| line > 12));
    }

    #[test]
    fn scalar_text_expanded_by_aliases_is_bounded() {
        let text = format!(
            "a: &a {}\nb: [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n",
            "x".repeat(100)
        );
        let error = check_yaml(&text, &SMALL).expect_err("1.1 KB of text");
        assert!(error.message.contains("1000 bytes of text"), "{error}");
    }

    #[test]
    fn depth_counts_nested_collections_and_aliased_ones() {
        assert_eq!(check_yaml("[[[[x]]]]", &SMALL), Ok(()));
        let error = check_yaml("[[[[[x]]]]]", &SMALL).expect_err("5 deep");
        assert_eq!(error.message, "nesting deeper than the limit of 4 levels");
        assert_eq!(error.position, Some((1, 5)));
        // Block sequences too, and an alias adds its anchor's depth where it is used.
        assert!(check_yaml("- - - - - x\n", &SMALL).is_err());
        assert!(check_yaml("a: &a [[x]]\nb: [[*a]]\n", &SMALL).is_err());
        assert_eq!(check_yaml("a: &a [[x]]\nb: [*a]\n", &SMALL), Ok(()));
    }

    #[test]
    #[cfg(feature = "cli")]
    fn json_values_are_counted_without_being_built() {
        assert_eq!(check_json("{\"a\": [1, 2, {\"b\": null}]}", &SMALL), Ok(()));
        let many = format!("[{}]", vec!["0"; 100].join(","));
        let error = check_json(&many, &SMALL).expect_err("101 values");
        assert_eq!(error.message, "more than the limit of 100 JSON values");
        // Several values in a row count together; invalid JSON is the parser's to report.
        let half = format!("[{}]", vec!["0"; 60].join(","));
        assert!(check_json(&format!("{half}\n{half}"), &SMALL).is_err());
        assert_eq!(check_json("[1, 2", &SMALL), Ok(()));
        // One collection past the dump limit stops the count early.
        let huge = format!("[{}]", vec!["0"; 1_000_001].join(","));
        assert!(check_json(&huge, &Limits::DUMP).is_err());
    }

    #[test]
    fn size_is_checked_first() {
        let error = check_yaml(&"#".repeat(10_001), &SMALL).expect_err("too big");
        assert_eq!(
            error.message,
            "the input is 10001 bytes, over the limit of 10000 bytes"
        );
        let read = read_bounded(&[b'x'; 20_000][..], &SMALL).expect("read");
        assert_eq!(read.len(), 10_001);
    }
}
