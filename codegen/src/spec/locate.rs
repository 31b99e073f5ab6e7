//! Positions of spec nodes: the YAML analogue of spans. serde_yaml keeps no positions for
//! values, so a marked event parser (yaml-rust2) indexes every node by its spec path
//! (`roles.provider.versions.v1.app.fields[3].secret`).
//!
//! The index is a tree: each node keeps only its own segment (a key or a list index) and its
//! parent, so memory grows with the file, not with the file times its depth (a full path string
//! per node cost a 40 KB deeply nested spec 1.27 GB). A path is resolved segment by segment.

use std::collections::HashMap;

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::Marker;

/// A 1-based line and column.
pub(crate) type Position = (usize, usize);

/// One step of a spec path.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Segment {
    Key(Box<str>),
    Index(usize),
}

/// The root node's id.
const ROOT: usize = 0;

/// One indexed node: where its value starts and where the key naming it stands.
#[derive(Debug, Default)]
struct Node {
    value: Option<Position>,
    key: Option<Position>,
}

/// Where each node of one spec file starts, and where the key naming it stands.
#[derive(Debug)]
pub(crate) struct Locator {
    nodes: Vec<Node>,
    /// (parent, segment) → child. A repeated key maps to its last occurrence.
    children: HashMap<(usize, Segment), usize>,
}

impl Default for Locator {
    fn default() -> Self {
        Locator {
            nodes: vec![Node::default()],
            children: HashMap::new(),
        }
    }
}

impl Locator {
    /// Indexes `text`. A file that does not parse yields an empty index (serde_yaml reports
    /// the syntax error with its own position).
    pub(crate) fn new(text: &str) -> Self {
        let mut builder = Builder::default();
        let mut parser = Parser::new_from_str(text);
        if parser.load(&mut builder, false).is_err() {
            return Locator::default();
        }
        builder.locator
    }

    /// Position of the value at `path`, falling back to its closest indexed ancestor.
    pub(crate) fn value(&self, path: &str) -> Position {
        let mut found = self.nodes[ROOT].value.unwrap_or((1, 1));
        self.walk(path, |node| {
            if let Some(position) = node.value {
                found = position;
            }
        });
        found
    }

    /// Position of the key naming the node at `path` (the value's, for list items).
    pub(crate) fn key(&self, path: &str) -> Position {
        self.exact_key(path).unwrap_or_else(|| self.value(path))
    }

    /// Position of the key at exactly `path`, if the file has it.
    pub(crate) fn exact_key(&self, path: &str) -> Option<Position> {
        let mut last = None;
        let whole = self.walk(path, |node| last = Some(node));
        if whole {
            last.and_then(|node| node.key)
        } else {
            None
        }
    }

    /// Follows `path` from the root, calling `visit` on each node reached; whether all of it
    /// was found. A key may itself contain `.` or `[` (`profiles."1.0.2"`): at each step the
    /// shortest spelling that names a child wins.
    fn walk<'a>(&'a self, path: &str, mut visit: impl FnMut(&'a Node)) -> bool {
        let mut node = ROOT;
        let mut rest = path;
        while !rest.is_empty() {
            let step = if let Some(after) = rest.strip_prefix('[') {
                let Some((index, tail)) = after.split_once(']') else {
                    return false;
                };
                index
                    .parse()
                    .ok()
                    .and_then(|i| self.children.get(&(node, Segment::Index(i))))
                    .map(|&child| (child, tail))
            } else {
                let rest_key = rest.strip_prefix('.').unwrap_or(rest);
                rest_key
                    .char_indices()
                    .filter(|&(_, c)| c == '.' || c == '[')
                    .map(|(at, _)| at)
                    .chain([rest_key.len()])
                    .find_map(|end| {
                        let key = Segment::Key(rest_key[..end].into());
                        self.children
                            .get(&(node, key))
                            .map(|&child| (child, &rest_key[end..]))
                    })
            };
            let Some((child, tail)) = step else {
                return false;
            };
            node = child;
            visit(&self.nodes[node]);
            rest = tail;
        }
        true
    }

    /// A new node under `parent` at `segment` (replacing an earlier one with the same key).
    fn add(&mut self, parent: usize, segment: Segment) -> usize {
        let id = self.nodes.len();
        self.nodes.push(Node::default());
        self.children.insert((parent, segment), id);
        id
    }
}

/// One open collection while walking the event stream.
enum Frame {
    /// A mapping: its node, the key just read (waiting for its value) with its position, and
    /// whether a key was read yet.
    Mapping {
        node: usize,
        key: Option<(Box<str>, Position)>,
        seen_key: bool,
    },
    /// A sequence: its node and the index of the next item.
    Sequence { node: usize, next: usize },
}

#[derive(Default)]
struct Builder {
    locator: Locator,
    stack: Vec<Frame>,
}

fn position(mark: Marker) -> Position {
    (mark.line(), mark.col() + 1)
}

impl Builder {
    /// The node of a value starting now; `None` when it is a mapping key.
    fn next_node(&mut self, mark: Marker, scalar: Option<&str>) -> Option<usize> {
        let (parent, segment, key_position) = match self.stack.last_mut() {
            None => return Some(ROOT),
            Some(Frame::Sequence { node, next }) => {
                let item = Segment::Index(*next);
                *next += 1;
                (*node, item, None)
            }
            Some(Frame::Mapping {
                node,
                key,
                seen_key,
            }) => match key.take() {
                Some((k, at)) => (*node, Segment::Key(k), Some(at)),
                None => {
                    // yaml-rust2 marks a block mapping's start after its first key's colon
                    // (a flow mapping's at its `{`): the mapping starts at whichever is first.
                    if !*seen_key {
                        *seen_key = true;
                        let mapping = &mut self.locator.nodes[*node];
                        let start = mapping.value.get_or_insert((1, 1));
                        *start = (*start).min(position(mark));
                    }
                    *key = Some((scalar.unwrap_or_default().into(), position(mark)));
                    return None;
                }
            },
        };
        let id = self.locator.add(parent, segment);
        self.locator.nodes[id].key = key_position;
        Some(id)
    }
}

impl MarkedEventReceiver for Builder {
    fn on_event(&mut self, event: Event, mark: Marker) {
        match event {
            Event::Scalar(value, ..) => {
                if let Some(node) = self.next_node(mark, Some(&value)) {
                    self.locator.nodes[node].value = Some(position(mark));
                }
            }
            Event::Alias(_) => {
                if let Some(node) = self.next_node(mark, None) {
                    self.locator.nodes[node].value = Some(position(mark));
                }
            }
            Event::MappingStart(..) | Event::SequenceStart(..) => {
                let is_map = matches!(event, Event::MappingStart(..));
                // A collection used as a mapping key has no spec path; it is indexed under
                // the key "?" of its mapping.
                let node = match self.next_node(mark, Some("?")) {
                    Some(node) => node,
                    None => {
                        let parent = match self.stack.last() {
                            Some(Frame::Mapping { node, .. } | Frame::Sequence { node, .. }) => {
                                *node
                            }
                            None => ROOT,
                        };
                        self.locator.add(parent, Segment::Key("?".into()))
                    }
                };
                self.locator.nodes[node].value = Some(position(mark));
                self.stack.push(if is_map {
                    Frame::Mapping {
                        node,
                        key: None,
                        seen_key: false,
                    }
                } else {
                    Frame::Sequence { node, next: 0 }
                });
            }
            Event::MappingEnd | Event::SequenceEnd => {
                self.stack.pop();
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_keys_values_and_list_items() {
        let text = "a: 1\nroles:\n  provider:\n    fields:\n      - name: x\n        secret: usr\n";
        let locator = Locator::new(text);
        assert_eq!(locator.value("a"), (1, 4));
        assert_eq!(locator.key("roles.provider"), (3, 3));
        assert_eq!(locator.value("roles.provider.fields[0]"), (5, 9));
        assert_eq!(locator.value("roles.provider.fields[0].secret"), (6, 17));
        assert_eq!(locator.key("roles.provider.fields[0].secret"), (6, 9));
        // Unknown paths fall back to the closest ancestor.
        assert_eq!(locator.value("roles.provider.fields[0].nope"), (5, 9));
    }

    #[test]
    fn flow_collections_start_at_their_bracket() {
        let text = "v:
  selected_by: {value: v0}
  empty: {}
  list: [a, 'b']
";
        let locator = Locator::new(text);
        assert_eq!(locator.value("v"), (2, 3));
        assert_eq!(locator.value("v.selected_by"), (2, 16));
        assert_eq!(locator.value("v.selected_by.value"), (2, 24));
        assert_eq!(locator.value("v.empty"), (3, 10));
        assert_eq!(locator.value("v.list[1]"), (4, 13));
        assert_eq!(locator.key("v.list"), (4, 3));
    }

    #[test]
    fn a_duplicate_key_points_at_its_last_occurrence() {
        let locator = Locator::new("a: 1\nb: 2\na: 3\n");
        assert_eq!(locator.key("a"), (3, 1));
    }

    #[test]
    fn unparsable_text_yields_the_file_start() {
        let locator = Locator::new("a: [\n");
        assert_eq!(locator.value("a"), (1, 1));
    }

    #[test]
    fn paths_resolve_segment_by_segment() {
        let text = "a:\n  b:\n    - [x, y]\n    - c: 1\n";
        let locator = Locator::new(text);
        assert_eq!(locator.value("a.b[0][1]"), (3, 11));
        assert_eq!(locator.value("a.b[1].c"), (4, 10));
        assert_eq!(locator.key("a.b[1].c"), (4, 7));
        assert_eq!(locator.exact_key("a.b[1].d"), None);
        assert_eq!(locator.value(""), (1, 1));
        // Keys with dots: the shortest spelling that exists wins at each step.
        let locator = Locator::new("p:\n  \"1.0.2\":\n    r: [a, b]\n");
        assert_eq!(locator.value("p.1.0.2.r[1]"), (3, 12));
        assert_eq!(locator.key("p.1.0.2"), (2, 3));
    }
}
