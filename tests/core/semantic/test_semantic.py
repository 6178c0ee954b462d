"""Semantic layer: chunks, both vector backends through one suite, degradation, embedders."""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from mira.core.config import MiraConfig
from mira.core.secrets import secret_name
from mira.core.semantic.chunks import search_text
from mira.core.semantic.embedder import EmbedderError, OpenAIEmbedder
from mira.core.semantic.service import SearchService
from mira.core.semantic.shapes import WINDOW_TOKENS, estimate_tokens, window_chunks
from mira.core.semantic.vector_store import EdgeStore, QdrantServerStore
from mira.core.workspace import Workspace
from tests.support.gitrepo import GitRepo

FILES = {
    "auth.py": "def check_password(user, password):\n"
               "    \"\"\"Verify a user's login credentials against the stored hash.\"\"\"\n"
               "    return hash_password(password) == user.password_hash\n",
    "db.py": "def open_connection(url):\n"
             "    \"\"\"Connect to the SQL database and return a session.\"\"\"\n"
             "    return engine(url).connect()\n",
    "render.py": "def draw_chart(points):\n"
                 "    \"\"\"Plot the values as a line chart with axes and a legend.\"\"\"\n"
                 "    return canvas.plot(points)\n",
    ".env": "SECRET_TOKEN=abc\n",
    "logo.bin": "\0\1\2",
}


def test_chunks_and_keyword_text() -> None:
    text = "\n".join(f"line {i} of the notes" for i in range(100))
    chunks = list(window_chunks("notes.txt", text))
    # windows that fit the model, covering every line exactly once
    assert all(estimate_tokens(c.text) <= WINDOW_TOKENS for c in chunks)
    assert chunks[0].start_line == 0 and chunks[-1].end_line == 99
    assert all(a.end_line + 1 == b.start_line for a, b in itertools.pairwise(chunks))
    assert "parse config" in search_text("def parseConfig(): pass")
    assert "load settings" in search_text("load_settings()")
    assert secret_name(".env") and secret_name("keys/id_rsa") and secret_name("conf/server.pem")
    assert not secret_name("envelope.py")


@pytest.fixture(params=["edge", "qdrant-local"])
def service(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SearchService]:
    repo = GitRepo(tmp_path / "repo")
    repo.commit("add code", {k: v for k, v in FILES.items() if k != "logo.bin"})
    repo.write("logo.bin", b"\0\1\2")
    repo.commit("render charts faster", {"render.py": FILES["render.py"] + "# fast\n"})
    ws = Workspace(repo.root, MiraConfig(data_dir=str(tmp_path / "data")))
    ws.open()
    ws.index_git()
    svc = ws.service(SearchService)
    if request.param == "qdrant-local":
        for collection in ("code", "git", "conversation"):
            svc.use_store(collection, QdrantServerStore(":memory:", f"t-{collection}", 384))
    yield svc
    asyncio.run(ws.close())


def test_hybrid_search_on_both_backends(service: SearchService) -> None:
    report = service.index()
    assert report.files == 3  # .env (secret) and logo.bin (binary) are never read
    assert report.embedded == report.chunks_added + report.commits_added > 0

    def top(query: str, mode: str = "hybrid", kinds: list[str] | None = None) -> str | None:
        hits = service.search_mode(query, 3, mode, kinds)
        return hits[0].path or hits[0].commit if hits else None

    assert top("check password hash") == "auth.py"  # keyword
    assert top("verify login credentials", "vector") == "auth.py"  # meaning, not words
    assert top("plotting a graph of values", "vector") == "render.py"
    assert top("database session", "keyword") == "db.py"
    commit = service.search_mode("render charts", 1, "hybrid", ["git"])[0]
    assert commit.source == "git" and commit.commit and "render charts faster" in commit.snippet
    assert all(".env" not in (h.path or "") for h in service.search_mode("SECRET_TOKEN", 5,
                                                                          "hybrid"))


def test_incremental_reindex_embeds_only_changes(service: SearchService) -> None:
    service.index()
    root = service.ws.root
    (root / "db.py").write_text(FILES["db.py"] + "\ndef close(conn):\n    conn.close()\n")
    (root / "render.py").unlink()
    report = service.index()
    assert (report.chunks_added, report.chunks_removed, report.embedded) == (1, 1, 1)
    assert all(h.path != "render.py" for h in service.search_mode("chart legend", 5, "hybrid",
                                                                  ["code"]))
    assert service.index().embedded == 0


def test_commit_chunks_follow_rewritten_history(tmp_path: Path) -> None:
    """A commit chunk shows the subject and changed files; a commit that left the history
    (reset, amend) loses its chunk on the next sync."""
    repo = GitRepo(tmp_path / "repo")
    repo.commit("add code", {"auth.py": FILES["auth.py"]})
    repo.commit("render charts faster", {"render.py": FILES["render.py"]})
    dropped = repo.head()
    ws = Workspace(repo.root, MiraConfig(data_dir=str(tmp_path / "data")))
    ws.open()
    try:
        ws.index_git()
        svc = ws.service(SearchService)
        assert svc.sync().commits_added == 2
        [hit] = svc.search_mode("render charts", 1, "keyword", ["git"])
        assert hit.commit == dropped and "render.py +3 -0" in hit.snippet
        repo.git("reset", "-q", "--hard", "HEAD~1")
        repo.commit("draw charts with axes", {"render.py": FILES["render.py"] + "# axes\n"})
        ws.index_git()
        assert svc.sync().commits_added == 1
        commits = {h.commit for h in svc.search_mode("charts", 5, "keyword", ["git"])}
        assert commits == {repo.head()}
        assert svc.sync().commits_added == 0  # nothing left to do
    finally:
        asyncio.run(ws.close())


def test_locked_vector_store_degrades_to_keyword(tmp_path: Path) -> None:
    repo = GitRepo(tmp_path / "repo")
    repo.commit("add", {"auth.py": FILES["auth.py"]})
    ws = Workspace(repo.root, MiraConfig(data_dir=str(tmp_path / "data")))
    ws.open()
    svc = ws.service(SearchService)
    svc.index(embed=False)
    import hashlib

    tag = hashlib.sha1(svc.identity("code").encode()).hexdigest()[:8]
    holder = EdgeStore(tmp_path / "data" / "vectors" / f"code-{tag}", 384)  # another process
    try:
        report = svc.index()
        hits = asyncio.run(svc.search("check password", 3))
        assert hits and hits[0].path == "auth.py"
        assert svc.status_message and "keyword-only" in svc.status_message
        assert report.embedded == 0
    finally:
        holder.close()
        asyncio.run(ws.close())


class _Scripted(BaseHTTPRequestHandler):
    script: list[int] = []

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        status = self.script.pop(0) if self.script else 200
        if status != 200:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(json.dumps({"error": {"message": "scripted"}}).encode())
            return
        data = [{"object": "embedding", "index": i, "embedding": [float(len(t)), 1.0, 0.0]}
                for i, t in enumerate(body["input"])]
        payload: dict[str, Any] = {"object": "list", "data": data, "model": body["model"],
                                   "usage": {"prompt_tokens": 1, "total_tokens": 1}}
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(json.dumps(payload).encode())

    def log_message(self, *args: object) -> None:
        pass


def test_openai_compatible_embedder_retries_and_fails_clearly() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Scripted)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    try:
        _Scripted.script = [429, 500]
        embedder = OpenAIEmbedder("test-model", 3, base_url=url, api_key="sk-test", batch=2)
        vectors = embedder.embed(["a", "bb", "ccc"])
        assert vectors.shape == (3, 3) and abs(float((vectors[0] ** 2).sum()) - 1) < 1e-6
        _Scripted.script = [401]
        with pytest.raises(EmbedderError, match="refused: 401"):
            embedder.embed(["a"])
        wrong = OpenAIEmbedder("test-model", 8, base_url=url, api_key="k")
        with pytest.raises(EmbedderError, match="expected dimension 8"):
            wrong.embed(["a"])
    finally:
        server.shutdown()
