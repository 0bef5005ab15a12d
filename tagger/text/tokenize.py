"""Word tokens for the features: lower-cased, stemmed, quote marks kept.

Stemming runs through a cache, because news vocabulary is Zipfian: after the
first few thousand paragraphs almost every token is a dictionary hit, which is
what keeps batch tagging at tens of thousands of paragraphs a second.
"""

from __future__ import annotations

import re

from nltk.stem.snowball import SnowballStemmer

__all__ = ["WordAnalyzer"]

# Words (with an inner apostrophe or hyphen), numbers, and quotation marks: a
# quote is a strong cue that a paragraph carries someone else's words.
_TOKEN = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*|\d+(?:[.,]\d+)*|[\"“”«»]")
_QUOTE_MARKS = frozenset('"“”«»')
QUOTE_TOKEN = "<q>"
NUMBER_TOKEN = "<num>"


class WordAnalyzer:
    """Turn a text into stemmed word n-grams; a picklable callable for ``TfidfVectorizer``.

    >>> WordAnalyzer(ngram_max=2)("Fighters said: “We retreated.”")[:8]
    ['fighter', 'said', '<q>', 'we', 'retreat', '<q>', 'fighter said', 'said <q>']
    """

    def __init__(self, ngram_max: int = 2, stem: bool = True) -> None:
        self.ngram_max = ngram_max
        self.stem = stem
        self._stemmer = SnowballStemmer("english") if stem else None
        self._cache: dict[str, str] = {}

    def token(self, word: str) -> str:
        cached = self._cache.get(word)
        if cached is None:
            if word in _QUOTE_MARKS:
                cached = QUOTE_TOKEN
            elif word[0].isdigit():
                cached = NUMBER_TOKEN
            else:
                base = word.replace("’", "'")
                if base.endswith("'s"):
                    base = base[:-2]
                cached = self._stemmer.stem(base) if self._stemmer else base
            if len(self._cache) < 500_000:
                self._cache[word] = cached
        return cached

    def tokens(self, text: str) -> list[str]:
        return [self.token(w) for w in _TOKEN.findall(text.lower())]

    def __call__(self, text: str) -> list[str]:
        tokens = self.tokens(text)
        grams = list(tokens)
        for n in range(2, self.ngram_max + 1):
            grams.extend(" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1))
        return grams

    def __getstate__(self) -> dict:
        return {"ngram_max": self.ngram_max, "stem": self.stem}

    def __setstate__(self, state: dict) -> None:
        self.__init__(**state)
