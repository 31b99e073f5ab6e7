//! `bench_cold_start DIR`: prepares, in DIR, an emulated Juju model in which the example
//! requirer charm's next `cache-relation-changed` hook has real work to do (the provider
//! answered one request: a response to decode, two secrets to resolve through `secret-get`,
//! the workload's connection file to write), then prints that hook's environment as
//! `KEY=VALUE` lines. tests/scripts/bench-cold-start.sh runs the hook binary with it, again
//! and again, as Juju would start it: a new process each time.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use databag_tests::sibling::sibling;

use databag::juju::State;
use databag::testing::{EmuModel, Hook};

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("bench_cold_start: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), String> {
    let dir = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .ok_or("usage: bench_cold_start DIR")?;
    let (emulator, requirer, provider) = (
        sibling("juju_emu")?,
        sibling("valkey_requirer_charm")?,
        sibling("valkey_provider_charm")?,
    );
    let mut state = State::new("1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f");
    state.add_app("app", 1);
    state.add_app("valkey", 1);
    let number = state.relate("app", "cache", "valkey", "valkey-client");
    let model = EmuModel::new(&dir, &emulator, &state).map_err(|error| error.to_string())?;
    let steps: [(&Path, &str, &str); 4] = [
        (&requirer, "app/0", "cache-relation-created"),
        (&provider, "valkey/0", "valkey-client-relation-changed"),
        (&requirer, "app/0", "cache-relation-changed"),
        (&requirer, "app/0", "cache-relation-changed"),
    ];
    for (program, unit, hook) in steps {
        let run = model
            .run_hook(program, &Hook::new(unit, hook).relation(number))
            .map_err(|error| format!("{hook} on {unit}: {error}"))?;
        if !run.success {
            return Err(format!("{hook} on {unit} failed: {}", run.stderr));
        }
    }
    let charm_dir = model.charm_dir("app/0");
    println!("CHARM_DIR={}", charm_dir.display());
    for (key, value) in model.env(&Hook::new("app/0", "cache-relation-changed").relation(number)) {
        println!("{key}={value}");
    }
    // The hook must succeed with exactly this environment, or the figures mean nothing.
    let check = Command::new(&requirer)
        .env_clear()
        .envs(model.env(&Hook::new("app/0", "cache-relation-changed").relation(number)))
        .current_dir(&charm_dir)
        .output()
        .map_err(|error| error.to_string())?;
    if !check.status.success() {
        return Err(String::from_utf8_lossy(&check.stderr).into_owned());
    }
    Ok(())
}
