//! The charm's hook binary: Juju runs it (through `dispatch`) for every hook.

use std::process::ExitCode;

use databag::juju::HookTools;

fn main() -> ExitCode {
    let outcome = HookTools::from_env()
        .map_err(|error| error.to_string())
        .and_then(|tools| {
            let event = tools.context().event().map_err(|error| error.to_string())?;
            cache_charm::handle(&tools, &event)
        });
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("ERROR {message}");
            ExitCode::FAILURE
        }
    }
}
