"""Features, linear heads, article rules, training and the Tagger."""

from .results import ArticleResult, ParagraphResult
from .tagger import Tagger

__all__ = ["ArticleResult", "ParagraphResult", "Tagger"]
