//! Generates the `valkey_client` bindings into OUT_DIR from the spec, the single source of
//! truth; `src/lib.rs` includes them. A spec error fails the build with `file:line:col` lines.

fn main() {
    let result = databag_codegen::Builder::new()
        .spec("../spec/valkey_client/v1.yaml")
        .compile();
    if let Err(error) = result {
        eprintln!("{error}");
        std::process::exit(1);
    }
}
