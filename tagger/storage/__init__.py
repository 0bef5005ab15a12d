"""Saving and loading model directories."""

from .modeldir import load_model, read_meta, save_model

__all__ = ["load_model", "read_meta", "save_model"]
