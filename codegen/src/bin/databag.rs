//! The `databag` command line.
fn main() {}
