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

import jinja2
from jinja2.bccache import Bucket, BytecodeCache

from .cache import Store
from .render.precompiled import compile_settings

NAMESPACE = "jinja"


class TemplateBytecode(BytecodeCache):
    """Compiled templates in `store` (namespace `NAMESPACE`); a miss compiles as usual."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def get_bucket(self, environment: jinja2.Environment, name: str, filename: str | None,
                   source: str) -> Bucket:
        key = hashlib.sha256(
            f"{compile_settings(environment, name)}\0{name}\0{filename}".encode("utf-8")).hexdigest()
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
