//! Positions of spec nodes: the YAML analogue of spans. serde_yaml keeps no positions for
//! values, so a marked event parser (yaml-rust2) indexes every node by its spec path
//! (`roles.provider.versions.v1.app.fields[3].secret`).

use std::collections::HashMap;

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::Marker;

/// A 1-based line and column.
pub(crate) type Position = (usize, usize);

/// Where each node of one spec file starts, and where the key naming it stands.
#[derive(Debug, Default)]
pub(crate) struct Locator {
    values: HashMap<String, Position>,
    keys: HashMap<String, Position>,
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
        self.find(&self.values, path)
    }

    /// Position of the key naming the node at `path` (the value's, for list items).
    pub(crate) fn key(&self, path: &str) -> Position {
        self.exact_key(path).unwrap_or_else(|| self.value(path))
    }

    /// Position of the key at exactly `path`, if the file has it.
    pub(crate) fn exact_key(&self, path: &str) -> Option<Position> {
        self.keys.get(path).copied()
    }

    fn find(&self, map: &HashMap<String, Position>, path: &str) -> Position {
        let mut path = path;
        loop {
            if let Some(position) = map.get(path) {
                return *position;
            }
            match path.rfind(['.', '[']) {
                Some(cut) => path = &path[..cut],
                None => return map.get("").copied().unwrap_or((1, 1)),
            }
        }
    }
}

/// One open collection while walking the event stream.
enum Frame {
    /// A mapping: its path, the key just read (waiting for its value), and whether a key was
    /// read yet.
    Mapping {
        path: String,
        key: Option<String>,
        seen_key: bool,
    },
    /// A sequence: its path and the index of the next item.
    Sequence { path: String, next: usize },
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
    /// The path of a node starting now; `None` when it is a mapping key.
    fn next_path(&mut self, mark: Marker, scalar: Option<&str>) -> Option<String> {
        match self.stack.last_mut() {
            None => Some(String::new()),
            Some(Frame::Sequence { path, next }) => {
                let item = format!("{path}[{next}]");
                *next += 1;
                Some(item)
            }
            Some(Frame::Mapping {
                path,
                key,
                seen_key,
            }) => match key.take() {
                Some(k) => Some(join(path, &k)),
                None => {
                    let k = scalar.unwrap_or_default().to_owned();
                    let full = join(path, &k);
                    // yaml-rust2 marks a block mapping's start after its first key's colon
                    // (a flow mapping's at its `{`): the mapping starts at whichever is first.
                    if !*seen_key {
                        *seen_key = true;
                        let start = self.locator.values.entry(path.clone()).or_insert((1, 1));
                        *start = (*start).min(position(mark));
                    }
                    self.locator.keys.insert(full, position(mark));
                    *key = Some(k);
                    None
                }
            },
        }
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

impl MarkedEventReceiver for Builder {
    fn on_event(&mut self, event: Event, mark: Marker) {
        match event {
            Event::Scalar(value, ..) => {
                if let Some(path) = self.next_path(mark, Some(&value)) {
                    self.locator.values.insert(path, position(mark));
                }
            }
            Event::Alias(_) => {
                if let Some(path) = self.next_path(mark, None) {
                    self.locator.values.insert(path, position(mark));
                }
            }
            Event::MappingStart(..) | Event::SequenceStart(..) => {
                let is_map = matches!(event, Event::MappingStart(..));
                // A collection used as a mapping key has no spec path; index it as "?".
                let path = self
                    .next_path(mark, Some("?"))
                    .unwrap_or_else(|| "?".to_owned());
                self.locator.values.insert(path.clone(), position(mark));
                self.stack.push(if is_map {
                    Frame::Mapping {
                        path,
                        key: None,
                        seen_key: false,
                    }
                } else {
                    Frame::Sequence { path, next: 0 }
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
}
