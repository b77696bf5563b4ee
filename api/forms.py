"""Request parameters as Stripe sends them: JSON, or form/query encoding with brackets.

`options[document][require_matching_selfie]=true` -> {"options": {"document": {...: "true"}}};
`expand[]=a&expand[]=b` and `expand[0]=a` -> {"expand": ["a", "b"]}. Values stay strings; the
pydantic input models coerce "true"/"false" and numbers (lax mode), so JSON and forms validate
through the same models and produce the same errors.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from itertools import accumulate
from typing import Any
from urllib.parse import parse_qsl

from fastapi import Request

from kyc.errors import InvalidRequest, PayloadTooLarge

_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')  # unrolled: no per-character branch
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_DEPTH_STEP = [1 if b in b"[{" else -1 for b in range(256)]
_KEY = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$")
MAX_DEPTH = 5
# JSON bodies: deeper than any input model goes (metadata and options are 3 levels), far below
# the interpreter's recursion limit, so nesting is refused as a 400 before anything recurses.
MAX_JSON_DEPTH = 32
MAX_BODY_BYTES = 256 * 1024  # parameters only: files go to the multipart upload endpoint


def parse_pairs(pairs: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """Nest bracketed keys; `[]` and numeric indices make lists."""
    root: dict[str, Any] = {}
    for raw_key, value in pairs:
        match = _KEY.match(raw_key)
        if not match:
            raise InvalidRequest(f"Invalid parameter name: {raw_key!r}", param=raw_key)
        parts = [match.group(1), *re.findall(r"\[([^\[\]]*)\]", match.group(2))]
        if len(parts) > MAX_DEPTH:
            raise InvalidRequest(f"Parameter {raw_key!r} is nested too deeply.", param=raw_key)
        _assign(root, parts, value, raw_key)
    # The top level is always an object: `0=x` is a parameter named "0", not a list.
    return {k: _listify(v) for k, v in root.items()}


def _assign(node: dict[str, Any], parts: list[str], value: str, raw_key: str) -> None:
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        if part == "":  # `[]`: append at this level
            part = str(_next_index(node))
        if last:
            if isinstance(node.get(part), dict):
                raise InvalidRequest(f"Parameter {raw_key!r} is given twice.", param=raw_key)
            node[part] = value
            return
        child = node.setdefault(part, {})
        if not isinstance(child, dict):
            raise InvalidRequest(f"Parameter {raw_key!r} conflicts with another.", param=raw_key)
        node = child


def _is_index(key: str) -> bool:
    """ASCII digits only: `str.isdigit` is also true of '²', which `int` refuses."""
    return key.isascii() and key.isdigit()


def _next_index(node: dict[str, Any]) -> int:
    indices = [int(k) for k in node if _is_index(k)]
    return max(indices) + 1 if indices else 0


def _listify(node: Any) -> Any:
    """Dicts whose keys are all indices become lists in index order."""
    if not isinstance(node, dict):
        return node
    converted = {k: _listify(v) for k, v in node.items()}
    if converted and all(_is_index(k) for k in converted):
        return [converted[k] for k in sorted(converted, key=int)]
    return converted


def _json_depth(raw: bytes) -> int:
    """The deepest bracket nesting of a JSON text, strings skipped. Never recurses, runs at C
    speed (regex + accumulate), so a body nested 100,000 levels is one cheap pass instead of a
    RecursionError; malformed text is left for `json.loads` to refuse."""
    outside_strings = _JSON_STRING.sub(b"", raw)
    brackets = outside_strings.translate(None, _NOT_BRACKETS)
    return max(accumulate(map(_DEPTH_STEP.__getitem__, brackets)), default=0)


def query_params(request: Request) -> dict[str, Any]:
    return parse_pairs(request.query_params.multi_items())


async def body_params(request: Request) -> dict[str, Any]:
    """The body as nested params: JSON when the content type says so, else form encoding."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise PayloadTooLarge(f"Request bodies are limited to {MAX_BODY_BYTES} bytes.")
    raw = await request.body()
    if len(raw) > MAX_BODY_BYTES:
        raise PayloadTooLarge(f"Request bodies are limited to {MAX_BODY_BYTES} bytes.")
    if not raw.strip():
        return {}
    if content_type == "application/json" or content_type.endswith("+json"):
        if _json_depth(raw) > MAX_JSON_DEPTH:
            raise InvalidRequest(f"The JSON body is nested deeper than {MAX_JSON_DEPTH} levels.")
        try:
            parsed = json.loads(raw)
        except (ValueError, UnicodeDecodeError, RecursionError) as exc:
            raise InvalidRequest("The request body is not valid JSON.") from exc
        if not isinstance(parsed, dict):
            raise InvalidRequest("The request body must be a JSON object.")
        return parsed
    if content_type in ("", "application/x-www-form-urlencoded"):
        try:
            pairs = parse_qsl(raw.decode("utf-8"), keep_blank_values=True, strict_parsing=True)
        except (ValueError, UnicodeDecodeError) as exc:
            raise InvalidRequest("The request body is not valid form encoding.") from exc
        return parse_pairs(pairs)
    raise InvalidRequest(
        f"Unsupported content type {content_type!r}: send application/x-www-form-urlencoded "
        "or application/json."
    )
