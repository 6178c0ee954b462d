"""A scripted OpenAI-compatible Chat Completions server for deterministic chat tests.

Each request to ``/v1/chat/completions`` takes the next step of the script:

- ``{"text": "...", "chunks": 3, "chunk_delay": 0.0}`` — an answer, streamed as SSE
  when the request asks for ``stream`` (split into ``chunks`` pieces), else JSON;
- ``{"tool_calls": [{"name": "read_file", "arguments": "{...}"}]}`` — tool calls;
- ``{"status": 429, "message": "slow down"}`` — an HTTP error (401, 404, 500, ...);
- ``{"delay": 5}`` before any of the above — a slow server (client timeouts);
- ``{"empty_stream_with_tools": true}`` — llama.cpp's behaviour: an empty stream
  when tools are offered with ``stream``; the JSON answer of the *next* step otherwise.
When the script runs out the last step repeats (a model that loops). Requests are
recorded (``server.requests``, or ``GET /_requests`` from another process).
``/v1/embeddings`` answers deterministic vectors of ``embedding_dimension`` (hashed
words) and records each request in ``server.embedding_requests``.

Run standalone: ``python tests/support/scripted_llm.py SCRIPT.json`` prints the port.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

Step = dict[str, Any]


class ScriptedLLM:
    def __init__(self, script: list[Step], model: str = "scripted-model") -> None:
        self.script = list(script)
        self.model = model
        self.requests: list[dict[str, Any]] = []
        self.embedding_requests: list[dict[str, Any]] = []
        self.embedding_dimension = 16
        self.disconnects = 0  # streams the client closed before the end
        self._lock = threading.Lock()
        self._index = 0
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self) -> ScriptedLLM:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> ScriptedLLM:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def next_step(self, body: dict[str, Any]) -> Step:
        with self._lock:
            self.requests.append(body)
            if not self.script:
                return {"text": "(script is empty)"}
            step = self.script[min(self._index, len(self.script) - 1)]
            self._index += 1
            if step.get("empty_stream_with_tools") and not (body.get("stream")
                                                             and body.get("tools")):
                step = self.script[min(self._index, len(self.script) - 1)]
                self._index += 1
            return step

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                return

            def do_GET(self) -> None:
                if self.path.rstrip("/").endswith("/_requests"):
                    self._json(200, owner.requests)
                elif self.path.rstrip("/").endswith("/models"):
                    self._json(200, {"object": "list", "data": [
                        {"id": owner.model, "object": "model", "owned_by": "tests"}]})
                else:
                    self._json(404, {"error": {"message": "not found"}})

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                if self.path.rstrip("/").endswith("/embeddings"):
                    with owner._lock:
                        owner.embedding_requests.append(body)
                    texts = body.get("input") or []
                    texts = [texts] if isinstance(texts, str) else texts
                    self._json(200, {"object": "list", "model": body.get("model"), "data": [
                        {"object": "embedding", "index": i,
                         "embedding": _vector(str(t), owner.embedding_dimension)}
                        for i, t in enumerate(texts)], "usage": {"prompt_tokens": 0,
                                                                  "total_tokens": 0}})
                    return
                if not self.path.rstrip("/").endswith("/chat/completions"):
                    self._json(404, {"error": {"message": f"no route {self.path}"}})
                    return
                step = owner.next_step(body)
                if step.get("delay"):
                    time.sleep(float(step["delay"]))
                if "status" in step:
                    self._json(int(step["status"]), {"error": {
                        "message": step.get("message", "scripted error"), "type": "scripted"}})
                    return
                if step.get("empty_stream_with_tools"):
                    self._sse([])
                    return
                if body.get("stream"):
                    self._sse(_chunks(step, body.get("model") or owner.model),
                              float(step.get("chunk_delay", 0.0)))
                else:
                    self._json(200, _completion(step, body.get("model") or owner.model))

            def _json(self, status: int, payload: Any) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _sse(self, events: list[dict[str, Any]], delay: float = 0.0) -> None:
                self.send_response(200)
                self.send_header("content-type", "text/event-stream")
                self.send_header("cache-control", "no-cache")
                self.send_header("connection", "close")
                self.end_headers()
                try:
                    for event in events:
                        self.wfile.write(f"data: {json.dumps(event)}\n\n".encode())
                        self.wfile.flush()
                        if delay:
                            time.sleep(delay)
                    self.wfile.write(b"data: [DONE]\n\n")
                    self.wfile.flush()
                except (BrokenPipeError, ConnectionResetError):
                    owner.disconnects += 1  # the client hung up (cancelled)
                self.close_connection = True

        return Handler


def _vector(text: str, dimension: int) -> list[float]:
    """A bag of hashed words: texts sharing words get similar vectors."""
    import zlib

    vector = [0.0] * dimension
    for word in text.lower().split():
        vector[zlib.crc32(word.encode()) % dimension] += 1.0
    vector[0] += 0.01  # never all zeros
    return vector


def _tool_calls(step: Step) -> list[dict[str, Any]]:
    return [{"id": c.get("id", f"call_{i}"), "type": "function",
             "function": {"name": c["name"], "arguments": c.get("arguments", "{}")}}
            for i, c in enumerate(step.get("tool_calls", []))]


_USAGE = {"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120}


def _completion(step: Step, model: str) -> dict[str, Any]:
    calls = _tool_calls(step)
    message: dict[str, Any] = {"role": "assistant", "content": step.get("text", "")}
    if calls:
        message["tool_calls"] = calls
    return {"id": "chatcmpl-scripted", "object": "chat.completion", "created": 0,
            "model": model, "usage": step.get("usage", _USAGE),
            "choices": [{"index": 0, "message": message,
                         "finish_reason": "tool_calls" if calls else "stop"}]}


def _chunks(step: Step, model: str) -> list[dict[str, Any]]:
    def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        return {"id": "chatcmpl-scripted", "object": "chat.completion.chunk", "created": 0,
                "model": model, "choices": [{"index": 0, "delta": delta,
                                             "finish_reason": finish}]}

    events = [chunk({"role": "assistant", "content": ""})]
    text = str(step.get("text", ""))
    n = max(int(step.get("chunks", 3)), 1)
    size = max(-(-len(text) // n), 1)
    events += [chunk({"content": text[i:i + size]}) for i in range(0, len(text), size)]
    for i, call in enumerate(_tool_calls(step)):
        args = call["function"]["arguments"]
        half = len(args) // 2  # arguments arrive in pieces, like real servers send them
        events.append(chunk({"tool_calls": [{"index": i, "id": call["id"], "type": "function",
                                             "function": {"name": call["function"]["name"],
                                                          "arguments": args[:half]}}]}))
        rest: dict[str, Any] = {"arguments": args[half:]}
        if step.get("repeat_tool_name"):  # llama.cpp sends the name with every chunk
            rest["name"] = call["function"]["name"]
        events.append(chunk({"tool_calls": [{"index": i, "function": rest}]}))
    events.append(chunk({}, "tool_calls" if step.get("tool_calls") else "stop"))
    events.append({"id": "chatcmpl-scripted", "object": "chat.completion.chunk", "created": 0,
                   "model": model, "choices": [], "usage": step.get("usage", _USAGE)})
    return events


def main() -> None:
    script = json.loads(Path(sys.argv[1]).read_text()) if len(sys.argv) > 1 else []
    server = ScriptedLLM(script).start()
    print(server.port, flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        server.stop()


if __name__ == "__main__":
    main()
