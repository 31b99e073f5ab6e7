#!/usr/bin/env bash
# Installs valkey-server and valkey-sentinel 8.x from Debian bookworm-backports when missing.
# Idempotent; needs root. The backports suite is added with the mirror URI this machine's apt
# sources already use for bookworm, so no host name is written here.
set -euo pipefail

have_valkey() {
  command -v valkey-server >/dev/null 2>&1 && command -v valkey-sentinel >/dev/null 2>&1 &&
    valkey-server --version | grep -q 'v=8\.'
}

if have_valkey; then
  valkey-server --version
  exit 0
fi

# The URI serving the bookworm suite, from deb822 .sources files or one-line sources.list.
mirror=$(
  {
    for f in /etc/apt/sources.list.d/*.sources; do
      [ -f "$f" ] || continue
      awk 'BEGIN{RS=""} /Suites:[^\n]*bookworm( |$|\n)/ && !/security/ {
             for (i = 1; i <= NF; i++) if ($i == "URIs:") { print $(i+1); exit } }' "$f"
    done
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
      [ -f "$f" ] || continue
      awk '$1 == "deb" && $3 == "bookworm" { print $2; exit }' "$f"
    done
  } | head -n 1
)
if [ -z "$mirror" ]; then
  echo "install-valkey: no apt source serves bookworm; cannot add bookworm-backports" >&2
  exit 1
fi

list=/etc/apt/sources.list.d/bookworm-backports.list
if ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
  echo "deb $mirror bookworm-backports main" > "$list"
fi

export DEBIAN_FRONTEND=noninteractive
# Packaged services must not start during install: tests run their own instances.
printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
chmod +x /usr/sbin/policy-rc.d
trap 'rm -f /usr/sbin/policy-rc.d' EXIT
apt-get update -qq
apt-get install -y -qq -t bookworm-backports valkey-server valkey-sentinel >/dev/null
valkey-server --version
