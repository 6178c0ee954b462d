"""Vector stores behind one interface: embedded Qdrant Edge (default) or a Qdrant server.

qdrant-edge is pre-1.0: everything it needs is in ``EdgeStore``. Its HNSW
``optimize()`` holds the GIL for seconds, so it is never called here: at the sizes of
one workspace (tens of thousands of chunks) the plain index answers in ~10 ms.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

log = logging.getLogger(__name__)


class VectorStoreError(RuntimeError):
    pass


@dataclass(frozen=True)
class VectorHit:
    id: int
    score: float


class VectorStore(Protocol):
    def upsert(self, ids: Sequence[int], vectors: np.ndarray,
               payloads: Sequence[dict[str, Any]]) -> None: ...

    def delete(self, ids: Sequence[int]) -> None: ...

    def search(self, vector: np.ndarray, limit: int) -> list[VectorHit]: ...

    def count(self) -> int: ...

    def close(self) -> None: ...


class EdgeStore:
    """One Qdrant Edge shard per collection, in the workspace data directory."""

    def __init__(self, directory: Path, dimension: int) -> None:
        from qdrant_edge import Distance, EdgeConfig, EdgeShard, EdgeVectorParams

        self._lock = threading.Lock()
        try:
            if (directory / "wal").exists() or any(directory.glob("*")):
                self._shard = EdgeShard.load(str(directory))
            else:
                directory.mkdir(parents=True, exist_ok=True)
                self._shard = EdgeShard.create(str(directory), EdgeConfig(
                    vectors=EdgeVectorParams(size=dimension, distance=Distance.Cosine)))
        except Exception as exc:  # locked by another process, corrupt, ...
            raise VectorStoreError(f"cannot open the vector store {directory}: {exc}") from exc

    def upsert(self, ids: Sequence[int], vectors: np.ndarray,
               payloads: Sequence[dict[str, Any]]) -> None:
        from qdrant_edge import Point, UpdateOperation

        points = [Point(id=int(i), vector=[float(x) for x in v], payload=p)
                  for i, v, p in zip(ids, vectors, payloads, strict=True)]
        with self._lock:
            self._shard.update(UpdateOperation.upsert_points(points))
            self._shard.flush()

    def delete(self, ids: Sequence[int]) -> None:
        from qdrant_edge import UpdateOperation

        if ids:
            with self._lock:
                self._shard.update(UpdateOperation.delete_points([int(i) for i in ids]))
                self._shard.flush()

    def search(self, vector: np.ndarray, limit: int) -> list[VectorHit]:
        from qdrant_edge import Query, QueryRequest

        with self._lock:
            points = self._shard.query(QueryRequest(
                limit=limit, query=Query.Nearest([float(x) for x in vector])))
        return [VectorHit(int(p.id), float(p.score)) for p in points]

    def count(self) -> int:
        from qdrant_edge import CountRequest

        with self._lock:
            return int(self._shard.count(CountRequest()))

    def close(self) -> None:
        with self._lock:
            self._shard.close()


class QdrantServerStore:
    """A Qdrant server (``url``) — or qdrant-client's local mode (``":memory:"``, a path)."""

    def __init__(self, location: str, collection: str, dimension: int,
                 api_key: str | None = None) -> None:
        from qdrant_client import QdrantClient, models

        try:
            if location.startswith(("http://", "https://")):
                self._client = QdrantClient(url=location, api_key=api_key)
            else:
                self._client = QdrantClient(location=location) if location == ":memory:" \
                    else QdrantClient(path=location)
            self.collection = collection
            if not self._client.collection_exists(collection):
                self._client.create_collection(collection, vectors_config=models.VectorParams(
                    size=dimension, distance=models.Distance.COSINE))
        except Exception as exc:
            raise VectorStoreError(f"cannot reach the Qdrant server: {exc}") from exc

    def upsert(self, ids: Sequence[int], vectors: np.ndarray,
               payloads: Sequence[dict[str, Any]]) -> None:
        from qdrant_client import models

        self._client.upsert(self.collection, points=[
            models.PointStruct(id=int(i), vector=[float(x) for x in v], payload=p)
            for i, v, p in zip(ids, vectors, payloads, strict=True)])

    def delete(self, ids: Sequence[int]) -> None:
        from qdrant_client import models

        if ids:
            self._client.delete(self.collection, points_selector=models.PointIdsList(
                points=[int(i) for i in ids]))

    def search(self, vector: np.ndarray, limit: int) -> list[VectorHit]:
        found = self._client.query_points(self.collection, query=[float(x) for x in vector],
                                          limit=limit).points
        return [VectorHit(int(p.id), float(p.score)) for p in found]

    def count(self) -> int:
        return int(self._client.count(self.collection).count)

    def close(self) -> None:
        self._client.close()
