"""The ``mira`` command, run as a real subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.support.cli import mira
from tests.support.gitrepo import GitRepo
from tests.support.lsp import server_env


def test_cochange_json_one_object_per_path(cochange_repo: GitRepo, tmp_path: Path) -> None:
    out = mira("cochange", "api.py", "models.py", "missing.py", "--json", "--limit", "2",
               cwd=cochange_repo.root)
    assert out.returncode == 0, out.stderr
    lines = [json.loads(line) for line in out.stdout.splitlines()]
    assert [line["path"] for line in lines] == ["api.py", "models.py", "missing.py"]
    api = lines[0]["items"]
    assert [(i["path"], i["sharedCommits"]) for i in api] == [("client.py", 5), ("docs.md", 2)]
    assert set(api[0]) == {"path", "confidence", "sharedCommits", "lastChangedTogether",
                           "reason"}
    assert lines[2]["items"] == [] and lines[2]["note"]
    assert out.stderr == ""  # not a terminal: no progress bar


def test_workspace_flag_status_and_index(cochange_repo: GitRepo, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    index = mira("index", str(cochange_repo.root), "--json", cwd=elsewhere)
    assert index.returncode == 0, index.stderr
    [result] = [json.loads(line) for line in index.stdout.splitlines()]
    assert result["added"] == 7 and result["state"] == "ready"
    status = mira("status", "--json", "--workspace", str(cochange_repo.root), cwd=elsewhere)
    info = json.loads(status.stdout)
    assert info["repositories"][0]["commitsIndexed"] == 7
    assert info["repositories"][0]["lastIndexedHead"] == cochange_repo.head()
    text = mira("cochange", "--workspace", str(cochange_repo.root), "client.py", cwd=elsewhere)
    assert "api.py" in text.stdout and "5 commits" in text.stdout
    assert "?? " not in cochange_repo.git("status", "--porcelain")  # .mira/ hides itself


def test_data_dir_from_environment_and_flags(cochange_repo: GitRepo, tmp_path: Path) -> None:
    data = tmp_path / "data"
    env = {**server_env(), "MIRA_DATA_DIR": str(data)}
    out = subprocess.run([sys.executable, "-m", "mira", "index", "."], cwd=cochange_repo.root,
                         env=env, capture_output=True, text=True, check=True)
    assert (data / "mira.db").exists() and "indexed 7 new commits" in out.stderr
    flag = mira("index", ".", "--data-dir", str(tmp_path / "flagged"), cwd=cochange_repo.root)
    assert flag.returncode == 0 and (tmp_path / "flagged" / "mira.db").exists()


def test_clear_errors(tmp_path: Path) -> None:
    out = mira("cochange", "x.py", "--workspace", str(tmp_path / "nope"), cwd=tmp_path)
    assert out.returncode == 2 and "is not a directory" in out.stderr
    bad = mira("index", ".", "--cochange-limit", "-3", cwd=tmp_path)
    assert bad.returncode == 0 and "cochange_limit must be at least 1" in bad.stderr
    assert "not a git repository" in bad.stderr
    assert os.path.isdir(tmp_path / ".mira")


def test_relative_paths_belong_to_the_workspace(cochange_repo: GitRepo, tmp_path: Path) -> None:
    """Run from another checkout that has its own api.py: ``api.py --workspace ../repo`` is
    the workspace's api.py, not the one in the current directory."""
    here = GitRepo(tmp_path / "here")
    here.commit("unrelated api", {"api.py": "x = 1\n", "other.py": "y = 2\n"},
                author="Zed Nobody")
    workspace = os.path.relpath(cochange_repo.root, here.root)
    out = mira("cochange", "api.py", "--json", "--workspace", workspace, cwd=here.root)
    assert out.returncode == 0, out.stderr
    [answer] = [json.loads(line) for line in out.stdout.splitlines()]
    assert answer["items"] and answer["items"][0]["path"] == "client.py", answer
    experts = mira("experts", "api.py", "--json", "--workspace", workspace, cwd=here.root)
    assert experts.returncode == 0, experts.stderr
    [found] = [json.loads(line) for line in experts.stdout.splitlines()]
    assert found["path"] == "api.py"
    names = {e["name"] for e in found["experts"]}
    assert names and "Zed Nobody" not in names, found


def test_index_takes_workspace_like_every_command(cochange_repo: GitRepo, tmp_path: Path
                                                   ) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    out = mira("index", "--workspace", str(cochange_repo.root), "--json", cwd=elsewhere)
    assert out.returncode == 0, out.stderr
    [result] = [json.loads(line) for line in out.stdout.splitlines()]
    assert result["added"] == 7
    both = mira("index", str(elsewhere), "--workspace", str(cochange_repo.root), cwd=elsewhere)
    assert both.returncode == 2 and "two workspaces" in both.stderr
