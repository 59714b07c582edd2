"""crm_shared.text_search: typos in Latin words, Chinese without a dictionary."""

from __future__ import annotations

import tantivy
from crm_shared.text_search import CJK, LATIN, distance, han_runs, matching_query, register_tokenizers


def _index(texts: list[str]) -> tuple[tantivy.Index, tantivy.TextAnalyzer, tantivy.Schema]:
    b = tantivy.SchemaBuilder()
    b.add_text_field("id", stored=True, tokenizer_name="raw")
    b.add_text_field("text", stored=True, tokenizer_name=LATIN)
    b.add_text_field("cjk", tokenizer_name=CJK, index_option="basic")
    schema = b.build()
    index = tantivy.Index(schema)
    latin = register_tokenizers(index)
    writer = index.writer(heap_size=15_000_000, num_threads=1)
    for n, text in enumerate(texts):
        doc = tantivy.Document(id=[str(n)], text=[text])
        for run in han_runs(text):
            doc.add_text("cjk", run)
        writer.add_document(doc)
    writer.commit()
    index.reload()
    return index, latin, schema


def _found(texts: list[str], query: str) -> list[str]:
    index, latin, schema = _index(texts)
    q = matching_query(schema, latin, query, exact_fields=("text",), fuzzy_fields=("text",))
    if q is None:
        return []
    searcher = index.searcher()
    return sorted(texts[int(searcher.doc(a).to_dict()["id"][0])] for _, a in searcher.search(q, limit=10).hits)


def test_typos_and_prefixes_match_latin_words() -> None:
    texts = ["Reset your password", "Printer troubleshooting", "Crème brûlée recipe"]
    assert _found(texts, "pasword") == ["Reset your password"]
    assert _found(texts, "troubleshoot") == ["Printer troubleshooting"]
    assert _found(texts, "creme") == ["Crème brûlée recipe"]
    assert _found(texts, "password printer") == []


def test_chinese_matches_by_bigrams() -> None:
    texts = ["如何重置密码", "打印机故障排除", "Li Wei 李伟"]
    assert _found(texts, "重置密码") == ["如何重置密码"]
    assert _found(texts, "密码") == ["如何重置密码"]
    assert _found(texts, "李伟") == ["Li Wei 李伟"]
    assert _found(texts, "密打") == []


def test_distance_grows_with_the_word() -> None:
    assert [distance(w) for w in ("abc", "abcd", "abcdef", "abcdefg")] == [0, 1, 1, 2]
    assert matching_query(_index([])[2], _index([])[1], "  ", exact_fields=("text",), fuzzy_fields=()) is None
