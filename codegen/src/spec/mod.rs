//! Reading spec files: YAML text → raw structs (serde), and positions of their nodes.

#[cfg(test)]
mod format;
pub(crate) mod limits;
pub(crate) mod locate;
pub(crate) mod raw;
pub(crate) mod text;
pub(crate) mod yaml;
