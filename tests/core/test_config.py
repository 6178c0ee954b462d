from __future__ import annotations

from mira.core.config import MiraConfig, defaults_as_camel, load


def test_precedence_defaults_env_options() -> None:
    config, warnings = load({"hintThreshold": 0.8}, {"MIRA_HINT_THRESHOLD": "0.6",
                                                     "MIRA_COCHANGE_LIMIT": "7"})
    assert warnings == []
    assert config.hint_threshold == 0.8 and config.cochange_limit == 7
    assert config.watch is True


def test_invalid_values_warn_and_keep_defaults() -> None:
    config, warnings = load({"hintThreshold": "lots", "cochangeLimit": 0, "watch": "maybe",
                             "noSuchKey": 1, "logLevel": "chatty", "watchDebounceMs": 5000})
    defaults = MiraConfig()
    assert config == defaults
    assert len(warnings) == 6
    assert any("unknown setting 'noSuchKey'" in w for w in warnings)
    assert any("watchDebounceMs must be at most 300" in w for w in warnings)


def test_options_must_be_an_object() -> None:
    config, warnings = load(["not", "a", "dict"], {})
    assert config == MiraConfig() and "must be an object" in warnings[0]


def test_snake_case_keys_and_camel_defaults() -> None:
    config, _ = load({"hint_min_shared": 5}, {})
    assert config.hint_min_shared == 5
    camel = defaults_as_camel()
    assert camel["hintMinShared"] == 3 and camel["dataDir"] is None
