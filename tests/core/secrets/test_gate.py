"""The gate's rules: secret names, secret contents, token redaction, listing, symlinks."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from mira.core import secrets
from mira.core.files import Gate, editor_language, language_for, source_bytes
from tests.support.leaky_repo import ordinary_python, tokens

SECRET_NAMES = [
    ".env", ".env.local", "app/.env.production", "prod.env", ".envrc", "config/credentials.json",
    "credentials", ".npmrc", ".netrc", ".pypirc", ".git-credentials", ".htpasswd", ".pgpass",
    ".aws/credentials", ".aws/config", ".azure/accessTokens.json", ".kube/config",
    "kube/kubeconfig", "home/.config/gcloud/application_default_credentials.json",
    ".docker/config.json", ".ssh/config", ".ssh/id_rsa", "keys/id_ed25519", "id_rsa.pub",
    "infra/prod.tfvars", "infra/x.tfvars.json", "terraform.tfstate", "terraform.tfstate.backup",
    "deploy/server.key", "deploy/cert.pem", "tls/ca.crt", "android/release.jks",
    "app.keystore", "store.p12", "cert.pfx", "AuthKey_ABC.p8", "putty.ppk", "vault.kdbx",
    "client_secret_1234.apps.googleusercontent.com.json", "service-account.json",
    "config/secrets.yml", "config/master.key", "db_credentials.yaml", "vpn.ovpn",
]
ORDINARY_NAMES = [
    "secrets.py", "credentials.py", "src/secret_santa.go", "id_utils.py", "envelope.py",
    "environment.ts", ".env.example", ".env.sample", "env.template", "docs/tokens.md",
    "keys.py", "key_value.rs", "tests/test_secrets.py", "tokenizer.json", "README.md",
    "src/credentials/store.ts", "package.json", "Cargo.toml", ".gitignore", "setup.cfg",
    "passwords.rs", "src/auth/keys/mod.rs",
]


@pytest.mark.parametrize("path", SECRET_NAMES)
def test_secret_names(path: str) -> None:
    assert secrets.secret_name(path), path


@pytest.mark.parametrize("path", ORDINARY_NAMES)
def test_ordinary_names_stay_readable(path: str) -> None:
    assert secrets.secret_name(path) is None, secrets.secret_name(path)


def test_user_globs_on_names_paths_and_folders() -> None:
    globs = secrets.parse_globs("private/*, *.internal.yaml\nvault/**")
    assert secrets.secret_name("private/notes.md", globs)
    assert secrets.secret_name("deploy/values.internal.yaml", globs)
    assert secrets.secret_name("vault/a/b/c.py", globs)
    assert secrets.secret_name("public/notes.md", globs) is None


@pytest.mark.parametrize("kind", sorted(tokens()))
def test_every_token_kind_is_redacted_in_ordinary_text(kind: str) -> None:
    tok = tokens()
    text = ordinary_python(tok) + f"\nsee {tok['npm-token']} and {tok['pypi-token']}\n" \
        f"jwt {tok['jwt']}\n"
    redacted = secrets.redact(text)
    assert tok[kind] not in redacted
    assert "def charge_card(amount, token=" in redacted  # the code around stays


@pytest.mark.parametrize("text", [
    'password = request.form["password"]', "token = get_token()", 'password = "secret"',
    'api_key: str = ""', "self.token = token", "def check_password(password: str) -> bool:",
    'secret_key = os.environ["SECRET_KEY"]', "https://user@github.com/org/repo",
    "token_type = 'bearer'", "key = self.cache_key(request)", 'PASSWORD = "${DB_PASSWORD}"',
    "commit 3f2a9c1d7e8b4a6f5e0d9c8b7a6f5e4d3c2b1a0f", "sha256:9f86d081884c7d659a2feaa0c55ad015",
    "uuid = 123e4567-e89b-12d3-a456-426614174000", "password: <your password>",
    "AUTH_TOKEN=changeme", 'TOKEN_URL = "https://oauth2.googleapis.com/token"',
])
def test_ordinary_code_is_not_redacted(text: str) -> None:
    assert secrets.redact(text) == text


def test_secret_content_under_innocent_names() -> None:
    key = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH" \
          " PRIVATE KEY-----\n"
    assert secrets.secret_content("notes.txt", key)
    assert secrets.secret_content("gcp.json", '{"type": "service_account", "private_key": "x"}')
    assert secrets.secret_content("profile", "[default]\naws_secret_access_key = abc\n")
    assert secrets.secret_content("conf.yaml", "apiVersion: v1\nclusters:\n- x\nusers:\n"
                                  "- name: u\n  user:\n    token: abc\n")
    assert secrets.secret_content("data.yaml", "fixture: |\n  " + key)
    # a test fixture key inside source code is redacted, not a reason to hide the file
    assert secrets.secret_content("tests/test_tls.py", f'KEY = """{key}"""') is None
    assert "b3BlbnNzaC1rZXktdjEAAAAA" not in secrets.redact(f'KEY = """{key}"""')


def test_masking_keeps_byte_offsets() -> None:
    tok = tokens()
    data = ("# café\n" + ordinary_python(tok)).encode()
    masked, reason = source_bytes("app/settings.py", data)
    assert reason is None and len(masked) == len(data)
    assert tok["github-token"].encode() not in masked and b"charge_card" in masked
    assert masked.index(b"def charge_card") == data.index(b"def charge_card")
    assert source_bytes("k.txt", b"-----BEGIN RSA PRIVATE KEY-----\nabc\n")[1]


def test_languages_one_map() -> None:
    assert language_for("a/b.py") == "python" and language_for("x.tsx") == "typescript"
    assert language_for("Makefile") is None
    assert editor_language("x.tsx") == "typescriptreact" and editor_language("a.sh") == \
        "shellscript" and editor_language("a.unknown") == "plaintext"


def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True)


@pytest.mark.parametrize("use_git", [True, False])
def test_listing_boundary_and_symlinks(tmp_path: Path, use_git: bool) -> None:
    root = tmp_path / "ws"
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("OUTSIDE\n")
    files = {"src/app.py": "x = 1\n", "README.md": "hi\n", ".env": "A=1\n",
             "node_modules/lib/index.js": "x\n", "build/out.py": "x\n", "ignored.log": "x\n",
             "logs/today.txt": "x\n", ".gitignore": "*.log\nlogs/\n", "private/plan.md": "x\n",
             ".mira/mira.db": "x"}
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    if use_git:
        _git(root, "init", "-q")
    os.symlink(outside / "secret.txt", root / "out_link.txt")
    os.symlink(outside, root / "out_dir")
    os.symlink(root / ".env", root / "innocent.txt")
    os.symlink(root / "src/app.py", root / "app_link.py")
    os.symlink("loop.py", root / "loop.py")
    os.symlink("..", root / "src" / "up")
    gate = Gate(root, ("private/*",))
    listed = gate.list_files()
    assert listed == [".gitignore", "README.md", "app_link.py", "src/app.py"]
    # reads: outside, loops and secrets refused, through links too
    assert gate.read("out_link.txt").status == "outside"
    assert gate.read("out_dir/secret.txt").status == "outside"
    assert gate.read("../outside/secret.txt").status == "outside"
    assert gate.read(outside / "secret.txt").status == "outside"
    assert gate.read("loop.py").status == "outside"
    assert gate.read("innocent.txt").status == "secret"
    assert gate.read("private/plan.md").status == "secret"
    assert gate.read("src/up/src/app.py").text == "x = 1\n"  # inside, however reached
    assert gate.read("app_link.py").text == "x = 1\n"


def test_reading_limits(tmp_path: Path) -> None:
    (tmp_path / "big.txt").write_text("x" * 2000)
    (tmp_path / "bin.dat").write_bytes(b"\0\1\2")
    (tmp_path / "latin.txt").write_bytes("caf\xe9".encode("latin-1"))
    gate = Gate(tmp_path, max_bytes=1000)
    assert gate.read("big.txt").status == "too_large"
    head = gate.read("big.txt", truncate=True)
    assert head.truncated and head.text == "x" * 1000
    assert gate.read("bin.dat").status == "binary"
    assert gate.read("latin.txt").text == "caf\ufffd"
    assert gate.read("missing.txt").status == "missing"
    assert gate.read(".").status == "directory"
