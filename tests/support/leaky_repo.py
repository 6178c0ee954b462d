"""A repository full of secrets, for the gate's tests: every kind of secret file (by name,
by content, by the user's glob), secret tokens inside ordinary files, a commit message
and a diff, and symlinks out of the workspace. Every secret carries a marker; the tests
assert no marker ever appears in an answer, a request to a model, a log or ``.mira/``.
"""

from __future__ import annotations

import os
import random
import string
from dataclasses import dataclass, field
from pathlib import Path

from tests.support.gitrepo import GitRepo

USER_GLOBS = "private/*,*.internal.yaml"
_ALNUM = string.ascii_letters + string.digits


def _rand(rng: random.Random, n: int, alphabet: str = _ALNUM) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def tokens() -> dict[str, str]:
    """One realistic token per kind (kind -> token); each token is its own marker."""
    rng = random.Random(14)
    up = string.ascii_uppercase + "234567"
    word = _ALNUM + "_-"
    return {
        "aws-access-key": "AKIA" + _rand(rng, 16, up),
        "github-token": "ghp_" + _rand(rng, 36),
        "gitlab-token": "glpat-" + _rand(rng, 20, word),
        "slack-token": f"xoxb-{_rand(rng, 12, string.digits)}-{_rand(rng, 13, string.digits)}-"
                       + _rand(rng, 24),
        "stripe-key": "sk_live_" + _rand(rng, 24),
        "openai-key": "sk-proj-" + _rand(rng, 48, word),
        "anthropic-key": "sk-ant-api03-" + _rand(rng, 90, word) + "AA",
        "npm-token": "npm_" + _rand(rng, 36),
        "pypi-token": "pypi-AgEIcHlwaS5vcmc" + _rand(rng, 60, word),
        "gcp-api-key": "AIza" + _rand(rng, 35, word),
        "jwt": f"eyJ{_rand(rng, 30)}.eyJ{_rand(rng, 40)}.{_rand(rng, 43, word)}",
        "password": "Pw7" + _rand(rng, 14) + "#q9",
        "url-password": "Db4" + _rand(rng, 12) + "x8",
        "private-key": "MIIEpAIBAAKCAQEA" + _rand(rng, 48),
    }


def ordinary_python(tok: dict[str, str]) -> str:
    """A source file that is not secret, with secret tokens in it."""
    return (
        '"""Settings of the payment app."""\n\n'
        f'AWS_ACCESS_KEY_ID = "{tok["aws-access-key"]}"\n'
        f'GITHUB_TOKEN = "{tok["github-token"]}"\n'
        f'GITLAB = "{tok["gitlab-token"]}"\n'
        f'SLACK_BOT = "{tok["slack-token"]}"\n'
        f'OPENAI = "{tok["openai-key"]}"\n'
        f'ANTHROPIC = "{tok["anthropic-key"]}"\n'
        f'MAPS_KEY = "{tok["gcp-api-key"]}"\n'
        f'DB_PASSWORD = "{tok["password"]}"\n'
        f'DATABASE_URL = "postgres://admin:{tok["url-password"]}@db.internal:5432/pay"\n\n'
        f'TEST_KEY = """-----BEGIN RSA PRIVATE KEY-----\n{tok["private-key"]}\n'
        '-----END RSA PRIVATE KEY-----"""\n\n\n'
        'def charge_card(amount, token="' + tok["stripe-key"] + '"):\n'
        '    """Charge the customer\'s card through the payment gateway."""\n'
        '    return gateway(amount, token)\n'
    )


def ordinary_markdown(tok: dict[str, str]) -> str:
    return ("# Deploying the payment app\n\nPublish with\n\n"
            f"    npm config set //registry.npmjs.org/:_authToken {tok['npm-token']}\n"
            f"    twine upload -p {tok['pypi-token']} dist/*\n\n"
            f"Call the API with `Authorization: Bearer {tok['jwt']}`.\n")


# Secret files: path -> why (each file's content holds the marker ``FILE-MARKER-<n>``).
SECRET_FILES = {
    ".env": "dotenv", ".env.local": "dotenv", "config/credentials.json": "credentials",
    ".npmrc": "npm", ".netrc": "netrc", ".pypirc": "pypi", ".git-credentials": "git",
    ".aws/credentials": "aws", "infra/prod.tfvars": "terraform vars",
    "infra/terraform.tfstate": "terraform state", ".ssh/config": "ssh",
    "deploy/server.key": "key", "deploy/cert.pem": "certificate", "kube/kubeconfig": "kube",
    "android/release.jks": "keystore", "config/secrets.yml": "secrets file",
    # by content, under innocent names
    "keys/signing.txt": "private key content", "gcp/account.json": "service account",
    # the user's globs
    "private/notes.md": "user glob", "deploy/values.internal.yaml": "user glob",
}
OUTSIDE_MARKER = "OUTSIDE-SECRET-4242"
UNTRACKED_MARKER = "FILE-MARKER-UNTRACKED"


def file_marker(i: int) -> str:
    return f"FILE-MARKER-{i:02d}-ZEBRA"


def _secret_content(path: str, marker: str) -> str:
    if path == "keys/signing.txt":
        return f"-----BEGIN OPENSSH PRIVATE KEY-----\n{marker}\n-----END OPENSSH PRIVATE KEY-----\n"
    if path == "gcp/account.json":
        return ('{"type": "service_account", "project_id": "pay", "private_key": '
                f'"{marker}", "client_email": "ci@pay.iam.gserviceaccount.com"}}\n')
    return f"# payment settings\nvalue = {marker}\nretry_payment_gateway = true\n"


@dataclass
class LeakyRepo:
    repo: GitRepo
    outside: Path
    tokens: dict[str, str] = field(default_factory=tokens)

    @property
    def root(self) -> Path:
        return self.repo.root

    def markers(self) -> list[str]:
        """Every string that must never leave the gate."""
        return [*self.tokens.values(), *(file_marker(i) for i in range(len(SECRET_FILES))),
                OUTSIDE_MARKER, UNTRACKED_MARKER]

    def leaks(self, text: str | bytes) -> list[str]:
        data = text.encode("utf-8", "replace") if isinstance(text, str) else text
        return [m for m in self.markers() if m.encode() in data]


def leaky_fixture(tmp_path: Path) -> LeakyRepo:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "notes.txt").write_text(f"payment gateway notes {OUTSIDE_MARKER}\n")
    repo = GitRepo(tmp_path / "repo")
    leaky = LeakyRepo(repo, outside)
    tok = leaky.tokens
    repo.commit("add the payment app", {
        "app/settings.py": ordinary_python(tok),
        "app/payments.py": "from app.settings import charge_card\n\n\n"
                           "def pay(order):\n    \"\"\"Pay an order.\"\"\"\n"
                           "    return charge_card(order.total)\n",
        "docs/deploy.md": ordinary_markdown(tok),
        **{path: _secret_content(path, file_marker(i))
           for i, path in enumerate(SECRET_FILES)},
    })
    # a token in a commit message, and in a diff of an ordinary file
    repo.commit(f"Fix payment error: rotate the stripe key {tok['stripe-key']}", {
        "app/gateway.py": "def gateway(amount, token):\n"
                          f"    # was {tok['github-token']}\n    return amount\n"})
    repo.commit("Fix TypeError in gateway when the amount is None", {
        "app/gateway.py": "def gateway(amount, token):\n    return amount or 0\n"})
    repo.write(".env.production", f"STRIPE={UNTRACKED_MARKER}\n")  # untracked, not ignored
    os.symlink(outside / "notes.txt", repo.root / "docs" / "linked.md")  # out of the workspace
    os.symlink(outside, repo.root / "vendor_link")  # a directory out of the workspace
    os.symlink(repo.root / ".env", repo.root / "config.txt")  # an innocent name for a secret
    return leaky


def grep_tree(root: Path, leaky: LeakyRepo) -> dict[str, list[str]]:
    """Markers found in any file under ``root`` (bytes: databases, WAL, vectors)."""
    found: dict[str, list[str]] = {}
    for dirpath, _, filenames in os.walk(root):
        for name in filenames:
            path = Path(dirpath) / name
            try:
                data = path.read_bytes()
            except OSError:
                continue
            hits = leaky.leaks(data)
            if hits:
                found[str(path.relative_to(root))] = hits
    return found
