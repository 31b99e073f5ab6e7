#!/usr/bin/env bash
# Packs a Rust charm as Juju deploys it: a `.charm` zip with the charm's metadata, a `dispatch`
# script and the hook binary.
#
#   pack-charm.sh CHARM_DIR BINARY OUT.charm
#
# CHARM_DIR holds `metadata.yaml` (and optionally `config.yaml`, `actions.yaml`); BINARY is the
# compiled charm (a release build in production; the tests pack the debug build). Juju runs
# `./dispatch` from the unpacked charm directory for every hook, with `JUJU_DISPATCH_PATH` set
# to `hooks/<hook name>` (Juju 2.8+); the binary reads the hook from there
# (`databag::juju::HookContext::event`). Exec permissions are kept in the zip, as Juju applies
# them when it unpacks a charm.
set -euo pipefail
if [[ $# -ne 3 ]]; then
  echo "usage: pack-charm.sh CHARM_DIR BINARY OUT.charm" >&2
  exit 2
fi
charm_dir=$1 binary=$2 out=$3
for file in "$charm_dir/metadata.yaml" "$binary"; do
  [[ -f $file ]] || { echo "pack-charm: $file: no such file" >&2; exit 2; }
done
name=$(sed -n 's/^name: *//p' "$charm_dir/metadata.yaml" | head -n 1)
[[ -n $name ]] || { echo "pack-charm: $charm_dir/metadata.yaml: no name" >&2; exit 2; }

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
for file in metadata.yaml config.yaml actions.yaml; do
  if [[ -f $charm_dir/$file ]]; then cp "$charm_dir/$file" "$stage/"; fi
done
mkdir -p "$stage/bin"
install -m 0755 "$binary" "$stage/bin/$name"
cat > "$stage/dispatch" <<DISPATCH
#!/bin/sh
# Juju runs this for every hook; the binary dispatches on JUJU_DISPATCH_PATH.
JUJU_DISPATCH_PATH="\${JUJU_DISPATCH_PATH:-\$0}" exec ./bin/$name "\$@"
DISPATCH
chmod 0755 "$stage/dispatch"
cat > "$stage/manifest.yaml" <<MANIFEST
analysis:
  attributes:
  - name: language
    result: rust
bases:
- architectures:
  - $(dpkg --print-architecture 2>/dev/null || uname -m)
  channel: '22.04'
  name: ubuntu
MANIFEST

mkdir -p "$(dirname "$out")"
python3 - "$stage" "$out" <<'PY'
import os, sys, zipfile
stage, out = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
    for root, dirs, files in os.walk(stage):
        dirs.sort()
        for name in sorted(files):
            path = os.path.join(root, name)
            # ZipFile.write keeps the Unix mode (exec bits) in external_attr.
            archive.write(path, os.path.relpath(path, stage))
PY
echo "pack-charm: $out ($(du -k "$out" | cut -f1) KiB): $(cd "$stage" && find . -type f | sort | tr '\n' ' ')"
