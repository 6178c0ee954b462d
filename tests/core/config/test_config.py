from __future__ import annotations

from mira.core.config import MiraConfig, defaults_as_camel, load, settings_fields
from mira.core.endpoint import DEFAULT_MODEL, endpoint_from


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


def test_other_tools_names_and_keys_come_from_the_environment() -> None:
    env = {"OPENAI_BASE_URL": "http://llm.local/v1", "BUDGET_DAILY_LIMIT_USD": "2.5",
           "BUDGET_MONTHLY_LIMIT_USD": "40", "OPENAI_API_KEY": "sk-secret-1",
           "QDRANT_API_KEY": "qd-secret-2", "MIRA_MODEL": "tiny"}
    config, warnings = load(None, env)
    assert warnings == []
    assert config.llm_base_url == "http://llm.local/v1" and config.model == "tiny"
    assert config.budget_daily_limit_usd == 2.5 and config.budget_monthly_limit_usd == 40.0
    assert config.openai_api_key == "sk-secret-1" and config.qdrant_api_key == "qd-secret-2"
    assert "sk-secret-1" not in repr(config) and "qd-secret-2" not in repr(config)
    # Mira's own names win over the other tools' names, options over both
    config, _ = load(None, {**env, "MIRA_LLM_BASE_URL": "http://mira.local/v1"})
    assert config.llm_base_url == "http://mira.local/v1"
    config, _ = load({"llmBaseUrl": "http://options/v1", "budgetDailyLimitUsd": 1}, env)
    assert config.llm_base_url == "http://options/v1" and config.budget_daily_limit_usd == 1.0
    # an empty variable is unset
    config, warnings = load(None, {"OPENAI_API_KEY": "", "MIRA_LLM_BASE_URL": " "})
    assert warnings == [] and config.openai_api_key is None and config.llm_base_url is None


def test_keys_are_never_taken_from_options_or_offered_as_settings() -> None:
    config, warnings = load({"openaiApiKey": "sk-in-settings"}, {})
    assert config.openai_api_key is None
    assert warnings == ["initializationOptions: openaiApiKey is read from the environment only"
                        " (OPENAI_API_KEY); ignored"]
    names = {f.name for f in settings_fields()}
    assert "openai_api_key" not in names and "qdrant_api_key" not in names
    assert "openaiApiKey" not in defaults_as_camel()



def test_poll_intervals_are_tuning_from_the_environment_only() -> None:
    config, warnings = load({"clientPollS": 0.1}, {"MIRA_CLIENT_POLL_S": "0.5",
                                                   "MIRA_WRITER_POLL_S": "0.25"})
    assert (config.client_poll_s, config.writer_poll_s) == (0.5, 0.25)
    assert warnings == ["initializationOptions: clientPollS is read from the environment only"
                        " (MIRA_CLIENT_POLL_S); ignored"]
    assert (MiraConfig().client_poll_s, MiraConfig().writer_poll_s) == (2.0, 5.0)
    _, bad = load(None, {"MIRA_CLIENT_POLL_S": "0"})
    assert bad == ["environment: client_poll_s must be at least 0.05, got '0'; using 2.0"]
    assert {"clientPollS", "writerPollS"}.isdisjoint(defaults_as_camel())

def test_the_model_endpoint_is_resolved_once_from_the_configuration() -> None:
    assert endpoint_from(load(None, {})[0]) is None
    key_only = endpoint_from(load(None, {"OPENAI_API_KEY": "sk-1"})[0])
    assert key_only is not None and key_only.base_url is None
    assert key_only.model == DEFAULT_MODEL and "sk-1" not in repr(key_only)
    local = endpoint_from(load({"llmBaseUrl": "http://127.0.0.1:8080/v1", "model": "qwen",
                                "llmTimeoutS": 5}, {})[0])
    assert local is not None and local.base_url == "http://127.0.0.1:8080/v1"
    assert local.model == "qwen" and local.timeout_s == 5.0 and local.api_key == ""
