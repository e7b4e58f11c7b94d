"""The module's names, signatures and type stubs."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import spec_kitty_events_rs as rs


def stub_tree():
    path = Path(rs.__file__).with_name("__init__.pyi")
    assert path.with_name("py.typed").exists()
    return ast.parse(path.read_text())


def test_every_public_name_has_a_stub_and_matching_signature():
    tree = stub_tree()
    defined = {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            defined[node.name] = node
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            defined[node.target.id] = node
        elif isinstance(node, ast.Assign):
            for t in node.targets:
                if isinstance(t, ast.Name):
                    defined[t.id] = node
    for name in rs.__all__:
        assert name in defined, f"{name} has no stub"
        obj = getattr(rs, name)
        node = defined[name]
        if isinstance(node, ast.FunctionDef):
            params = [p.arg for p in node.args.args + node.args.kwonlyargs]
            assert params == list(inspect.signature(obj).parameters), name
        if isinstance(node, ast.ClassDef):
            stub_attrs = {n.name for n in node.body if isinstance(n, ast.FunctionDef)} | {
                n.target.id for n in node.body if isinstance(n, ast.AnnAssign)
            }
            for attr in stub_attrs - {"__init__", "__eq__"}:
                assert hasattr(obj, attr), f"{name}.{attr}"


def test_constants():
    assert rs.CONTRACT_VERSION == "4.0.0"
    assert isinstance(rs.__version__, str) and rs.__version__.count(".") == 2
    assert rs.REDUCERS == [
        "status", "lifecycle", "collaboration", "glossary", "mission-next", "dossier",
        "mission-audit", "decision-point", "connector", "sync",
    ]
    assert issubclass(rs.EventValidationError, ValueError)
    assert issubclass(rs.ReducerError, ValueError)
    from spec_kitty_events.conformance.validators import ConformanceResult, ModelViolation, SchemaViolation
    import dataclasses

    for ours, theirs in [(rs.ConformanceResult, ConformanceResult), (rs.ModelViolation, ModelViolation),
                         (rs.SchemaViolation, SchemaViolation)]:
        for f in dataclasses.fields(theirs):
            assert hasattr(ours, f.name), (ours, f.name)
