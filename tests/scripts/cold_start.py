"""Times two commands as whole processes, alternating, after one warm-up each: the Rust hook
(environment and charm directory from bench_cold_start's output) and the Python imports.
Wall time from perf_counter around each run; peak memory from the kernel's accounting of the
children (ru_maxrss), measured in a fresh helper process per command so one cannot inflate
the other's figure."""

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
commands = {
    "rust": ([HOOK], env, charm_dir),
    "python": ([PYTHON, "-c", "import ops, dpcharmlibs.interfaces"], None, None),
}
for spec in commands.values():
    once(spec)
results = {name: [] for name in commands}
for _ in range(RUNS):
    for name, spec in commands.items():
        results[name].append(once(spec))

wall = {n: statistics.median(r[0] for r in rs) * 1000 for n, rs in results.items()}
rss = {n: max(r[1] for r in rs) / 1024 for n, rs in results.items()}
spread = {n: (min(r[0] for r in rs) * 1000, max(r[0] for r in rs) * 1000) for n, rs in results.items()}
print(f"{'':46} {'wall median':>12} {'(min-max)':>16} {'peak RSS':>10}")
print(f"{'Rust requirer charm, cache-relation-changed':46} {wall['rust']:>9.2f} ms "
      f"{spread['rust'][0]:>7.2f}-{spread['rust'][1]:<7.2f} {rss['rust']:>7.1f} MB")
print(f"{'python -c import ops, dpcharmlibs.interfaces':46} {wall['python']:>9.2f} ms "
      f"{spread['python'][0]:>7.2f}-{spread['python'][1]:<7.2f} {rss['python']:>7.1f} MB")
print(f"{'python / rust':46} {wall['python'] / wall['rust']:>10.1f}x {'':16} "
      f"{rss['python'] / rss['rust']:>8.1f}x")
print(f"({RUNS} runs each, alternating, after a warm-up; the Rust figure includes every hook "
      "tool process it spawns)")
