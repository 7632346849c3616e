#!/usr/bin/env bash
# Installs what the tests and benchmarks need from Debian (as root; otherwise prints the command),
# then the real VS Code (code-server). Idempotent and quick when everything is present.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
declare -A want=(
  [chromium]=/usr/bin/chromium          # the browser that drives VS Code (code-server) in tests
  [ripgrep]=/usr/bin/rg                 # code-server's search
  [libkrb5-dev]=/usr/include/krb5.h     # code-server's native kerberos module
  [wrk]=/usr/bin/wrk                    # emulator throughput benchmark
  [awscli]=/usr/bin/aws                 # a real AWS client pointed at the emulator
  [python3-botocore]=/usr/lib/python3/dist-packages/botocore/__init__.py # botocore's IMDS Region fetcher (asks with a trailing slash)
  [cloud-init]=/usr/bin/cloud-init      # cloud-init's EC2 crawler, compared with our snapshot
  [iproute2]=/usr/sbin/ip               # network namespaces for the link-local address tests
  [iptables]=/usr/sbin/iptables-restore # syntax check of the restriction-rule snippets
  [wget]=/usr/bin/wget                  # the SSM script's wget-only path
  [curl]=/usr/bin/curl                  # the curl snippets and the SSM script
  [python3]=/usr/bin/python3            # the SSM script's python walker, cloud-init, broken test peers
)
missing=()
for pkg in "${!want[@]}"; do
  [ -e "${want[$pkg]}" ] || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "setup-deps: installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "setup-deps: missing Debian packages. Run:" >&2
    echo "  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi
bash "$ROOT/scripts/install-code-server.sh"
