"""What is a secret: file names and paths, file contents, and tokens inside ordinary text.

Why researched rules rather than a handful of globs: a secret reaches a model, a log or
an index by many roads (a ``.npmrc``, a service-account JSON, a token pasted into a
commit message). The name rules follow what credential files tools actually write
(npm, pip, netrc, git, docker, cloud CLIs, kubectl, ssh, terraform, keystores); the
token rules follow the prefixed formats of gitleaks' and detect-secrets' rule sets
(private-key blocks, cloud keys, forge/chat/payment/AI/package-registry tokens, JWTs)
plus keyword assignments (``password = "…"``) with a high-entropy value. Prefixed
formats are precise; the keyword rule asks for entropy so ``password = request.form``
and ``token = "test"`` stay readable.

A *secret file* is never read at all (name, path, the user's globs, or content such as
a key file). A *secret token* inside an ordinary file, a commit message, a diff or a
chat message is redacted (``[REDACTED:<kind>]``) before it is stored, embedded or sent.
Bump ``GATE_VERSION`` whenever a rule changes: stores written under older rules are
purged again at the next start (``core/secrets_purge.py``).
"""

from __future__ import annotations

import fnmatch
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import PurePosixPath

GATE_VERSION = 1  # bump when a rule changes: older stores are purged again

# -- names and paths ---------------------------------------------------------------------
# Directories whose every file is a credential store.
SECRET_DIRS = frozenset({".ssh", ".gnupg", ".aws", ".azure", ".kube", ".docker", ".gcloud",
                         ".terraform", ".password-store", ".git"})
# Exact file names (lower case) that credential tools write.
SECRET_NAMES = frozenset({
    ".env", ".envrc", ".netrc", "_netrc", ".npmrc", ".yarnrc.yml", ".pypirc", ".git-credentials",
    ".gitcookies", ".htpasswd", ".pgpass", ".my.cnf", ".dockercfg", ".vault-token", ".boto",
    ".s3cfg", ".terraformrc", "terraform.rc", "credentials", "kubeconfig",
    "application_default_credentials.json", "id_rsa", "id_dsa", "id_ecdsa", "id_ed25519",
    "known_hosts", "authorized_keys", "secring.gpg", "pubring.kbx", "trustdb.gpg",
})
# Globs on the file name (lower case).
SECRET_NAME_GLOBS = (
    ".env.*", "*.env", "id_rsa*", "id_dsa*", "id_ecdsa*", "id_ed25519*",
    "*.pem", "*.key", "*.p8", "*.p12", "*.pfx", "*.jks", "*.keystore", "*.bks", "*.ppk",
    "*.crt", "*.cer", "*.der", "*.csr", "*.gpg", "*.pgp", "*.asc", "*.kdbx", "*.keychain",
    "*.ovpn", "*.tfvars", "*.tfvars.json", "*.tfstate", "*.tfstate.*", "*.kubeconfig",
    "*.mobileprovision", "*.jwk", "*.jwks",
    "credentials.*", "*_credentials.*", "*-credentials.*", "client_secret*.json",
    "service-account*.json", "service_account*.json", "*-sa-key.json", "secrets.*",
    "*.secrets", "*.secret", "*_secret.*", "*-secret.*", "*.htpasswd",
)
_NAME_GLOBS = re.compile("|".join(f"(?P<g{i}>{fnmatch.translate(g)})"
                                  for i, g in enumerate(SECRET_NAME_GLOBS)))
# Templates of dotenv and credential files carry names, not values (their tokens are
# still redacted like any ordinary file's).
TEMPLATE_SUFFIXES = (".example", ".sample", ".template", ".tmpl", ".dist", ".defaults")
# A name glob that would hide source code (``secrets.py``, ``credentials.go``) applies
# only to data files: these extensions are code, never a credential store by name.
CODE_EXTENSIONS = frozenset({
    ".py", ".pyi", ".js", ".jsx", ".mjs", ".cjs", ".ts", ".tsx", ".mts", ".cts", ".go",
    ".rs", ".java", ".kt", ".scala", ".c", ".h", ".cc", ".cpp", ".hpp", ".cs", ".rb",
    ".php", ".swift", ".lua", ".sh", ".md", ".rst", ".html", ".css", ".vue", ".svelte",
})


def parse_globs(raw: str | Iterable[str] | None) -> tuple[str, ...]:
    """The user's extra secret globs (``contextSecretGlobs``: comma or newline separated)."""
    if not raw:
        return ()
    if not isinstance(raw, str):
        raw = ",".join(raw)
    return tuple(g.strip() for g in raw.replace("\n", ",").split(",") if g.strip())


def secret_name(rel_path: str, extra_globs: Iterable[str] = ()) -> str | None:
    """Why a workspace-relative (``/``-separated) path names a secret file, or None."""
    lowered = [p for p in rel_path.replace("\\", "/").lower().split("/") if p not in ("", ".")]
    if not lowered:
        return None
    name = lowered[-1]
    rel_lower = "/".join(lowered)
    for glob in extra_globs:
        g = glob.lower()
        if fnmatch.fnmatchcase(name, g) or fnmatch.fnmatchcase(rel_lower, g) or (
                g.endswith("/**") and (rel_lower + "/").startswith(g[:-2])):
            return f"matches your secret glob {glob}"
    for directory in lowered[:-1]:
        if directory in SECRET_DIRS:
            return f"inside {directory}/"
    if "gcloud" in lowered[:-1] and ".config" in lowered[:-1]:
        return "inside the gcloud configuration"
    if name.endswith(TEMPLATE_SUFFIXES):
        return None
    if name in SECRET_NAMES:
        return f"credential file {name}"
    dot = name.rfind(".")
    if dot > 0 and name[dot:] in CODE_EXTENSIONS:
        return None
    match = _NAME_GLOBS.match(name)
    if match is not None:
        return f"secret file name ({SECRET_NAME_GLOBS[int(str(match.lastgroup)[1:])]})"
    return None


# -- contents ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Finding:
    kind: str
    start: int
    end: int


_END = r"(?=[\s'\"`;,)\]}>]|\\[nr]|$)"
# (kind, literal anchors, pattern, group): the pattern runs only on text containing one
# of its anchors (``str.__contains__`` is fast; most files contain none), and ``group``
# is the part of the match that is the secret (0: all of it).
_RULES: tuple[tuple[str, tuple[str, ...], str, int], ...] = (
    ("private-key", ("PRIVATE KEY",),
     r"-----BEGIN[ A-Z0-9_-]{0,100}PRIVATE KEY(?: BLOCK)?-----"
     r"[\s\S]*?(?:-----END[ A-Z0-9_-]{0,100}PRIVATE KEY(?: BLOCK)?-----|\Z)", 0),
    # the tail of a key whose BEGIN line is elsewhere (a chunk or a diff hunk cut it off)
    ("private-key", ("PRIVATE KEY-----", "PRIVATE KEY BLOCK-----"),
     r"(?:^[^\S\n]*[+\"']?[A-Za-z0-9+/=]{16,}[^\S\n]*\n)+[^\S\n]*[+\"']?"
     r"-----END[ A-Z0-9_-]{0,100}PRIVATE KEY(?: BLOCK)?-----", 0),
    ("putty-key", ("PuTTY-User-Key-File-",),
     r"PuTTY-User-Key-File-\d+:[^\n]*[\s\S]*?(?:Private-MAC:[^\n]*|\Z)", 0),
    ("aws-access-key", ("AKIA", "ASIA", "ABIA", "ACCA", "A3T"),
     r"\b(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}\b", 0),
    ("aws-secret-key", ("ecret_access_key", "ecretAccessKey", "ECRET_ACCESS_KEY"),
     r"(?i:aws_?secret_?access_?key)[\"']?\s*[:=]\s*[\"']?"
     r"([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+])", 1),
    ("gcp-api-key", ("AIza",), r"\bAIza[\w-]{35}" + _END, 0),
    ("azure-client-secret", ("Q~",),
     r"(?<![\w~.-])[a-zA-Z0-9_~.]{3}\dQ~[a-zA-Z0-9_~.-]{31,34}(?![\w~.-])", 0),
    ("azure-storage-key", ("ccountKey=", "ccountkey="),
     r"(?i:AccountKey)=([A-Za-z0-9+/]{86}==)", 1),
    ("github-token", ("ghp_", "gho_", "ghu_", "ghs_", "ghr_"),
     r"\b(?:ghp|gho|ghu|ghs|ghr)_[0-9A-Za-z]{36,251}\b", 0),
    ("github-token", ("github_pat_",), r"\bgithub_pat_\w{82}\b", 0),
    ("gitlab-token", ("glpat-", "glptt-", "glrt-", "gldt-", "glft-", "glcbt-", "gloas-",
                      "glsoat-", "glimt-", "glagent-"),
     r"\bgl(?:pat|ptt|rt|dt|ft|cbt|oas|soat|imt|agent)-[\w-]{20,}", 0),
    ("slack-token", ("xox",), r"\bxox[abposre](?:\.xox[bp])?-[0-9A-Za-z-]{10,}", 0),
    ("slack-token", ("xapp-",), r"\bxapp-\d-[A-Z0-9]+-\d+-[a-z0-9]+", 0),
    ("slack-webhook", ("hooks.slack.com",),
     r"hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9+/]{20,}", 0),
    ("stripe-key", ("sk_live_", "sk_test_", "sk_prod_", "rk_live_", "rk_test_", "rk_prod_"),
     r"\b(?:sk|rk)_(?:test|live|prod)_[0-9A-Za-z]{10,99}\b", 0),
    ("anthropic-key", ("sk-ant-",), r"\bsk-ant-(?:api|admin)\d\d-[\w-]{40,}", 0),
    ("openai-key", ("sk-proj-", "sk-svcacct-", "sk-admin-"),
     r"\bsk-(?:proj|svcacct|admin)-[\w-]{40,}", 0),
    ("openai-key", ("T3BlbkFJ",), r"\bsk-[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20}\b", 0),
    ("npm-token", ("npm_",), r"\bnpm_[A-Za-z0-9]{36,128}\b", 0),
    ("npm-token", ("_auth",),  # .npmrc lines: ``_auth=…``, ``//host/:_authToken=…``
     r"(?m)(?:^[ \t]*|:)_auth(?:Token)?[ \t]*=[ \t]*([^\s\"'$][^\s\"']{15,})", 1),
    ("pypi-token", ("pypi-AgEIcHlwaS5vcmc",), r"\bpypi-AgEIcHlwaS5vcmc[\w-]{50,}", 0),
    ("huggingface-token", ("hf_",), r"\bhf_[A-Za-z]{34,64}\b", 0),
    ("sendgrid-key", ("SG.",), r"\bSG\.[\w-]{22}\.[\w-]{43}\b", 0),
    ("twilio-key", ("SK",), r"\bSK[0-9a-f]{32}\b", 0),
    ("digitalocean-token", ("_v1_",), r"\bdo[opr]_v1_[a-f0-9]{64}\b", 0),
    ("shopify-token", ("shpat_", "shpca_", "shppa_", "shpss_"),
     r"\bshp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}\b", 0),
    ("databricks-token", ("dapi",), r"\bdapi[a-f0-9]{32}(?:-\d)?\b", 0),
    ("jwt", (".ey",), r"\bey[A-Za-z0-9_-]{15,}\.ey[A-Za-z0-9_-]{15,}\.[A-Za-z0-9_-]{10,}", 0),
    ("url-password", ("://",),
     r"://[^\s/:@\"'<>]{1,64}:([^\s/:@\"'<>{}$]{4,128})@", 1),
)
# ``password = "…"``, ``API_KEY: …``, ``"client_secret": "…"``; the value is a secret when
# it is long and random enough (Shannon entropy, as detect-secrets' high-entropy plugins).
# The pattern starts at the keyword (a fast first-character scan), anchored on its stems.
_KEYWORD_ANCHORS = ("pass", "secret", "key", "token", "bearer", "credential")  # lower-cased
_KEYWORD_NAMES = (r"(?:passw(?:or)?d|passphrase|secret|api[_.-]?key|apikey|access[_.-]?key"
                  r"|private[_.-]?key|auth[_.-]?token|access[_.-]?token|refresh[_.-]?token"
                  r"|bearer|token|credential)")
_KEYWORD_TAIL = (r"[\w.-]{0,20}[\"']?[ \t]*(?::=|=>|=(?!=)|(?<!:):(?!:))[ \t]*"
                 r"(?:(?P<q>[\"'`])(?P<quoted>[^\"'`\s]{8,200})(?P=q)"
                 r"|(?P<bare>[^\s\"'`,;()\[\]{}<>]{12,200}))")
# run on the lower-cased text (same offsets): a case-sensitive scan is several times faster
_KEYWORD_LOWER = re.compile(_KEYWORD_NAMES + _KEYWORD_TAIL)
_KEYWORD = re.compile(
    r"(?i:passw(?:or)?d|passphrase|secret|api[_.-]?key|apikey|access[_.-]?key|private[_.-]?key"
    r"|auth[_.-]?token|access[_.-]?token|refresh[_.-]?token|bearer|token|credential)"
    r"[\w.-]{0,20}[\"']?[ \t]*(?::=|=>|=(?!=)|(?<!:):(?!:))[ \t]*"
    r"(?:(?P<q>[\"'`])(?P<quoted>[^\"'`\s]{8,200})(?P=q)|(?P<bare>[^\s\"'`,;()\[\]{}<>]{12,200}))")
_PLACEHOLDER = re.compile(r"(?i)^(?:x+|\*+|\.+|<.*>|\$\{?.*|%\(.*|\{\{.*|changeme|example.*"
                          r"|your[_-].*|test.*|dummy.*|fake.*|secret|password|none|null|true"
                          r"|false)$")
# a value that is code (``process.env.KEY!``, ``settings.token``) rather than a literal
_CODE_VALUE = re.compile(r"^[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)+[!?]?$|^[A-Za-z_]+$")
# words that mark an example value (``password123``, ``user:pass@``, ``example-password``)
_EXAMPLE_WORDS = re.compile(r"(?i)pass|ssword|secret|example|sample|dummy|fake|test|changeme|xxxx"
                            r"|\*\*\*|foo|bar|placeholder|redacted|hunter2|\[secure\]")
MIN_ENTROPY = 3.0
MIN_URL_PASSWORD_ENTROPY = 2.5
# A leading ``\b`` is checked by hand after the match: a pattern that starts with a literal
# lets the regex engine jump between occurrences of it (several times faster).
_COMPILED = tuple((kind, anchors, re.compile(pattern.removeprefix("\\b"), re.MULTILINE), group,
                   pattern.startswith("\\b"))
                  for kind, anchors, pattern, group in _RULES)


def entropy(value: str) -> float:
    """Shannon entropy in bits per character."""
    if not value:
        return 0.0
    counts: dict[str, int] = {}
    for ch in value:
        counts[ch] = counts.get(ch, 0) + 1
    n = len(value)
    return -sum(c / n * math.log2(c / n) for c in counts.values())


def _keyword_value_is_secret(value: str) -> bool:
    if _PLACEHOLDER.match(value) or _CODE_VALUE.match(value) or "://" in value or \
            value.startswith(("/", "./", "../")) or _EXAMPLE_WORDS.search(value):
        return False  # placeholders, references, URLs and paths (URL passwords: own rule)
    if not re.search(r"\d", value) and (not re.search(r"[^\w]", value) or re.fullmatch(
            r"[a-z]+(?:[-_.][a-z]+)*|[A-Z]+(?:[-_.][A-Z]+)*", value)):
        return False  # words or an identifier (``token = my_token_name``, ``'new-payload'``)
    return entropy(value) >= MIN_ENTROPY


def _word_char(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


def _url_password(value: str) -> bool:
    """``user:<value>@host`` holds a real password, not documentation's ``user:pass@``."""
    return len(value) >= 8 and not _EXAMPLE_WORDS.search(value) and \
        not _PLACEHOLDER.match(value) and entropy(value) >= MIN_URL_PASSWORD_ENTROPY


def find(text: str) -> list[Finding]:
    """Secret tokens in ``text`` (sorted, not overlapping)."""
    found: list[Finding] = []
    for kind, anchors, regex, group, word_start in _COMPILED:
        if not any(anchor in text for anchor in anchors):  # faster than one alternation
            continue
        for match in regex.finditer(text):
            if word_start and match.start() and _word_char(text[match.start() - 1]):
                continue
            start, end = match.span(group)
            if end > start and (kind != "url-password" or _url_password(text[start:end])):
                found.append(Finding(kind, start, end))
    lower = text.lower()
    if any(anchor in lower for anchor in _KEYWORD_ANCHORS):
        same = len(lower) == len(text)  # not so for a few non-ASCII letters
        for match in (_KEYWORD_LOWER.finditer(lower) if same else _KEYWORD.finditer(text)):
            name = "quoted" if match.group("quoted") else "bare"
            start, end = match.span(name)
            if _keyword_value_is_secret(text[start:end]):
                found.append(Finding("password-or-key", start, end))
    found.sort(key=lambda f: (f.start, -f.end))
    merged: list[Finding] = []
    for f in found:
        if merged and f.start < merged[-1].end:
            if f.end > merged[-1].end:
                merged[-1] = Finding(merged[-1].kind, merged[-1].start, f.end)
            continue
        merged.append(f)
    return merged


def redact(text: str) -> str:
    """``text`` with every secret token replaced by ``[REDACTED:<kind>]``."""
    return redact_with_kinds(text)[0]


def redact_with_kinds(text: str) -> tuple[str, list[str]]:
    """(redacted text, the kinds found, in order)."""
    findings = find(text)
    if not findings:
        return text, []
    out: list[str] = []
    last = 0
    for f in findings:
        out.append(text[last:f.start])
        out.append(f"[REDACTED:{f.kind}]")
        last = f.end
    out.append(text[last:])
    return "".join(out), [f.kind for f in findings]


def mask_bytes(data: bytes) -> bytes:
    """``data`` with secret tokens overwritten by ``*`` of the same length, so byte offsets
    (symbol ranges of a parsed file) stay valid."""
    text = data.decode("latin-1")  # one character per byte: offsets are byte offsets
    findings = find(text)
    if not findings:
        return data
    buf = bytearray(data)
    for f in findings:
        buf[f.start:f.end] = b"*" * (f.end - f.start)
    return bytes(buf)


_KEY_FILE = re.compile(r"\A\s*(?:-----BEGIN[ A-Z0-9_-]{0,100}PRIVATE KEY(?: BLOCK)?-----"
                       r"|PuTTY-User-Key-File-|-----BEGIN PGP PRIVATE KEY BLOCK-----)")
_SERVICE_ACCOUNT = re.compile(r'"type"\s*:\s*"service_account"')
_PRIVATE_KEY = re.compile(r"-----BEGIN[ A-Z0-9_-]{0,100}PRIVATE KEY(?: BLOCK)?-----")
_KUBECONFIG = re.compile(r"(?m)^\s*(?:client-key-data|token|client-certificate-data)\s*:")
_AWS_PROFILE = re.compile(r"(?m)^\s*aws_secret_access_key\s*=")


def secret_content(rel_path: str, text: str) -> str | None:
    """Why a file's *content* makes the whole file a secret, or None.

    A key file (the text starts with a private-key header), a service-account JSON, a
    kubeconfig or AWS credentials file under any name, and a data file (not source
    code) holding a private key are secrets; a private key inside source code (a test
    fixture) is only redacted.
    """
    head = text[:65536]
    if _KEY_FILE.match(head):
        return "private key file"
    if _SERVICE_ACCOUNT.search(head) and "private_key" in head:
        return "service-account credentials"
    if _AWS_PROFILE.search(head):
        return "AWS credentials"
    if "clusters:" in head and "users:" in head and _KUBECONFIG.search(head):
        return "kubeconfig"
    if PurePosixPath(rel_path.lower()).suffix not in CODE_EXTENSIONS and \
            _PRIVATE_KEY.search(head):
        return "data file holding a private key"
    return None
