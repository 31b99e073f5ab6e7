//! The `databag` command line; see `databag --help` and DESIGN.md's CLI contract.

fn main() -> std::process::ExitCode {
    databag_codegen::cli::main()
}
