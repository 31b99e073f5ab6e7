//! The one module that touches serde_yaml (deprecated upstream; a switch to another YAML
//! deserializer changes only this file).

use std::path::Path;

use super::raw::RawInterface;
use crate::diag::{Diagnostic, Diagnostics};

/// Deserializes spec text; a syntax or shape error becomes one diagnostic at its position.
pub(crate) fn parse(text: &str, file: &Path) -> Result<RawInterface, Diagnostics> {
    serde_yaml::from_str(text).map_err(|error| {
        let (line, column) = error
            .location()
            .map(|l| (l.line(), l.column()))
            .unwrap_or((1, 1));
        // serde_yaml prefixes its own "at line L column C"; the position is already ours.
        let message = error.to_string();
        let message = match message.find(" at line ") {
            Some(at) => message[..at].to_owned(),
            None => message,
        };
        let mut diagnostics = Diagnostics::new();
        diagnostics.push(Diagnostic {
            file: file.to_path_buf(),
            line,
            column,
            message,
        });
        diagnostics
    })
}
