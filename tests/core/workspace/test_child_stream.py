"""Heavy parsing streamed from a child process (``processes.stream_from_child``)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from mira.core.git.log_reader import GitLogError, iter_commits
from mira.core.processes import pid_alive, stream_from_child
from tests.support.gitrepo import GitRepo


def test_the_git_log_parsed_in_a_child_equals_the_log_parsed_here(git_repo: GitRepo) -> None:
    for i in range(250):  # more than one piece of the stream
        git_repo.commit(f"c{i}", {"a.py": f"{i}\n", f"d/{i % 7}.py": f"{i}\n"})
    here = list(iter_commits(git_repo.root, ["HEAD"]))
    there = list(stream_from_child(iter_commits, git_repo.root, ["HEAD"]))
    assert there == here and len(there) == 250


def test_an_error_in_the_child_is_raised_in_the_parent(tmp_path: Path) -> None:
    (tmp_path / "not-a-repo").mkdir()
    with pytest.raises(GitLogError):
        list(stream_from_child(iter_commits, tmp_path / "not-a-repo", ["HEAD"]))


def test_stopping_early_ends_the_child(git_repo: GitRepo) -> None:
    for i in range(250):
        git_repo.commit(f"c{i}", {"a.py": f"{i}\n"})
    stream = stream_from_child(iter_commits, git_repo.root, ["HEAD"])
    next(stream)
    frame = stream.gi_frame
    assert frame is not None
    child = frame.f_locals["child"]
    stream.close()  # a cancelled index run
    deadline = time.monotonic() + 10
    while pid_alive(child.pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not pid_alive(child.pid)
