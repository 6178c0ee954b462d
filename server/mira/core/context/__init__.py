"""The Context Oracle, conversation memory and the prompt builder (what the model sees)."""
