"""The packages import downwards only, and no project import hides inside a function.

The layers are written in docs/architecture.md ("Layers"); this test is
their guard. A package may import from its own layer and the layers below
it, never from above; the module graph has no cycle; an import of our own
code inside a function (the usual way to dodge a loop) is refused.
"""
import ast
import os

import pytest

SRC = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "src", "partnership_cms")
PACKAGE = "partnership_cms"

# Lowest first. A name is a top-level module or package of partnership_cms.
LAYERS = [
    {"events", "i18n", "interfaces", "dates", "memory", "settings", "errors", "storage",
     "documents"},  # foundation: no feature (documents: HTML -> PDF/A)
    {"schema"},
    {"audit"},
    {"security"},
    {"bodies"},
    {"catalog"},
    {"content"},
    {"workflow"},
    {"importer", "evolve", "meetings", "protocols"},
    {"notices"},  # the anslagstavla: posting, legal force, extracts, expediering (on protocols)
    {"api"},
    {"views"},
    {"__init__", "scripting", "demo", "cli", "write_queue", "retry"},  # the application and its tools
]
LAYER_OF = {name: number for number, names in enumerate(LAYERS) for name in names}


def modules():
    """``{dotted module name: path}`` of every module of the package."""
    found = {}
    for folder, _dirs, files in os.walk(SRC):
        for name in files:
            if name.endswith(".py"):
                path = os.path.join(folder, name)
                rel = os.path.relpath(path, os.path.dirname(SRC))[:-3].replace(os.sep, ".")
                found[rel.removesuffix(".__init__")] = path
    return found


MODULES = modules()


def imports_of(module, path):
    """``[(imported module, line, at module level)]`` of our own modules that ``module`` imports."""
    with open(path, encoding="utf-8") as f:
        tree = ast.parse(f.read(), path)
    is_package = path.endswith("__init__.py")
    top_level = {id(node) for node in tree.body}
    # Imports under `if TYPE_CHECKING:` at module level count as module level.
    for node in tree.body:
        if isinstance(node, ast.If):
            top_level |= {id(n) for n in ast.walk(node)}
    found = []
    for node in ast.walk(tree):
        targets = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")
                base = base[: len(base) - node.level + (1 if is_package else 0)]
                prefix = ".".join(base + ([node.module] if node.module else []))
            else:
                prefix = node.module or ""
            # `from . import x` may name a submodule rather than a name of the package.
            submodules = [f"{prefix}.{alias.name}" for alias in node.names if f"{prefix}.{alias.name}" in MODULES]
            targets = submodules + ([] if node.module is None and len(submodules) == len(node.names) else [prefix])
        for target in targets:
            if target == PACKAGE or target.startswith(PACKAGE + "."):
                found.append((target, node.lineno, id(node) in top_level))
    return found


def layer_name(module):
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def test_every_module_has_a_layer():
    unplaced = sorted({layer_name(m) for m in MODULES} - set(LAYER_OF))
    assert not unplaced, f"add these to LAYERS (and to docs/architecture.md): {unplaced}"


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_go_downwards_only(module):
    mine = LAYER_OF[layer_name(module)]
    upward = [f"line {line}: {target} ({layer_name(target)} is above {layer_name(module)})"
              for target, line, _top in imports_of(module, MODULES[module])
              if LAYER_OF.get(layer_name(target), -1) > mine]
    assert not upward, "\n".join(upward)


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_project_import_inside_a_function(module):
    hidden = [f"line {line}: {target}" for target, line, top in imports_of(module, MODULES[module]) if not top]
    assert not hidden, "import at module level, or fix the layering:\n" + "\n".join(hidden)


def test_the_module_graph_has_no_cycle():
    graph = {m: {t for t, _line, _top in imports_of(m, p) if t in MODULES and t != m} for m, p in MODULES.items()}
    # A package's __init__ importing its own submodules is how packages export; a
    # submodule importing its package's __init__ back closes a loop, which is what we look for.
    state, stack = {}, []

    def visit(node):
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == "open":
                cycle = stack[stack.index(nxt):] + [nxt]
                pytest.fail("import cycle: " + " -> ".join(cycle))
            if nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node)


def test_the_check_sees_an_upward_import(tmp_path):
    """The rule can fail: a catalog module importing the workflow is caught."""
    path = tmp_path / "bad.py"
    path.write_text("from ..workflow import get_workflows\n\ndef f():\n    from ..audit import record\n")
    found = imports_of("partnership_cms.catalog.bad", str(path))
    assert ("partnership_cms.workflow", 1, True) in found
    assert ("partnership_cms.audit", 4, False) in found
    assert LAYER_OF["workflow"] > LAYER_OF["catalog"]
