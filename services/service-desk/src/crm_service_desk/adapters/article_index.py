"""The knowledge base's search index: tantivy in memory, one per API process, rebuilt
from the published articles (``crm_shared.text_search``: typos, Chinese by bigrams).

Small by nature (a help centre has hundreds or a few thousand articles): the service
brings it up to date from the store when the articles' generation changes.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable

import tantivy
from crm_shared.mongo import Document
from crm_shared.text_search import CJK, LATIN, han_runs, matching_query, register_tokenizers


def _schema() -> tantivy.Schema:
    b = tantivy.SchemaBuilder()
    b.add_text_field("id", stored=True, tokenizer_name="raw")
    b.add_text_field("locale", tokenizer_name="raw")
    b.add_text_field("title", tokenizer_name=LATIN)
    b.add_text_field("tags", tokenizer_name=LATIN)
    b.add_text_field("body", tokenizer_name=LATIN)
    b.add_text_field("cjk", tokenizer_name=CJK, index_option="basic")
    return b.build()


class ArticleIndex:
    """Built on first use: a process that never searches (the worker) holds no index."""

    def __init__(self, *, heap_bytes: int = 15_000_000) -> None:
        self.schema = _schema()
        self._heap_bytes = heap_bytes
        self._built: tuple[tantivy.Index, tantivy.TextAnalyzer, tantivy.IndexWriter] | None = None
        self._versions: dict[str, int] = {}
        self._lock = threading.Lock()

    def _parts(self) -> tuple[tantivy.Index, tantivy.TextAnalyzer, tantivy.IndexWriter]:
        with self._lock:
            if self._built is None:
                index = tantivy.Index(self.schema)
                latin = register_tokenizers(index)
                self._built = (index, latin, index.writer(heap_size=self._heap_bytes, num_threads=1))
            return self._built

    def sync(self, articles: Iterable[Document]) -> int:
        """Make the index hold exactly ``articles`` (id and version decide what changed);
        how many documents were added or removed."""
        wanted = {str(a["_id"]): a for a in articles}
        index, _, writer = self._parts()
        with self._lock:
            changed = 0
            for gone in set(self._versions) - set(wanted):
                writer.delete_documents_by_term("id", gone)
                del self._versions[gone]
                changed += 1
            for article_id, a in wanted.items():
                if self._versions.get(article_id) == int(a["version"]):
                    continue
                writer.delete_documents_by_term("id", article_id)
                writer.add_document(self._document(article_id, a))
                self._versions[article_id] = int(a["version"])
                changed += 1
            if changed:
                writer.commit()
                index.reload()
        return changed

    def _document(self, article_id: str, a: Document) -> tantivy.Document:
        tags = [str(t) for t in a.get("tags") or []]
        doc = tantivy.Document(
            id=[article_id], locale=[str(a.get("locale") or "en")], title=[str(a["title"])], body=[str(a["body"])]
        )
        for tag in tags:
            doc.add_text("tags", tag)
        for run in han_runs(" ".join([str(a["title"]), str(a["body"]), *tags])):
            doc.add_text("cjk", run)
        return doc

    def search(self, text: str, *, locale: str | None = None, limit: int = 20) -> list[tuple[str, float]]:
        """(article id, score), best first."""
        index, latin, _ = self._parts()
        matching = matching_query(
            self.schema, latin, text, exact_fields=("title", "tags"), fuzzy_fields=("title", "tags", "body")
        )
        if matching is None:
            return []
        query = matching
        if locale:
            by_locale = tantivy.Query.term_query(self.schema, "locale", locale)
            query = tantivy.Query.boolean_query([(tantivy.Occur.Must, matching), (tantivy.Occur.Must, by_locale)])
        searcher = index.searcher()
        return [
            (str(searcher.doc(address).to_dict()["id"][0]), float(score))
            for score, address in searcher.search(query, limit=limit, count=False).hits
        ]
