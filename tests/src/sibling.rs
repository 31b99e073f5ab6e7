//! Finding the other binaries of this crate from one of them (the benchmark drivers run the
//! emulator and the example charms as processes).

use std::path::PathBuf;

/// A sibling binary of the running one (cargo builds them into the same directory).
pub fn sibling(name: &str) -> Result<PathBuf, String> {
    let me = std::env::current_exe().map_err(|error| error.to_string())?;
    let path = me.with_file_name(name);
    if path.exists() {
        Ok(path)
    } else {
        Err(format!("{} is not built", path.display()))
    }
}
