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
