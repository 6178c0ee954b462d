"""Design-pattern detection: a positive and a negative example per pattern, in Python and
TypeScript, parsed with the real grammars."""

from __future__ import annotations

import pytest

from mira.core.code.extract import extract
from mira.core.code.model import PatternMatch
from mira.core.code.patterns import detect, subtypes
from mira.core.code.resolve import Resolver


def found(language: str, source: str, path: str = "") -> list[PatternMatch]:
    path = path or ("example.py" if language == "python" else "example.ts")
    index = extract(language, path, source.encode())
    resolver = Resolver()
    resolver.add_index(index)
    with_bases = [s.qualified_name for s in index.symbols if s.bases]
    return detect(index.symbols, subtypes(resolver, with_bases))


def names(matches: list[PatternMatch], pattern: str) -> list[str]:
    return [m.symbol.name for m in matches if m.pattern == pattern]


PY = {
    "Factory": ('''
class ShapeFactory:
    @staticmethod
    def create_circle(r):
        return Circle(r)

    @staticmethod
    def create_square(s):
        return Square(s)
''', '''
class ShapeDrawer:
    def draw(self, shape):
        shape.render()
'''),
    "Builder": ('''
class QueryBuilder:
    def with_table(self, table):
        self.table = table
        return self

    def with_limit(self, n):
        self.limit = n
        return self

    def build(self):
        return Query(self.table, self.limit)
''', '''
class Query:
    def run(self):
        return self.execute()
'''),
    "Singleton": ('''
class Config:
    _instance = None

    @classmethod
    def get_instance(cls):
        if cls._instance is None:
            cls._instance = cls()
        return cls._instance
''', '''
class Settings:
    debug = False

    def load(self, path):
        return open(path).read()
'''),
    "Repository": ('''
class UserRepository:
    def get(self, user_id): ...
    def save(self, user): ...
    def delete(self, user_id): ...
    def find_by_email(self, email): ...
''', '''
class UserView:
    def render(self, user): ...
    def refresh(self): ...
'''),
    "Observer": ('''
class EventBus:
    def __init__(self):
        self.listeners = []

    def subscribe(self, listener):
        self.listeners.append(listener)

    def unsubscribe(self, listener):
        self.listeners.remove(listener)

    def notify(self, event):
        for listener in self.listeners:
            listener(event)
''', '''
class Logger:
    def __init__(self):
        self.lines = []

    def write(self, line):
        self.lines.append(line)
'''),
    "Strategy": ('''
from abc import ABC, abstractmethod


class Compression(ABC):
    @abstractmethod
    def compress(self, data): ...


class Zip(Compression):
    def compress(self, data): return data


class Gzip(Compression):
    def compress(self, data): return data


class Archiver:
    def __init__(self, compression: Compression):
        self.compression = compression
''', '''
class Compression:
    def compress(self, data): return data

    def level(self): return 9
'''),
    "Command": ('''
class SaveCommand:
    def __init__(self, doc):
        self.doc = doc

    def execute(self):
        self.doc.save()

    def undo(self):
        self.doc.restore()
''', '''
class Document:
    def save(self): ...
    def restore(self): ...
'''),
    "Decorator": ('''
import functools


def logged(func):
    @functools.wraps(func)
    def wrapper(*args):
        return func(*args)
    return wrapper
''', '''
def logged(func):
    result = func()
    return result
'''),
    "Adapter": ('''
class PaymentAdapter(PaymentGateway):
    def __init__(self, legacy):
        self.adaptee = legacy

    def pay(self, amount):
        return self.adaptee.make_payment(amount * 100)
''', '''
class Payment:
    def __init__(self, amount):
        self.amount = amount
'''),
    "Facade": ('''
class OrderFacade:
    def __init__(self, inventory: Inventory, payments: Payments, shipping: Shipping):
        self.inventory = inventory
        self.payments = payments
        self.shipping = shipping

    def place(self, order):
        self.inventory.reserve(order)
        self.payments.charge(order)
        self.shipping.send(order)
''', '''
class Point:
    def __init__(self, x: int, y: int, z: int):
        self.x = x
        self.y = y
        self.z = z
'''),
    "Iterator": ('''
class Countdown:
    def __init__(self, n):
        self.n = n

    def __iter__(self):
        return self

    def __next__(self):
        if self.n == 0:
            raise StopIteration
        self.n -= 1
        return self.n
''', '''
class Counter:
    def __init__(self):
        self.n = 0

    def increment(self):
        self.n += 1
'''),
}

TS = {
    "Factory": ('''
export class WidgetFactory {
  static createButton(label: string): Button { return new Button(label); }
  static createInput(): Input { return new Input(); }
}
''', '''
export class WidgetRenderer {
  render(w: Widget): void { w.draw(); }
}
'''),
    "Builder": ('''
export class RequestBuilder {
  private url = "";
  withUrl(url: string): RequestBuilder { this.url = url; return this; }
  withHeader(k: string, v: string): RequestBuilder { return this; }
  build(): Request { return new Request(this.url); }
}
''', '''
export class Request {
  send(): void {}
}
'''),
    "Singleton": ('''
export class Registry {
  private static instance: Registry;
  private constructor() {}
  static getInstance(): Registry {
    if (!Registry.instance) { Registry.instance = new Registry(); }
    return Registry.instance;
  }
}
''', '''
export class Registry {
  constructor(private items: string[]) {}
  list(): string[] { return this.items; }
}
'''),
    "Repository": ('''
export class OrderRepository {
  findById(id: string): Order | undefined { return undefined; }
  save(order: Order): void {}
  delete(id: string): void {}
}
''', '''
export class OrderPrinter {
  print(order: Order): string { return ""; }
}
'''),
    "Observer": ('''
export class Emitter {
  private listeners: Array<(e: string) => void> = [];
  addListener(l: (e: string) => void): void { this.listeners.push(l); }
  emit(e: string): void { this.listeners.forEach((l) => l(e)); }
}
''', '''
export class Queue {
  private items: string[] = [];
  push(e: string): void { this.items.push(e); }
}
'''),
    "Strategy": ('''
export interface PricingStrategy {
  price(amount: number): number;
}
export class RegularPricing implements PricingStrategy {
  price(amount: number): number { return amount; }
}
export class SalePricing implements PricingStrategy {
  price(amount: number): number { return amount * 0.8; }
}
export class Checkout {
  constructor(private pricing: PricingStrategy) {}
}
''', '''
export interface Pricing {
  price(amount: number): number;
}
'''),
    "Command": ('''
export class DeleteCommand {
  constructor(private id: string) {}
  execute(): void {}
  undo(): void {}
}
''', '''
export class Deleter {
  remove(id: string): void {}
}
'''),
    "Decorator": ('''
export class CachingStore implements Store {
  constructor(private inner: Store) {}
  get(key: string): string { return this.inner.get(key); }
}
''', '''
export class MemoryStore implements Store {
  constructor(private size: number) {}
  get(key: string): string { return ""; }
}
'''),
    "Adapter": ('''
export class LegacyLoggerAdapter implements Logger {
  private adaptee: LegacyLogger;
  constructor(adaptee: LegacyLogger) { this.adaptee = adaptee; }
  log(message: string): void { this.adaptee.write(message); }
}
''', '''
export class ConsoleLogger {
  log(message: string): void { console.log(message); }
}
'''),
    "Facade": ('''
export class CheckoutFacade {
  constructor(private cart: Cart, private payments: Payments, private mailer: Mailer) {}
  checkout(): void {}
}
''', '''
export class Checkout {
  constructor(private total: number) {}
}
'''),
    "Iterator": ('''
export class RangeIterator implements Iterator<number> {
  private i = 0;
  next(): IteratorResult<number> { return { value: this.i++, done: false }; }
  [Symbol.iterator]() { return this; }
}
''', '''
export class Range {
  constructor(private end: number) {}
  size(): number { return this.end; }
}
'''),
}

CASES = [("python", p, *PY[p]) for p in PY] + [("typescript", p, *TS[p]) for p in TS]


@pytest.mark.parametrize(("language", "pattern", "positive", "negative"), CASES,
                         ids=[f"{c[0]}-{c[1]}" for c in CASES])
def test_pattern(language: str, pattern: str, positive: str, negative: str) -> None:
    hits = [m for m in found(language, positive) if m.pattern == pattern]
    assert hits, f"{pattern} not detected"
    assert all(0.5 <= m.confidence <= 0.95 and m.evidence for m in hits)
    assert not names(found(language, negative), pattern), f"{pattern} wrongly detected"


def test_evidence_names_what_matched() -> None:
    [match] = [m for m in found("python", PY["Observer"][0]) if m.pattern == "Observer"]
    assert match.symbol.name == "EventBus" and match.confidence == 0.9
    assert match.evidence == ["registration: subscribe", "notification: notify",
                              "keeps listeners", "can unsubscribe"]
    [strategy] = [m for m in found("typescript", TS["Strategy"][0]) if m.pattern == "Strategy"]
    assert strategy.symbol.name == "PricingStrategy"
    assert "interchangeable implementations: RegularPricing, SalePricing" in strategy.evidence


def test_decorator_needs_a_constructor_parameter_of_its_base_type() -> None:
    # one base (type arguments are no bases), and `str` parameters are no wrapped base
    registry = found("python", '''
import typing


class Registry(typing.MutableMapping[str, str]):
    def __init__(self, store: str, prefix: str = ""):
        self._store = store
''')
    assert names(registry, "Decorator") == []
    wrapper = found("python", '''
class Stream:
    def read(self):
        pass


class BufferedStream(Stream):
    def __init__(self, inner: "Stream", size: int = 4096):
        self._inner = inner
''')
    [match] = [m for m in wrapper if m.pattern == "Decorator"]
    assert match.symbol.name == "BufferedStream"
    assert match.evidence == ["extends Stream and its constructor takes a Stream (inner)"]
