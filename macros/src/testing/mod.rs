//! Testing a charm without a controller (cargo feature `testing`, for dev-dependencies only:
//! production charm builds compile none of it).
//!
//! Two levels, both following Juju's rules ([`State`](crate::juju::State)):
//!
//! - In process: [`Model`](crate::juju::Model) and its [`Memory`](crate::juju::Memory)
//!   backend, for unit tests of charm logic written against
//!   [`Backend`](crate::juju::Backend). [`Model::hook`](crate::juju::Model::hook) commits a
//!   hook's changes only when it succeeds.
//! - Whole processes: [`EmuModel`] keeps a model in a directory and links Juju's hook tools
//!   (`relation-get`, `secret-add`, `status-set`, `config-get`, ...) to an emulator binary, so
//!   the charm's real binary runs its hooks ([`EmuModel::run_hook`]) exactly as under Juju: the
//!   hook's environment only, the charm directory as working directory, rollback on failure,
//!   every tool call recorded ([`EmuModel::calls`]).
//!
//! The emulator binary is three lines in the charm's own crate, built only for tests:
//!
//! ```toml
//! [features]
//! testing = ["databag/testing"]
//!
//! [[bin]]
//! name = "juju-emu"
//! path = "tests/juju_emu.rs"
//! required-features = ["testing"]
//! ```
//!
//! ```no_run
//! // tests/juju_emu.rs
//! fn main() -> std::process::ExitCode {
//!     databag::testing::main()
//! }
//! ```
//!
//! A test then runs `cargo test --features testing` and gets both binaries from cargo
//! (`env!("CARGO_BIN_EXE_juju-emu")`, `env!("CARGO_BIN_EXE_<charm>")`):
//!
//! ```no_run
//! use std::path::Path;
//!
//! use databag::juju::State;
//! use databag::testing::{EmuModel, Hook};
//!
//! /// `emulator`: `env!("CARGO_BIN_EXE_juju-emu")`; `charm`: the charm's own binary.
//! fn relation_created_requests(emulator: &Path, charm: &Path) -> std::io::Result<()> {
//!     let mut state = State::new("3f2a9c1e-5b7d-4e8f-9a0b-1c2d3e4f5a6b");
//!     state.add_app("app", 1);
//!     state.add_app("valkey", 1);
//!     let relation = state.relate("app", "cache", "valkey", "valkey-client");
//!     let model = EmuModel::new(&std::env::temp_dir().join("model"), emulator, &state)?;
//!     let run = model.run_hook(charm, &Hook::new("app/0", "cache-relation-created").relation(relation))?;
//!     assert!(run.success, "{}", run.stderr);
//!     assert!(model.state().app_bag(relation, "app").is_some_and(|bag| bag.contains_key("requests")));
//!     Ok(())
//! }
//! ```

mod model;
mod tools;

pub use model::{
    Call, ContentFile, EmuModel, FAIL_VAR, Hook, HookRun, JUJU_VERSION, STATE_VAR, TOOLS,
    load_state, lock, record_call, record_file, record_log, save_state, with_state,
};
pub use tools::main;
