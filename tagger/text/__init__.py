"""Text handling: paragraph splitting and tokenization."""

from .segment import Segment, fold_whitespace, split_paragraphs

__all__ = ["Segment", "fold_whitespace", "split_paragraphs"]
