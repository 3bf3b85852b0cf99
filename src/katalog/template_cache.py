"""Jinja's compiled templates, kept between builds in the one cache store (`cache.Store`).

Jinja compiles every template it loads to Python code: for the site's and the PDF's templates
that is ≈ 0.1–0.15 s of every build. `TemplateBytecode` is a `jinja2.BytecodeCache` whose
records are the store's: signed with the user's key like every other record, because
bytecode is code that runs when it is loaded (a planted or foreign record fails the HMAC and
is compiled anew, never loaded). A record is found by the environment's compile settings,
Jinja's version, the template's name and file, and holds Jinja's own header (Python version,
the source's checksum): a changed template or another Python never reuses old code. The
template's source is still read through the loader on every build (`SafeLoader`: the same
refusals as without the cache); only its compiling is saved.

Renderers never import this module: `build.py` gives the bytecode cache to the template set
(`TemplateSet.create(..., bytecode=...)`), and every environment made from its loaders uses
it.
"""

from __future__ import annotations

import hashlib
from typing import Any

import jinja2
from jinja2.bccache import Bucket, BytecodeCache

from .cache import Store

NAMESPACE = "jinja"


class TemplateBytecode(BytecodeCache):
    """Compiled templates in `store` (namespace `NAMESPACE`); a miss compiles as usual."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def get_bucket(self, environment: jinja2.Environment, name: str, filename: str | None,
                   source: str) -> Bucket:
        key = hashlib.sha256(
            f"{_settings(environment, name)}\0{name}\0{filename}".encode("utf-8")).hexdigest()
        bucket = Bucket(environment, key, self.get_source_checksum(source))
        self.load_bytecode(bucket)
        return bucket

    def load_bytecode(self, bucket: Bucket) -> None:
        data = self.store.get(NAMESPACE, bucket.key)
        if data is not None:
            bucket.bytecode_from_string(data)  # resets on another Python or source

    def dump_bytecode(self, bucket: Bucket) -> None:
        self.store.put(NAMESPACE, bucket.key, bucket.bytecode_to_string())

    def clear(self) -> None:
        self.store.prune(NAMESPACE, ())


def _settings(env: jinja2.Environment, name: str) -> str:
    """What, besides the source, decides the code Jinja compiles a template to."""
    autoescape: Any = env.autoescape(name) if callable(env.autoescape) else env.autoescape
    return repr((
        jinja2.__version__, f"{type(env).__module__}.{type(env).__qualname__}", env.sandboxed,
        autoescape, env.trim_blocks, env.lstrip_blocks, env.keep_trailing_newline,
        env.newline_sequence, env.optimized, env.is_async, sorted(env.extensions),
        env.block_start_string, env.block_end_string, env.variable_start_string,
        env.variable_end_string, env.comment_start_string, env.comment_end_string,
        env.line_statement_prefix, env.line_comment_prefix,
        f"{env.undefined.__module__}.{env.undefined.__qualname__}"))
