//! `juju_emu`: the emulated Juju hook tools (`databag::testing`), as the three-line binary a
//! charm's own tests would build; `EmuModel` links `relation-get`, `secret-add`, ... to it.

fn main() -> std::process::ExitCode {
    databag::testing::main()
}
