#!/usr/bin/env bash
# Installs the real VS Code (code-server 4.100.3 = VS Code 1.100.3, the newest on Node 20) into a
# cached folder, offline-safe: nothing is downloaded but npm and Debian packages. Idempotent.
# Usage: scripts/install-code-server.sh   (CODE_SERVER_DIR overrides the folder)
set -euo pipefail
VERSION=4.100.3
# Cached per user, outside the checkout, so fresh clones (CI) reuse it like .vscode-test/.
DIR="${CODE_SERVER_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/ec2-metadata-explorer/code-server-$VERSION}"
BIN="$DIR/node_modules/.bin/code-server"
MARK="$DIR/.installed"

need_pkgs=()
command -v rg >/dev/null 2>&1 || need_pkgs+=(ripgrep)
command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] || need_pkgs+=(chromium)
[ -e /usr/include/krb5.h ] || [ -e /usr/include/gssapi/gssapi.h ] || need_pkgs+=(libkrb5-dev)
command -v g++ >/dev/null 2>&1 || need_pkgs+=(g++)
command -v make >/dev/null 2>&1 || need_pkgs+=(make)
if [ ${#need_pkgs[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "install-code-server: installing Debian packages: ${need_pkgs[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${need_pkgs[@]}" >/dev/null
  else
    echo "install-code-server: missing Debian packages. Run:" >&2
    echo "  sudo apt-get update && sudo apt-get install -y ${need_pkgs[*]}" >&2
    exit 1
  fi
fi

if [ -f "$MARK" ] && [ -x "$BIN" ]; then
  echo "install-code-server: code-server $VERSION already installed in $DIR"
  exit 0
fi

echo "install-code-server: installing code-server $VERSION into $DIR (a few minutes on a cold npm cache)"
mkdir -p "$DIR"
cd "$DIR"
[ -f package.json ] || echo '{"name":"code-server-install","private":true}' > package.json
export npm_config_yes=true npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false
npm install --ignore-scripts --no-save "code-server@$VERSION" >/dev/null
cd node_modules/code-server/lib/vscode
npm install --omit=dev --ignore-scripts >/dev/null
# @vscode/ripgrep's postinstall downloads from GitHub unless bin/ exists: use Debian's rg.
mkdir -p node_modules/@vscode/ripgrep/bin
ln -sf "$(command -v rg)" node_modules/@vscode/ripgrep/bin/rg
npm rebuild >/dev/null
ln -sfn node_modules node_modules.asar
cd "$DIR"
npm rebuild argon2 >/dev/null
"$BIN" --version
touch "$MARK"
echo "install-code-server: done"
