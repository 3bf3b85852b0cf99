"""render.plan: what a planner returns. Jobs call their function with their arguments (and
their inputs when they have deps); bundles hold several outputs; Inputs fetch lazily."""

from __future__ import annotations

from katalog.render.plan import (
    Inputs,
    Job,
    Previous,
    bundle,
    constant,
    piece,
    text_job,
    unbundle,
)


def _concat(sep: bytes, inputs: Inputs) -> bytes:
    return sep.join(inputs)


def test_a_job_calls_its_function_with_args_and_inputs() -> None:
    assert constant(b"abc").run() == b"abc"
    assert text_job(str.upper, "æble", encoding="utf-8").run() == "ÆBLE".encode()
    assert text_job(str.upper, "x", encoding="utf-8-sig").run() == b"\xef\xbb\xbfX"
    job = Job(_concat, (b"+",), deps=(constant(b"a"), constant(b"b")))
    assert job.takes_inputs and job.run(Inputs([b"a", b"b"])) == b"a+b"
    assert job != Job(_concat, (b"+",), deps=job.deps)  # jobs are compared by identity


def test_inputs_fetch_each_output_when_asked() -> None:
    asked: list[int] = []

    def get(i: int) -> bytes:
        asked.append(i)
        return bytes([i])

    inputs = Inputs(get, 3, keys=("k0", None, "k2"), previous=Previous(b"old", ("k0",)))
    assert asked == [] and len(inputs) == 3
    assert inputs[2] == b"\x02" and asked == [2]
    assert inputs[-1] == b"\x02" and inputs[0:2] == [b"\x00", b"\x01"]
    assert list(inputs.materialised()) == [b"\x00", b"\x01", b"\x02"]
    assert inputs.materialised().previous == Previous(b"old", ("k0",))


def test_bundles() -> None:
    parts = [b"", b"abc", bytes(range(256)), b"x" * 10]
    data = bundle(parts)
    assert unbundle(data) == parts and [piece(data, i) for i in range(4)] == parts
    assert unbundle(bundle([])) == []


def test_no_renderer_imports_the_cache_the_pool_or_the_executor() -> None:
    """Renderers plan; only katalog.execute touches the cache, the pool and the files."""
    import ast
    from pathlib import Path

    import katalog.render

    forbidden = {"cache", "parallel", "execute", "content_cache", "fingerprint"}
    root = Path(katalog.render.__file__).parent
    found = []
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names: list[str] = []
            if isinstance(node, ast.ImportFrom):
                names = [node.module or ""] + [a.name for a in node.names if not node.module]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            for name in names:
                if name.split(".")[-1] in forbidden or name.startswith("katalog.") and \
                        name.split(".")[1] in forbidden:
                    found.append(f"{path.relative_to(root)}: {name}")
    assert found == []
