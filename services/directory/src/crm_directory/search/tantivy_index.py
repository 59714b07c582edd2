"""The local search index: tantivy (Rust, via its official Python bindings), in process.

How text is tokenized and matched (Latin with typos, Chinese by bigrams) is
:mod:`crm_shared.text_search`; this module holds the directory's schema and its
access filters.
"""

from __future__ import annotations

import threading

import tantivy
from crm_shared.text_search import CJK, LATIN, han_runs, matching_query, register_tokenizers

from crm_directory.search.documents import SearchDoc
from crm_directory.search.port import Hit
from crm_directory.search.visibility import KindFilter, Visibility

ACL_FIELDS = ("owner", "team", "group", "assignee", "customer_owner")
_MAX_KEYS = 100_000
SCHEMA_VERSION = 1
"""Bump with any change of the schema, the tokenizers or what a document holds: an index
on disk of another version is rebuilt from the topics (:mod:`.folder`)."""


def _schema() -> tantivy.Schema:
    b = tantivy.SchemaBuilder()
    for name in ("key", "kind", "customer_id", *(f"acl_{f}" for f in ACL_FIELDS)):
        b.add_text_field(name, stored=True, tokenizer_name="raw")
    b.add_text_field("id", stored=True, tokenizer_name="raw")
    b.add_text_field("title", stored=True, tokenizer_name=LATIN)
    b.add_text_field("subtitle", stored=True, index_option="basic", tokenizer_name="raw")
    b.add_text_field("text", stored=True, tokenizer_name=LATIN)
    b.add_text_field("cjk", tokenizer_name=CJK, index_option="basic")
    b.add_integer_field("version", stored=True)
    return b.build()


class TantivyIndex:
    def __init__(self, path: str | None = None, *, heap_bytes: int = 64_000_000) -> None:
        self.schema = _schema()
        self.index = tantivy.Index(self.schema, path=path, reuse=path is not None)
        self._latin = register_tokenizers(self.index)
        self._writer = self.index.writer(heap_size=heap_bytes, num_threads=1)
        self._lock = threading.Lock()
        """The writer is used from the event loop and from commits in a thread."""

    # ---- writes ------------------------------------------------------------------
    def upsert(self, doc: SearchDoc) -> None:
        fields: dict[str, object] = {
            "key": doc.key,
            "kind": doc.kind,
            "id": doc.id,
            "title": doc.title,
            "subtitle": doc.subtitle,
            "text": doc.text,
            "customer_id": doc.customer_id,
            "version": doc.version,
        }
        document = tantivy.Document(**{k: [v] for k, v in fields.items()})
        for name, value in doc.acl.items():
            document.add_text(f"acl_{name}", value)
        for run in han_runs(f"{doc.title} {doc.text}"):
            document.add_text("cjk", run)
        with self._lock:
            self._writer.delete_documents_by_term("key", doc.key)
            self._writer.add_document(document)

    def delete(self, key: str) -> None:
        with self._lock:
            self._writer.delete_documents_by_term("key", key)

    def delete_customer(self, customer_id: str) -> None:
        with self._lock:
            self._writer.delete_documents_by_term("customer_id", customer_id)

    def close(self) -> None:
        """The writer (and its lock on the folder) released; the index is unusable after."""
        with self._lock:
            self._writer.wait_merging_threads()

    def commit(self) -> None:
        with self._lock:
            self._writer.commit()
        self.index.reload()

    # ---- reads -------------------------------------------------------------------
    def by_customer(self, customer_id: str, kind: str) -> list[SearchDoc]:
        query = tantivy.Query.boolean_query(
            [
                (tantivy.Occur.Must, tantivy.Query.term_query(self.schema, "customer_id", customer_id)),
                (tantivy.Occur.Must, tantivy.Query.term_query(self.schema, "kind", kind)),
            ]
        )
        searcher = self.index.searcher()
        found = searcher.search(query, limit=_MAX_KEYS, count=False).hits
        return [_doc(searcher.doc(address).to_dict()) for _, address in found]

    def get(self, key: str) -> SearchDoc | None:
        """The committed document of ``key``, if any."""
        searcher = self.index.searcher()
        found = searcher.search(tantivy.Query.term_query(self.schema, "key", key), limit=1, count=False).hits
        return _doc(searcher.doc(found[0][1]).to_dict()) if found else None

    def count(self) -> int:
        return int(self.index.searcher().num_docs)

    def search(self, text: str, *, visible: Visibility, kinds: tuple[str, ...] = (), limit: int = 20) -> list[Hit]:
        matching = self._matching(text)
        allowed = self._visible(visible, kinds)
        if matching is None or allowed is None:
            return []
        query = tantivy.Query.boolean_query([(tantivy.Occur.Must, matching), (tantivy.Occur.Must, allowed)])
        searcher = self.index.searcher()
        hits = []
        for score, address in searcher.search(query, limit=limit, count=False).hits:
            d = searcher.doc(address).to_dict()
            doc = _doc(d)
            hits.append(Hit(doc.kind, doc.id, doc.title, doc.subtitle, doc.customer_id, float(score)))
        return hits

    def _matching(self, text: str) -> tantivy.Query | None:
        return matching_query(self.schema, self._latin, text, exact_fields=("title",), fuzzy_fields=("text",))

    def _visible(self, visible: Visibility, kinds: tuple[str, ...]) -> tantivy.Query | None:
        per_kind = [
            (tantivy.Occur.Should, self._kind_filter(kind, f))
            for kind, f in visible.items()
            if not kinds or kind in kinds
        ]
        return tantivy.Query.boolean_query(per_kind) if per_kind else None

    def _kind_filter(self, kind: str, f: KindFilter) -> tantivy.Query:
        is_kind = tantivy.Query.term_query(self.schema, "kind", kind)
        if f.everything:
            return is_kind
        any_term = tantivy.Query.boolean_query(
            [(tantivy.Occur.Should, tantivy.Query.term_query(self.schema, f"acl_{n}", v)) for n, v in f.terms]
        )
        return tantivy.Query.boolean_query([(tantivy.Occur.Must, is_kind), (tantivy.Occur.Must, any_term)])


def _doc(d: dict[str, list[object]]) -> SearchDoc:
    def one(name: str) -> str:
        values = d.get(name) or [""]
        return str(values[0])

    return SearchDoc(
        kind=one("kind"),
        id=one("id"),
        version=int(d["version"][0]),  # type: ignore[call-overload]
        title=one("title"),
        subtitle=one("subtitle"),
        text=one("text"),
        customer_id=one("customer_id"),
        acl={f: one(f"acl_{f}") for f in ACL_FIELDS if d.get(f"acl_{f}")},
    )
