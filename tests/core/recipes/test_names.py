from mira.core.recipes.names import abstract, name_of, render, spellings, split_words


def test_words_and_spellings() -> None:
    assert split_words("userProfile-v2") == ("user", "profile", "v", "2")
    assert split_words("HTTPServer") == ("http", "server")
    forms = dict(spellings(("user", "profile")))
    assert forms == {"snake": "user_profile", "kebab": "user-profile", "camel": "userProfile",
                     "pascal": "UserProfile", "upper": "USER_PROFILE", "flat": "userprofile",
                     "spaced": "user profile"}
    assert dict(spellings(("search",)))["snake"] == "search"


def test_abstract_replaces_whole_words_only() -> None:
    words = ("user", "profile")
    text = "class UserProfileHandler:\n    x = getUserProfile(user_profile, 'user-profile')\n" \
           "    y = user_profiles + superuser_profile\n"
    out = abstract(text, words)
    assert "class {{pascal}}Handler" in out
    assert "get{{pascal}}({{snake}}, '{{kebab}}')" in out
    assert "user_profiles" in out and "superuser_profile" in out


def test_render_round_trips() -> None:
    template = "src/{{snake}}/{{pascal}}View.ts"
    assert render(template, ("audit", "log")) == "src/audit_log/AuditLogView.ts"
    assert name_of("src/audit_log/AuditLogView.ts", template) == ("audit", "log")
    assert name_of("src/audit_log/OtherView.ts", template) is None
    assert name_of("tests/test_billing.py", "tests/test_{{snake}}.py") == ("billing",)
