"""Word tokens for the features: lower-cased, stemmed, quote marks kept.

Stemming runs through a cache, because news vocabulary is Zipfian: after the
first few thousand paragraphs almost every token is a dictionary hit, which is
what keeps batch tagging at tens of thousands of paragraphs a second.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from nltk.stem.snowball import SnowballStemmer

__all__ = ["WordAnalyzer"]

# Words (with an inner apostrophe or hyphen), numbers, and quotation marks: a
# quote is a strong cue that a paragraph carries someone else's words.
_WORD_PATTERN = r"[^\W\d_]+(?:['’][^\W\d_]+)*"
_TOKEN = re.compile(_WORD_PATTERN + r"|\d+(?:[.,]\d+)*|[\"“”«»]")
_QUOTE_MARKS = frozenset('"“”«»')
_WORD = re.compile(_WORD_PATTERN)
# What may stand just before a sentence's (or a quote's, or a list item's) first word.
_OPENERS = frozenset(".!?:;\"“”‘’'([•*-–—")
QUOTE_TOKEN = "<q>"
NUMBER_TOKEN = "<num>"


class WordAnalyzer:
    """Turn a text into stemmed word n-grams, plus character n-grams of each word.

    Calling it gives the word n-grams; :meth:`char_grams` gives character
    n-grams of each token, which make the features robust to inflection and
    compounds the labelled set never showed ("telecommunication",
    "counter-propaganda"). Both are cached per distinct word, so they cost little.

    >>> WordAnalyzer(ngram_max=2)("Fighters said: “We retreated.”")[:8]
    ['fighter', 'said', '<q>', 'we', 'retreat', '<q>', 'fighter said', 'said <q>']
    >>> WordAnalyzer(ngram_max=1, char_ngrams=(4, 4)).char_grams("Raqqa, IS")
    [' raq', 'raqq', 'aqqa', 'qqa,', 'qa, ', ' is ']
    """

    def __init__(self, ngram_max: int = 2, stem: bool = True, char_ngrams: tuple[int, int] | None = None) -> None:
        self.ngram_max = ngram_max
        self.stem = stem
        self.char_ngrams = tuple(char_ngrams) if char_ngrams else None
        self._stemmer = SnowballStemmer("english") if stem else None
        self._cache: dict[str, tuple[str, tuple[str, ...]]] = {}
        self._char_cache: dict[str, tuple[str, ...]] = {}

    def _entry(self, word: str) -> tuple[str, tuple[str, ...]]:
        """A word's token and its character n-grams, cached."""
        cached = self._cache.get(word)
        if cached is None:
            grams: tuple[str, ...] = ()
            if word in _QUOTE_MARKS:
                token = QUOTE_TOKEN
            elif word[0].isdigit():
                token = NUMBER_TOKEN
            else:
                base = word.replace("’", "'")
                if base.endswith("'s"):
                    base = base[:-2]
                token = self._stemmer.stem(base) if self._stemmer else base
            cached = (token, grams)
            if len(self._cache) < 500_000:
                self._cache[word] = cached
        return cached

    def words(self, text: str) -> list[str]:
        """The words of ``text``, lower-cased, before stemming."""
        return _TOKEN.findall(text.lower())

    def entries(self, text: str) -> list[tuple[str, tuple[str, ...]]]:
        """Each word of ``text`` as (token, character n-grams)."""
        return [self._entry(w) for w in _TOKEN.findall(text.lower())]

    def token(self, word: str) -> str:
        return self._entry(word)[0]

    def tokens(self, text: str) -> list[str]:
        return [self._entry(w)[0] for w in _TOKEN.findall(text.lower())]

    def __call__(self, text: str) -> list[str]:
        entries = self.entries(text)
        tokens = [e[0] for e in entries]
        grams = list(tokens)
        for n in range(2, self.ngram_max + 1):
            grams.extend(" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1))
        return grams

    def char_grams(self, text: str) -> list[str]:
        """Character n-grams of each white-space-separated token, padded with spaces.

        The same n-grams as scikit-learn's ``analyzer="char_wb"`` on lower-cased
        text: punctuation stays attached ('said,' or ' "we'), which carries
        quotation and attribution cues. Cached per token.
        """
        grams: list[str] = []
        for token in text.lower().split():
            cached = self._char_cache.get(token)
            if cached is None:
                cached = self._token_char_grams(token)
                if len(self._char_cache) < 500_000:
                    self._char_cache[token] = cached
            grams.extend(cached)
        return grams

    def _token_char_grams(self, token: str) -> tuple[str, ...]:
        padded = f" {token} "
        low, high = self.char_ngrams or (0, -1)
        grams = []
        for n in range(low, high + 1):
            grams.extend(padded[i : i + n] for i in range(max(len(padded) - n + 1, 1)))
            if len(padded) <= n:  # a short token counts once, as scikit-learn does
                break
        return tuple(grams)

    def proper_name_tokens(self, texts: Iterable[str], min_count: int = 3, share: float = 0.9) -> set[str]:
        """Tokens the texts capitalise inside sentences: names of places, people, outlets, groups.

        A word counts where it does not open a sentence, a quote or a line; it is a
        name when it is seen there ``min_count`` times or more, capitalised at least
        ``share`` of the time ("Mosul", "Daesh", "Reuters", but not "forces").
        """
        seen: Counter[str] = Counter()
        capitalised: Counter[str] = Counter()
        for text in texts:
            for match in _WORD.finditer(text):
                i = match.start() - 1
                while i >= 0 and text[i].isspace():
                    i -= 1
                if i < 0 or text[i] in _OPENERS:
                    continue
                word = match.group()
                token = self.token(word.lower())
                seen[token] += 1
                capitalised[token] += word[0].isupper()
        return {t for t, n in seen.items() if n >= min_count and capitalised[t] >= share * n}

    def __getstate__(self) -> dict:
        return {"ngram_max": self.ngram_max, "stem": self.stem, "char_ngrams": self.char_ngrams}

    def __setstate__(self, state: dict) -> None:
        self.__init__(**state)
