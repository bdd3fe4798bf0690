"""The text of CAC Order No. 16 (促进和规范数据跨境流动规定), article by article, for quoting.

The texts live in the seed file ``articles.json``; the Chinese text is authoritative.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from types import MappingProxyType
from typing import Any

from registry.seedfiles import read_seed_json


@dataclass(frozen=True, slots=True)
class Clause:
    """A numbered clause of an article, e.g. Art. 5(4): ``（四）…``."""

    number: int
    zh: str
    en: str


@dataclass(frozen=True, slots=True)
class Article:
    """One article: its full Chinese text, an English rendering and its clauses (Arts. 5 and 7)."""

    number: int
    zh: str
    en: str
    heading_zh: str = ""
    clauses: tuple[Clause, ...] = ()

    def clause(self, number: int) -> Clause:
        """Return clause ``number`` (1-based).

        :raise KeyError: when the article has no such clause.
        """
        for clause in self.clauses:
            if clause.number == number:
                return clause
        raise KeyError(f"Article {self.number} has no clause {number}.")


def parse_articles(document: Mapping[str, Any]) -> Mapping[int, Article]:
    """Build the articles from a document shaped like ``articles.json``."""
    articles = {}
    for raw in document["articles"]:
        article = Article(
            number=int(raw["number"]),
            zh=raw["zh"],
            en=raw["en"],
            heading_zh=raw.get("heading_zh") or "",
            clauses=tuple(Clause(number=int(c["number"]), zh=c["zh"], en=c["en"]) for c in raw.get("clauses") or ()),
        )
        articles[article.number] = article
    return MappingProxyType(articles)


@cache
def load_articles() -> Mapping[int, Article]:
    """Return the articles of Order No. 16 keyed by number, read once from ``articles.json``."""
    return parse_articles(read_seed_json("articles.json"))
