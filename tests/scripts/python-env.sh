#!/usr/bin/env bash
# Creates one virtualenv per release of the reference library (dpcharmlibs-interfaces) that the
# interop suites run against, each with ops' testing harness:
#   tests/python/.venv-<release>  from  tests/python/requirements/<release>.txt
# for the releases in RELEASES below (1.0.2: what the Valkey charm locks; 1.1.0; 1.2.2: the
# newest, `python_driver::python()`). Keep RELEASES in step with `python_driver::RELEASES`.
# Idempotent: a venv is rebuilt only when its requirements file changed (a stamp holds the
# file's hash). Missing venvs are built concurrently; the script fails if any build fails.
set -euo pipefail
cd "$(dirname "$0")/../python"
RELEASES=(1.0.2 1.1.0 1.2.2)

# `build RELEASE`: (re)creates .venv-RELEASE unless its stamp matches the requirements file.
build() {
  local release=$1
  local venv=".venv-$release" requirements="requirements/$release.txt"
  local stamp="$venv/.requirements.sha256" want
  want=$(sha256sum "$requirements" | cut -d' ' -f1)
  if [ -x "$venv/bin/python" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
    return 0
  fi
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements"
  echo "$want" > "$stamp"
}

logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
pids=()
for release in "${RELEASES[@]}"; do
  build "$release" >"$logs/$release" 2>&1 &
  pids+=("$!")
done
failed=0
for i in "${!RELEASES[@]}"; do
  if ! wait "${pids[$i]}"; then
    echo "python-env: building .venv-${RELEASES[$i]} failed:" >&2
    cat "$logs/${RELEASES[$i]}" >&2
    failed=1
  fi
done
[ "$failed" = 0 ] || exit 1

for release in "${RELEASES[@]}"; do
  ".venv-$release/bin/python" -c '
import importlib.metadata as m, sys
have = m.version("dpcharmlibs-interfaces")
if have != sys.argv[1]:
    sys.exit(f".venv-{sys.argv[1]} holds dpcharmlibs-interfaces {have}")
print(f".venv-{have}: dpcharmlibs-interfaces {have}, ops", m.version("ops"))' "$release"
done
