"""Text search that works for Latin scripts with typos and for Chinese, on tantivy.

Latin text: simple tokenizer, lower case, ASCII folding; a query word matches by prefix
within a Levenshtein distance that grows with the word (0 up to 3 letters, 1 up to 6,
then 2). Chinese has no spaces: Han runs are indexed as character unigrams and bigrams
(a field of their own, tokenizer :data:`CJK`), and a query's Han run must match all of
its bigrams (one character: the unigram), so "李伟" finds "Li Wei 李伟" and "北京" finds
"北京分公司" without a dictionary.

The mechanics only: each index (the directory's global search, the service desk's
knowledge base) has its own schema and decides what it indexes.
"""

from __future__ import annotations

import re

import tantivy

HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
LATIN, CJK = "latin", "cjk"
"""Tokenizer names :func:`register_tokenizers` registers (use them in the schema)."""


def distance(word: str) -> int:
    """How many edits a query word may be from an indexed one."""
    return 0 if len(word) <= 3 else 1 if len(word) <= 6 else 2


def han_runs(text: str) -> list[str]:
    """The Han runs of ``text``: what goes into the :data:`CJK` field."""
    return HAN.findall(text)


def register_tokenizers(index: tantivy.Index) -> tantivy.TextAnalyzer:
    """Register :data:`LATIN` and :data:`CJK` on ``index``; returns the Latin analyzer
    (queries are analysed with it)."""
    latin = (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
        .filter(tantivy.Filter.lowercase())
        .filter(tantivy.Filter.ascii_fold())
        .build()
    )
    index.register_tokenizer(LATIN, latin)
    index.register_tokenizer(CJK, tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.ngram(1, 2, False)).build())
    return latin


def matching_query(
    schema: tantivy.Schema,
    latin: tantivy.TextAnalyzer,
    text: str,
    *,
    exact_fields: tuple[str, ...],
    fuzzy_fields: tuple[str, ...],
    cjk_field: str = "cjk",
    exact_boost: float = 4.0,
) -> tantivy.Query | None:
    """Every word of ``text`` must match: a Latin word exactly in one of ``exact_fields``
    (boosted) or by fuzzy prefix in one of ``fuzzy_fields``; a Han run by its bigrams in
    ``cjk_field``. ``None`` when the text has no word."""
    words: list[tuple[tantivy.Occur, tantivy.Query]] = []
    for word in dict.fromkeys(latin.analyze(HAN.sub(" ", text))):
        options = [
            (tantivy.Occur.Should, tantivy.Query.boost_query(tantivy.Query.term_query(schema, f, word), exact_boost))
            for f in exact_fields
        ]
        options += [
            (tantivy.Occur.Should, tantivy.Query.fuzzy_term_query(schema, f, word, distance(word), True, True))
            for f in fuzzy_fields
        ]
        words.append((tantivy.Occur.Must, tantivy.Query.boolean_query(options)))
    for run in han_runs(text):
        grams = [run] if len(run) == 1 else [run[i : i + 2] for i in range(len(run) - 1)]
        for gram in dict.fromkeys(grams):
            words.append((tantivy.Occur.Must, tantivy.Query.term_query(schema, cjk_field, gram)))
    return tantivy.Query.boolean_query(words) if words else None
