#!/usr/bin/env bash
# Creates tests/python/.venv with the pinned reference library (dpcharmlibs-interfaces) and
# ops' testing harness. Idempotent: reinstalls only when requirements.txt changed.
set -euo pipefail
cd "$(dirname "$0")/../python"
venv=.venv
stamp="$venv/.requirements.sha256"
want=$(sha256sum requirements.txt | cut -d' ' -f1)
if [ -x "$venv/bin/python" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
  "$venv/bin/python" -c 'import importlib.metadata as m; print("dpcharmlibs-interfaces", m.version("dpcharmlibs-interfaces"), "ops", m.version("ops"))'
  exit 0
fi
rm -rf "$venv"
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check -r requirements.txt
echo "$want" > "$stamp"
"$venv/bin/python" -c 'import importlib.metadata as m; print("dpcharmlibs-interfaces", m.version("dpcharmlibs-interfaces"), "ops", m.version("ops"))'
