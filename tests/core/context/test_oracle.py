"""The Context Oracle on a real fixture repository: sections, skipped sources, presets."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from mira.core.code.service import CodeService
from mira.core.config import MiraConfig
from mira.core.context import oracle, presets
from mira.core.context.api import ContextRequest
from mira.core.context.service import ContextService
from mira.core.context.sources import (
    GATHERERS,
    GatherInput,
    SourceResult,
    find_error,
    keywords,
)
from mira.core.semantic.service import SearchService
from mira.core.workspace import Workspace
from tests.support.gitrepo import GitRepo

ERROR_QUESTION = "Why does parse_config raise KeyError: 'name'?"


def request(repo: GitRepo, message: str, **kw: object) -> ContextRequest:
    return ContextRequest(message, "s1", path=repo.root / "api.py", line=1, **kw)  # type: ignore[arg-type]


async def test_sections_for_fixture_with_cochange_fix_and_guidelines(
        workspace: Workspace, context_repo: GitRepo) -> None:
    service = workspace.service(ContextService)
    result = await service.oracle(request(context_repo, ERROR_QUESTION))
    assert result.preset == "for_error"
    titles = [s.title for s in result.sections]
    assert titles[0] == "Similar Past Fixes"  # for_error puts fixes first
    assert {"Project Guidelines", "Related Files (Often Changed Together)"} <= set(titles)
    text = result.format_for_prompt()
    assert "## Similar Past Fixes" in text
    fixes = next(s for s in result.sections if s.source == "fixes")
    first_fix = fixes.markdown.split("### ")[1]
    assert first_fix.split("\n")[0].endswith(")") and "Fix KeyError in parse_config" in first_fix
    assert '+    if "name" not in values:' in first_fix
    cochange = next(s for s in result.sections if s.source == "cochange")
    assert cochange.markdown.splitlines()[1].startswith("- `client.py` — ")
    assert "Run `pytest -q` before committing" in text
    # sources that do not apply are reported with their reason, never fatal
    skipped = dict(s.split(": ", 1) for s in result.skipped)
    experts = next(s for s in result.sections if s.source == "experts")
    assert experts.markdown.startswith("- Alice Liddell <alice@example.com>")
    # the search index of this fixture is empty until its background run: a clear reason
    assert skipped["code_search"] == "no matching code"
    # the symbol at the cursor, parsed on demand (this fixture is not code-indexed)
    call_graph = next(s for s in result.sections if s.source == "call_graph")
    assert call_graph.markdown.startswith("`api.handler` (function, `api.py:1`)")
    assert skipped["build_errors"] == "no recent build errors"
    assert all(s.tokens > 0 for s in result.sections)
    assert result.tokens <= presets.PRESETS["for_error"].oracle_tokens


async def test_no_error_means_no_fix_search(workspace: Workspace, context_repo: GitRepo) -> None:
    result = await workspace.service(ContextService).oracle(
        request(context_repo, "How do the api and client talk to each other?"))
    assert result.preset == "full"
    assert "fixes: no error in the question or diagnostics" in result.skipped
    # an error in a diagnostic counts as much as one in the question
    with_diag = await workspace.service(ContextService).oracle(request(
        context_repo, "what is wrong here?", diagnostics=["KeyError: 'name'"]))
    assert with_diag.preset == "for_error"
    assert any(s.source == "fixes" for s in with_diag.sections)


@pytest.mark.parametrize(("used", "error", "expected"), [
    (0.0, False, "full"), (0.39, False, "full"), (0.4, False, "default"),
    (0.8, False, "default"), (0.81, False, "minimal"), (1.5, False, "minimal"),
    (0.1, True, "for_error"), (0.6, True, "for_error"), (0.9, True, "minimal"),
])
def test_preset_from_budget_and_question(used: float, error: bool, expected: str) -> None:
    assert presets.choose(None, used, error).name == expected


async def test_budget_driven_switching_changes_what_is_gathered(
        workspace: Workspace, context_repo: GitRepo) -> None:
    service = workspace.service(ContextService)
    question = "How do the api and client talk to each other?"
    spent = []
    for used in (0.1, 0.5, 0.95):
        built = await service.build(request(context_repo, question, budget_used_fraction=used))
        spent.append((built.preset, {s.source for s in built.sections}, built.tokens))
    assert [p for p, _, _ in spent] == ["full", "default", "minimal"]
    assert "cochange" in spent[0][1] and "cochange" in spent[1][1]
    assert spent[2][1] == {"guidelines"}  # minimal: code search (absent here) + guidelines
    assert spent[2][2] <= presets.PRESETS["minimal"].max_tokens
    assert spent[2][2] < spent[0][2]
    # an explicit preset wins; an unknown one is a clear error
    explicit = await service.build(request(context_repo, question, preset="minimal"))
    assert explicit.preset == "minimal"
    with pytest.raises(presets.UnknownPreset, match="unknown preset 'huge'"):
        await service.build(request(context_repo, question, preset="huge"))


async def test_secrets_and_outside_files_never_reach_the_prompt(
        tmp_path: Path, context_repo: GitRepo) -> None:
    (context_repo.root / "CONTRIBUTING.md").symlink_to(context_repo.root / ".env")
    outside = tmp_path / "outside.md"
    outside.write_text("TOP SECRET OUTSIDE\n")
    (context_repo.root / ".mira").mkdir(exist_ok=True)
    (context_repo.root / ".mira" / "guidelines.md").symlink_to(outside)
    (context_repo.root / "deploy.pem").write_text("-----BEGIN PRIVATE KEY-----\n")
    (context_repo.root / "notes.txt").write_text("internal notes\n")
    config = MiraConfig(context_secret_globs="notes.*",
                        context_guideline_files="AGENTS.md,CONTRIBUTING.md,.mira/guidelines.md,"
                                                "../outside.md,notes.txt")
    ws = Workspace(context_repo.root, config)
    ws.open()
    service = ws.service(ContextService)
    try:
        for path in (".env", "deploy.pem", "notes.txt", "api.py"):
            built = await service.build(ContextRequest(
                "help", "s", path=context_repo.root / path, line=0))
            everything = built.system + "".join(m["content"] for m in built.history)
            assert "sk-secret-value" not in everything
            assert "PRIVATE KEY" not in everything
            assert "TOP SECRET OUTSIDE" not in everything
            assert "internal notes" not in everything
            assert "Run `pytest -q`" in everything, built.skipped  # the real guideline is there
        secret = await service.build(ContextRequest("help", "s", path=context_repo.root / ".env",
                                                    selection="API_TOKEN=sk-secret-value-123"))
        assert "sk-secret-value" not in secret.system
        assert "secret file" in secret.system
        tree = secret.system.split("## Repository Structure")[1].split("## Current File")[0]
        assert ".env" not in tree and "deploy.pem" not in tree and "api.py" in tree
    finally:
        await ws.close()


def test_error_detection_and_keywords() -> None:
    assert find_error("TypeError: unsupported operand", []) is not None
    assert find_error("src/x.rs: error[E0308]: mismatched types", []) is not None
    assert find_error("how do I add a route?", []) is None
    failed = "FAILED tests/test_a.py::test_x"
    assert find_error("why?", [failed]) == failed
    assert set(keywords("how does parse_config handle the HistoryReader cache?")[:2]) == {
        "parse_config", "HistoryReader"}


@pytest.fixture
async def indexed(workspace: Workspace) -> Workspace:
    """The fixture with code intelligence and the search index built (commits included)."""
    workspace.service(CodeService).index()
    workspace.service(SearchService).index()
    return workspace


async def test_code_section_survives_commit_hits(indexed: Workspace,
                                                 context_repo: GitRepo) -> None:
    question = "Fix KeyError in parse_config when the name is missing"
    everything = await indexed.service(SearchService).search(question, 10, ["code", "git"])
    assert any(h.source == "git" and h.path is None for h in everything)  # the crash's cause
    result = await indexed.service(ContextService).oracle(request(context_repo, question))
    code = next(s for s in result.sections if s.source == "code_search")
    assert code.markdown.startswith("### `config.py` lines 1-")
    assert " @ " not in code.markdown  # commits are not code hits


def test_every_source_is_in_the_full_preset() -> None:
    assert set(GATHERERS) == set(presets.PRESETS["full"].sources)


async def baseline(ws: Workspace, repo: GitRepo) -> dict[str, str]:
    result = await ws.service(ContextService).oracle(
        request(repo, ERROR_QUESTION, preset="full"))
    return {s.source: s.markdown for s in result.sections}


@pytest.mark.parametrize("name", sorted(GATHERERS))
async def test_a_failing_source_never_drops_another(
        name: str, indexed: Workspace, context_repo: GitRepo,
        monkeypatch: pytest.MonkeyPatch) -> None:
    before = await baseline(indexed, context_repo)
    # on this fixture nearly every source contributes, so the check below has teeth
    assert {"guidelines", "code_search", "concepts", "call_graph", "symbols", "cochange",
            "fixes"} <= set(before)

    async def broken(inp: GatherInput, cap: int) -> SourceResult:
        raise RuntimeError(f"{name} is broken")

    monkeypatch.setitem(GATHERERS, name, broken)
    result = await indexed.service(ContextService).oracle(
        request(context_repo, ERROR_QUESTION, preset="full"))
    after = {s.source: s.markdown for s in result.sections}
    assert after == {k: v for k, v in before.items() if k != name}
    assert f"{name}: failed: RuntimeError: {name} is broken" in result.skipped


async def test_a_hanging_source_times_out_alone(indexed: Workspace, context_repo: GitRepo,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    before = await baseline(indexed, context_repo)

    async def hangs(inp: GatherInput, cap: int) -> SourceResult:
        await asyncio.sleep(60)
        raise AssertionError("not reached")

    monkeypatch.setitem(GATHERERS, "code_search", hangs)
    preset = presets.PRESETS["full"]
    inp = GatherInput(indexed, ERROR_QUESTION, context_repo.root / "api.py", 0,
                      error_text=ERROR_QUESTION)
    result = await oracle.gather(inp, preset, timeout=1.0)
    assert {s.source: s.markdown for s in result.sections} == {
        k: v for k, v in before.items() if k != "code_search"}
    assert "code_search: timed out after 1 s" in result.skipped


async def test_current_file_outline_concepts_and_calls(indexed: Workspace,
                                                       context_repo: GitRepo) -> None:
    result = await indexed.service(ContextService).oracle(ContextRequest(
        "what does this do?", "s1", path=context_repo.root / "client.py", line=3))
    by_source = {s.source: s.markdown for s in result.sections}
    assert by_source["symbols"] == "`client.py` defines:\n- `call` (function, line 3) —" \
        " `def call()`"
    assert by_source["call_graph"].startswith("`client.call` (function, `client.py:3`)\n"
                                              "- calls `api.handler` (`api.py:1`)")
    # the symbol at the cursor brings its name's concepts, not itself
    assert "client.call" not in by_source.get("concepts", "")
    # no cursor: the file's functions, with their calls
    whole = await indexed.service(ContextService).oracle(ContextRequest(
        "what does this do?", "s1", path=context_repo.root / "api.py"))
    graph = next(s.markdown for s in whole.sections if s.source == "call_graph")
    assert graph.startswith("`api.handler` (function, `api.py:1`)\n- called by `client.call`")
