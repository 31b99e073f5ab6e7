//! The emulated Juju hook tools for this crate's tests (`databag::testing`).

fn main() -> std::process::ExitCode {
    databag::testing::main()
}
