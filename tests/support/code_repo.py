"""A small multi-language repository (Python, TypeScript, Go) with a known call graph."""

from __future__ import annotations

from pathlib import Path

from tests.support.gitrepo import GitRepo

STORE_PY = '''\
class Store:
    """Keeps orders in the database."""

    def save(self, order):
        self.validate(order)
        return write_row(order)

    def validate(self, order):
        return bool(order)


def write_row(row):
    return row
'''

API_PY = '''\
from shop.store import Store, write_row


def handle(order):
    store = Store()
    return store.save(order)


def audit(order):
    return write_row(order)
'''

ORDERS_TS = '''\
export class OrderService {
  place(order: string): boolean {
    return this.check(order);
  }

  check(order: string): boolean {
    return order.length > 0;
  }
}

export function handleOrder(order: string): boolean {
  const service = new OrderService();
  return service.place(order);
}
'''

WEB_TS = '''\
import { handleOrder } from "./orders";

export function submit(order: string): boolean {
  return handleOrder(order);
}
'''

MAIN_GO = '''\
package main

type Cart struct {
\tItems int
}

func (c *Cart) Add() int {
\treturn helper()
}

func helper() int {
\treturn 1
}

func main() {
\tc := &Cart{}
\tc.Add()
}
'''


def code_fixture(root: Path) -> GitRepo:
    repo = GitRepo(root)
    repo.commit("shop", {"shop/__init__.py": "", "shop/store.py": STORE_PY,
                         "shop/api.py": API_PY, "web/orders.ts": ORDERS_TS,
                         "web/web.ts": WEB_TS, "cmd/main.go": MAIN_GO})
    for i in range(3):  # store.py and api.py change together
        repo.commit(f"orders {i}", {"shop/store.py": STORE_PY + f"\n# v{i}\n",
                                    "shop/api.py": API_PY + f"\n# v{i}\n"})
    return repo


def write_files(root: Path, files: dict[str, str] | dict[str, str | bytes]) -> None:
    """Write ``files`` (relative path -> text or bytes) under ``root``, no commit."""
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")


PACKAGE_ROOT_FILES: dict[str, str | bytes] = {
    # a repository whose Python source root is server/ (not a package itself)
    "server/mira/__init__.py": "",
    "server/mira/core/__init__.py": "",
    "server/mira/core/chat/__init__.py": "",
    "server/mira/core/chat/cache.py": "def cache_key(x):\n    return x\n",
    "server/mira/core/chat/service.py": (
        "from mira.core.chat.cache import cache_key\nfrom . import cache\n"
        "from ..chat import cache as c2\n\n\n"
        "class ChatService:\n    def chat(self, x):\n        cache.cache_key(x)\n"
        "        c2.cache_key(x)\n        return cache_key(x)\n"),
    "server/mira/cli.py": (
        "from mira.core.chat.service import ChatService\n\n\n"
        "def main():\n    ChatService().chat(1)\n"),
    # a src layout
    "src/pkg/__init__.py": "",
    "src/pkg/mod.py": "def helper():\n    pass\n",
    "src/pkg/sub/__init__.py": "from pkg.mod import helper\n\n\ndef run():\n    helper()\n",
    # not in a package: top-level modules; namespace packages still resolve by path
    "scripts/tool.py": "from ns.thing import work\n\n\ndef go():\n    work()\n",
    "ns/thing.py": "def work():\n    pass\n",
}
