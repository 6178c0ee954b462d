#!/usr/bin/env bash
# Install code-server (VS Code in the browser) for the end-to-end tests, once per machine.
# 4.100.3 (VS Code 1.100.3) is the newest whose engines allow Node 20. Offline workarounds:
# root needs --unsafe-perm; npm_config_yes=true lets node-pty run node-gyp through npx; and
# @vscode/ripgrep's download is replaced by Debian's rg in its cache.
set -euo pipefail
VERSION=4.100.3
DIR=${MIRA_TOOLS_DIR:-$HOME/.cache/mira-tools}/code-server-$VERSION
if [ -x "$DIR/node_modules/.bin/code-server" ]; then
    echo "code-server $VERSION: $DIR"
    exit 0
fi
RG=$(command -v rg) || { echo "ripgrep (rg) is needed to install code-server" >&2; exit 1; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
mkdir -p "$T/vscode-ripgrep-cache-1.15.11" "$DIR.partial"
(cd "$T/vscode-ripgrep-cache-1.15.11" && cp "$RG" rg &&
    tar czf ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz rg && rm rg)
TMPDIR=$T npm_config_yes=true npm install --unsafe-perm --no-audit --no-fund --loglevel=error \
    --prefix "$DIR.partial" "code-server@$VERSION"
rm -rf "$DIR"
mv "$DIR.partial" "$DIR"
echo "code-server $VERSION: $DIR"
