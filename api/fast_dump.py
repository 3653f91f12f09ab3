"""Precompiled dumps of response schemas: the same output as ``Schema.dump``, without marshmallow's
per-field machinery on every response (issue 14).

The marshmallow schemas stay the contract (allow-lists, OpenAPI, validation). ``compiled(Schema)``
reads a schema's dump fields ONCE and returns a function that builds the same dict: the same keys
in the same order, a key absent from the payload left out, and each value converted as the field
would (``str``, ``int``, ``float``, booleans, ISO dates and datetimes, nested schemas and lists of
them, dicts). A schema using anything else (hooks, ``only``/``exclude``, ``data_key``-dotted
attributes, dump defaults, other field types) is dumped by marshmallow as before, so the fast
path can never differ from the contract: ``tests/api/test_fast_dump.py`` checks every compiled
schema against ``Schema.dump`` and ``Schema.validate`` on real responses.
"""
from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any

from marshmallow import Schema, fields
from marshmallow.utils import missing

from api.fields import UTCDateTimeField

_ABSENT = object()
Dump = Callable[[Any], Any]


class _Unsupported(Exception):
    """The schema uses something the compiler does not reproduce: marshmallow dumps it."""


def _boolean(field: fields.Boolean) -> Dump:
    truthy, falsy = field.truthy, field.falsy

    def convert(value):
        try:
            if value in truthy:
                return True
            if value in falsy:
                return False
        except TypeError:
            pass
        return bool(value)
    return convert


def _converter(field: fields.Field) -> Dump | None:
    """How one field turns a (non-None) value into its dumped form; None: as is."""
    kind = type(field)
    if callable(getattr(field, "fast_convert", None)):  # a field that states its own conversion
        return field.fast_convert
    if isinstance(field, UTCDateTimeField):
        return lambda value: field._serialize(value, None, None)
    if kind is fields.Date or kind is fields.DateTime:
        if field.format not in (None, "iso", "iso8601"):
            raise _Unsupported(f"{kind.__name__} format {field.format!r}")
        return lambda value: value.isoformat()
    if isinstance(field, fields.String) and kind.__name__ in ("String", "Text", "Str"):
        return str
    if kind is fields.Integer:
        if field.as_string:
            raise _Unsupported("Integer(as_string=True)")
        return int
    if kind is fields.Float:
        if field.as_string:
            raise _Unsupported("Float(as_string=True)")
        return float
    if kind is fields.Boolean:
        return _boolean(field)
    if kind is fields.Raw:
        return None
    if kind is fields.Dict:
        if field.key_field is not None or field.value_field is not None:
            raise _Unsupported("Dict with key/value fields")
        return dict
    if kind is fields.Nested:
        if field.only or field.exclude or field.schema.only or field.schema.exclude:
            raise _Unsupported("Nested with only/exclude")
        inner = _compile(type(field.schema))
        if field.many:
            return lambda value: [None if item is None else inner(item) for item in value]
        return inner
    if kind is fields.List:
        inner_field = field.inner
        item = _converter(inner_field)
        if item is None:
            return list
        return lambda value: [None if each is None else item(each) for each in value]
    raise _Unsupported(kind.__name__)


# Whether objects of a type are read by key (a Mapping) or by attribute, decided once per type:
# ``isinstance(obj, Mapping)`` is an ABC check (several calls) and ran once per FIELD before.
# An ABC's answer for a type is fixed once asked (registration after first use is not a thing here).
_BY_KEY: dict[type, bool] = {dict: True}


def _by_key(obj: Any) -> bool:
    kind = type(obj)
    by_key = _BY_KEY.get(kind)
    if by_key is None:
        by_key = _BY_KEY[kind] = isinstance(obj, Mapping)
    return by_key


@functools.cache
def _compile(schema_class: type[Schema]) -> Dump:
    schema = schema_class()
    if any(schema._hooks.values()):  # pre_dump / post_dump would change the output
        raise _Unsupported(f"{schema_class.__name__} has dump hooks")
    plan = []
    for name, field in schema.dump_fields.items():
        attr = field.attribute or name
        if "." in attr or field.dump_default is not missing:
            raise _Unsupported(f"{schema_class.__name__}.{name}")
        plan.append((field.data_key or name, attr, _converter(field)))
    plan_tuple = tuple(plan)

    def dump(obj: Any) -> dict[str, Any]:
        out = {}
        get = obj.get if _by_key(obj) else functools.partial(getattr, obj)
        for key, attr, convert in plan_tuple:
            value = get(attr, _ABSENT)
            if value is _ABSENT:
                continue
            out[key] = value if convert is None or value is None else convert(value)
        return out
    dump.__name__ = f"dump_{schema_class.__name__}"
    return dump


@functools.cache
def compiled(schema_class: type[Schema]) -> Dump:
    """The fast dump of ``schema_class`` (same output as ``schema_class().dump``), or that dump itself."""
    try:
        return _compile(schema_class)
    except _Unsupported:
        return schema_class().dump


def is_compiled(schema_class: type[Schema]) -> bool:
    """Whether ``schema_class`` has a precompiled dump (else marshmallow dumps it)."""
    try:
        _compile(schema_class)
    except _Unsupported:
        return False
    return True
