#!/usr/bin/env bash
# The VS Code extension: type check, lint (ESLint), unit tests (vitest), bundle + .vsix, then the end-to-end
# tests in a real VS Code (code-server + headless Chromium; screenshots in .ci/artifacts/).
# The Neovim tests are pytest tests (tests/e2e/test_neovim.py).
set -uo pipefail
cd "$(dirname "$0")/../../client-vscode"
if ! command -v node >/dev/null; then
    echo "node is not installed: the VS Code extension is not tested" >&2
    [ -n "${CI:-}${MIRA_REQUIRE_REAL_SERVERS:-}" ] && exit 1
    exit 0
fi
[ -d node_modules ] || npm ci --no-audit --no-fund --loglevel=error || exit 1
status=0
npx tsc --noEmit -p . || status=1
npx eslint . || status=1
npx vitest run || status=1
npm run --silent package >/dev/null || { echo "vsce package failed" >&2; exit 1; }
echo "packaged client-vscode/dist/mira.vsix"
if [ -x "${CODE_SERVER:-${MIRA_TOOLS_DIR:-$HOME/.cache/mira-tools}/code-server-4.100.3/node_modules/.bin/code-server}" ] \
        && [ -x "${CHROMIUM:-/usr/bin/chromium}" ]; then
    MIRA_PYTHON=${MIRA_PYTHON:-$(command -v python)} node e2e/run.mjs || status=1
elif [ -n "${CI:-}${MIRA_REQUIRE_REAL_SERVERS:-}" ]; then
    echo "code-server or chromium missing (.ci/setup.d/50-clients.sh installs them)" >&2
    status=1
else
    echo "skipping the VS Code end-to-end tests: run client-vscode/scripts/install-code-server.sh" \
         "and apt-get install chromium" >&2
fi
exit $status
