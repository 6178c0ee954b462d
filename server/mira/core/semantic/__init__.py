"""Embeddings, vector stores and hybrid (keyword + vector) search."""
