"""Fast JSON for the API (orjson): check results are large, and batches hold thousands of them.

Every JSON body the app reads goes through :func:`parse_json`, which holds it to the limits no
real request comes near: nesting at most :data:`MAX_DEPTH` deep (a 600-deep array in a dataset's
attributes used to exhaust the recursion of validation), integers within 64 bits and finite
numbers (orjson refuses the rest), and valid UTF-8 without lone surrogates (orjson refuses
``"\\ud800"``, which the database cannot store).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson
from flask.json.provider import DefaultJSONProvider

_OPTIONS = orjson.OPT_NON_STR_KEYS
MAX_DEPTH = 32


class JsonLimitError(ValueError):
    """A JSON document beyond the limits (malformed for the API: 400)."""


def parse_json(data: str | bytes) -> Any:
    """Parse JSON, refusing documents nested deeper than :data:`MAX_DEPTH`.

    :raise ValueError: malformed JSON (``orjson.JSONDecodeError``) or over the limits (:class:`JsonLimitError`).
    """
    value = orjson.loads(data)
    # Iterative: measuring depth must not itself recurse.
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            children = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        if depth > MAX_DEPTH:
            raise JsonLimitError(f"nested deeper than {MAX_DEPTH} levels")
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return value


def dumps_bytes(obj: Any, default: Callable[[Any], Any] = DefaultJSONProvider.default) -> bytes:
    """``obj`` as UTF-8 JSON bytes, as the app's answers write it (no str round trip).

    A streamed batch writes each result with it: decoding orjson's bytes to str and encoding them
    again cost two passes over some 7 KB of mostly Chinese text a dataset.
    """
    return orjson.dumps(obj, default=default, option=_OPTIONS)


class OrjsonProvider(DefaultJSONProvider):
    """Flask's JSON provider on orjson, UTF-8 unescaped, falling back to Flask's rules for other types."""

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        return dumps_bytes(obj, self.default).decode()

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        return parse_json(s)

    def response(self, *args: Any, **kwargs: Any):
        obj = self._prepare_response_obj(args, kwargs)
        return self._app.response_class(dumps_bytes(obj, self.default), mimetype=self.mimetype)
