"""Times commands as whole processes, alternating, after one warm-up each: the Rust hook
(environment and charm directory from bench_cold_start's output), the Python imports, and two
floors (the same hook binary with nothing to do, and /bin/true). Wall time from perf_counter
around each run, in a fresh helper process per run. Peak memory from GNU time's %M (the
largest resident set of the process or any of its children), in separate runs: a Python
helper's own ru_maxrss would count its fork before the exec."""

import json
import statistics
import subprocess
import sys
import time

RUNS, ENV_FILE, HOOK, PYTHON = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]

MEASURE = r"""
import json, resource, subprocess, sys, time
args, env, cwd = json.loads(sys.argv[1])
start = time.perf_counter()
subprocess.run(args, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
wall = time.perf_counter() - start
print(json.dumps([wall, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss]))
"""


def load_env(path):
    env, charm_dir = {}, None
    for line in open(path):
        key, _, value = line.rstrip("\n").partition("=")
        if key == "CHARM_DIR":
            charm_dir = value
        else:
            env[key] = value
    return env, charm_dir


def once(spec):
    out = subprocess.run([sys.executable, "-c", MEASURE, json.dumps(spec)], check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out)


env, charm_dir = load_env(ENV_FILE)
# The charm on a hook it has nothing to do for: its own start-up and dispatch, no hook tool.
idle = dict(env, JUJU_HOOK_NAME="update-status", JUJU_DISPATCH_PATH="hooks/update-status")
commands = {
    "Rust requirer charm, cache-relation-changed": ([HOOK], env, charm_dir),
    "python -c import ops, dpcharmlibs.interfaces": (
        [PYTHON, "-c", "import ops, dpcharmlibs.interfaces"], None, None),
    "Rust requirer charm, update-status (no tool)": ([HOOK], idle, charm_dir),
    "/bin/true (process start floor)": (["/bin/true"], None, None),
}
for spec in commands.values():
    once(spec)
results = {name: [] for name in commands}
for _ in range(RUNS):
    for name, spec in commands.items():
        results[name].append(once(spec))

def peak_rss_mb(spec):
    args, env, cwd = spec
    err = subprocess.run(["/usr/bin/time", "-f", "%M", *args], env=env, cwd=cwd,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                         check=True).stderr
    return int(err.strip().splitlines()[-1]) / 1024


wall = {n: statistics.median(r[0] for r in rs) * 1000 for n, rs in results.items()}
rss = {n: max(peak_rss_mb(commands[n]) for _ in range(3)) for n in commands}
spread = {n: (min(r[0] for r in rs) * 1000, max(r[0] for r in rs) * 1000) for n, rs in results.items()}
python = "python -c import ops, dpcharmlibs.interfaces"
print(f"{'':46} {'wall median':>12} {'(min-max)':>16} {'peak RSS':>10} {'python/this':>12}")
for name in commands:
    print(f"{name:46} {wall[name]:>9.2f} ms {spread[name][0]:>7.2f}-{spread[name][1]:<7.2f} "
          f"{rss[name]:>7.1f} MB {wall[python] / wall[name]:>11.1f}x")
print(f"({RUNS} runs each, alternating, after a warm-up. The relation-changed figure includes the "
      "hook tool processes it spawns (emulated hook tools; the model's calls.log lists them); "
      "peak RSS is the largest single process, from GNU time)")
