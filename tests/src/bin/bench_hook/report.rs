//! Summaries (median, min, max) and the printed table with the targets.

use serde_json::{Value, json};

use crate::measure::Sample;

/// Median, minimum and maximum of each measure, and the tool calls (the same every round, or
/// the spread says otherwise).
pub fn summary(samples: &[Sample]) -> Value {
    let stats = |pick: fn(&Sample) -> f64| {
        let mut values: Vec<f64> = samples.iter().map(pick).collect();
        values.sort_by(f64::total_cmp);
        json!({
            "median": median(&values),
            "min": values.first().copied().unwrap_or_default(),
            "max": values.last().copied().unwrap_or_default(),
        })
    };
    json!({
        "cpu_us": stats(|sample| sample.cpu_us),
        "wall_us": stats(|sample| sample.wall_us),
        "calls": stats(|sample| sample.calls as f64),
    })
}

pub fn median(sorted: &[f64]) -> f64 {
    match sorted.len() {
        0 => 0.0,
        len if len % 2 == 1 => sorted[len / 2],
        len => (sorted[len / 2 - 1] + sorted[len / 2]) / 2.0,
    }
}

pub fn machine() -> String {
    let cpus = std::thread::available_parallelism().map_or(0, usize::from);
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|text| {
            text.lines()
                .find(|line| line.starts_with("model name"))
                .and_then(|line| line.split_once(':'))
                .map(|(_, name)| name.trim().to_owned())
        })
        .unwrap_or_default();
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let load: Vec<&str> = load.split_whitespace().take(3).collect();
    format!(
        "{cpus} cores, {}, {model}; load average {}",
        std::env::consts::ARCH,
        load.join(" ")
    )
}

/// The targets (issue 15): Python CPU time / Rust CPU time at least 40× with one
/// response and 20× with 50; the Rust hook's steady state at 50 responses at most 4 tool calls.
fn ratio_target(n: usize) -> Option<f64> {
    match n {
        1 => Some(40.0),
        50 => Some(20.0),
        _ => None,
    }
}

pub fn print_table(report: &Value) {
    let ms = |value: &Value| value.as_f64().unwrap_or_default() / 1000.0;
    println!(
        "{:<4} {:<7} {:<7} {:>26} {:>26} {:>6}",
        "N", "state", "charm", "cpu ms median (min-max)", "wall ms median (min-max)", "calls"
    );
    let mut verdicts = Vec::new();
    for result in report["results"].as_array().into_iter().flatten() {
        let n = result["responses"].as_u64().unwrap_or_default() as usize;
        let scenario = result["scenario"].as_str().unwrap_or_default();
        for contender in ["rust", "python"] {
            let figures = &result[contender];
            let (cpu, wall) = (&figures["cpu_us"], &figures["wall_us"]);
            println!(
                "{:<4} {:<7} {:<7} {:>26} {:>26} {:>6}",
                n,
                scenario,
                contender,
                format!(
                    "{:.2} ({:.2}-{:.2})",
                    ms(&cpu["median"]),
                    ms(&cpu["min"]),
                    ms(&cpu["max"])
                ),
                format!(
                    "{:.2} ({:.2}-{:.2})",
                    ms(&wall["median"]),
                    ms(&wall["min"]),
                    ms(&wall["max"])
                ),
                figures["calls"]["median"].as_f64().unwrap_or_default()
            );
        }
        let cpu_ratio = result["python"]["cpu_us"]["median"]
            .as_f64()
            .unwrap_or_default()
            / result["rust"]["cpu_us"]["median"].as_f64().unwrap_or(1.0);
        let wall_ratio = result["python"]["wall_us"]["median"]
            .as_f64()
            .unwrap_or_default()
            / result["rust"]["wall_us"]["median"].as_f64().unwrap_or(1.0);
        match ratio_target(n) {
            Some(target) => verdicts.push(format!(
                "N = {n:<2} {scenario:<6}: python/rust CPU {cpu_ratio:.1}x (wall {wall_ratio:.1}x), \
                 target >= {target}x: {}",
                if cpu_ratio >= target { "met" } else { "MISSED" }
            )),
            None => verdicts.push(format!(
                "N = {n:<2} {scenario:<6}: python/rust CPU {cpu_ratio:.1}x (wall {wall_ratio:.1}x), no target"
            )),
        }
        let floor = result["tool_call_cpu_us"]["median"]
            .as_f64()
            .unwrap_or_default();
        if let Some(target) = ratio_target(n)
            && floor > 0.0
        {
            let python = result["python"]["cpu_us"]["median"]
                .as_f64()
                .unwrap_or_default();
            let rust = result["rust"]["cpu_us"]["median"]
                .as_f64()
                .unwrap_or_default();
            let calls = result["rust"]["calls"]["median"]
                .as_f64()
                .unwrap_or_default();
            verdicts.push(format!(
                "    rust: {calls} tool processes x {:.2} ms (one is-leader in this model, {:.2}-{:.2}) \
                 = {:.0}% of its CPU; {target}x needs the rust hook <= {:.1} ms: <= {:.0} tool \
                 calls at that cost, even with no work of its own",
                floor / 1000.0,
                ms(&result["tool_call_cpu_us"]["min"]),
                ms(&result["tool_call_cpu_us"]["max"]),
                100.0 * calls * floor / rust.max(1.0),
                python / target / 1000.0,
                (python / target / floor).floor()
            ));
        }
        if n == 50 && scenario == "steady" {
            let calls = result["rust"]["calls"]["max"].as_f64().unwrap_or_default();
            verdicts.push(format!(
                "N = 50 steady: rust hook-tool calls {calls}, target <= 4: {}",
                if calls <= 4.0 { "met" } else { "MISSED" }
            ));
        }
    }
    println!();
    for verdict in verdicts {
        println!("{verdict}");
    }
    let rounds = report["results"][0]["rounds"].as_u64().unwrap_or_default();
    println!(
        "(CPU = user + system of the hook and the hook-tool processes it ran; medians of {rounds} \
         rounds, Rust and Python alternating; machine: {})",
        report["machine"].as_str().unwrap_or_default()
    );
}
