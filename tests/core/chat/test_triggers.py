"""Matching requests to reasoning patterns: keywords, file kinds, embeddings, plans."""

from mira.core.reasoning.triggers import file_kinds, keywords, plan_lines, similarity


def test_keywords_drop_stopwords_and_fold_plurals() -> None:
    assert keywords("Add the database migrations for users") == ["database", "migration", "user"]
    assert keywords("fix parseConfigFile") == ["fix", "parse", "config"]
    assert file_kinds(["a/b.py", None, "c.TS"]) == [".py", ".ts"]


def test_similarity_uses_embeddings_when_both_sides_have_them() -> None:
    words = keywords("add a migration for orders")
    pattern = keywords("Add a database migration for the users table")
    keyword_only = similarity(words, [], None, pattern, [".sql"], None)
    close = similarity(words, [], [1.0, 0.0], pattern, [".sql"], [0.9, 0.1])
    far = similarity(words, [], [1.0, 0.0], pattern, [".sql"], [0.0, 1.0])
    assert far < keyword_only < close <= 1.0
    assert similarity(keywords("why is CI slow"), [], None, pattern, [], None) == 0.0
    same_kind = similarity(words, [".sql"], None, pattern, [".sql"], None)
    other_kind = similarity(words, [".py"], None, pattern, [".sql"], None)
    assert same_kind > other_kind


def test_plan_lines_take_the_answers_steps() -> None:
    assert plan_lines("Do this:\n1. Check the naming\n2) Create the file\n- Add a test") == [
        "Check the naming", "Create the file", "Add a test"]
    assert plan_lines("It works because the cache is keyed by HEAD. Nothing else changes.") == [
        "It works because the cache is keyed by HEAD.", "Nothing else changes."]
