#!/usr/bin/env python3
"""The dependency picture of docs/architecture.md, generated from the layer contract.

`scripts/architecture.py` prints the two generated blocks: the layer order, read from the
`layers` contract of `[tool.importlinter]` in pyproject.toml, and the table of which apps each
app imports, read from the code's imports (grimp, the graph import-linter itself uses; tests
left out). `--write` puts them into docs/architecture.md between their markers; `--check`
exits 1 when the document differs from what the code and the contract say (a test runs it).
"""

from __future__ import annotations

import argparse
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "architecture.md"
BLOCKS = ("layers", "imports")


def layer_contract() -> dict:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    return next(c for c in config["contracts"] if c["id"] == "layers")


def app_layers() -> list[list[str]]:
    """The contract's layers, top first, each a list of names (optional ones in brackets)."""
    return [[name.strip() for name in _split(layer)] for layer in layer_contract()["layers"]]


def _split(layer: str) -> list[str]:
    return layer.split("|" if "|" in layer else ":")


def render_layers() -> str:
    """`a | b`: independent (neither imports the other); `a : b`: may import each other."""
    lines = ["```", "top"]
    for layer in layer_contract()["layers"]:
        sep = "  |  " if "|" in layer else "  :  "
        lines.append("  " + sep.join(name.strip() for name in _split(layer)))
    lines += ["bottom", "```"]
    return "\n".join(lines)


def render_imports() -> str:
    sys.path.insert(0, str(ROOT / "src"))
    import grimp

    graph = grimp.build_graph("mercato")
    apps = [name for names in app_layers()[1:] for name in names]
    rows = ["| app | imports (apps) |", "|---|---|"]
    for app in apps:
        used = []
        for other in apps:
            if other == app:
                continue
            found = graph.find_matching_direct_imports(
                import_expression=f"mercato.{app}.** -> mercato.{other}.**"
            )
            if any(".tests" not in hit["importer"] for hit in found):
                used.append(f"`{other}`")
        rows.append(f"| `{app}` | {', '.join(used) or 'none'} |")
    return "\n".join(rows)


def generated() -> dict[str, str]:
    return {"layers": render_layers(), "imports": render_imports()}


def replace_block(text: str, name: str, body: str) -> str:
    begin, end = f"<!-- {name}:begin (scripts/architecture.py) -->", f"<!-- {name}:end -->"
    head, found, rest = text.partition(begin)
    if not found:
        raise SystemExit(f"docs/architecture.md has no {begin} marker")
    _, found, tail = rest.partition(end)
    if not found:
        raise SystemExit(f"docs/architecture.md has no {end} marker")
    return f"{head}{begin}\n{body}\n{end}{tail}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="rewrite docs/architecture.md")
    parser.add_argument("--check", action="store_true", help="fail when the doc is stale")
    args = parser.parse_args()
    blocks = generated()
    if not (args.write or args.check):
        print("\n\n".join(blocks[name] for name in BLOCKS))
        return 0
    text = DOC.read_text()
    new = text
    for name in BLOCKS:
        new = replace_block(new, name, blocks[name])
    if args.check:
        if new != text:
            print("docs/architecture.md is stale: run scripts/architecture.py --write")
            return 1
        return 0
    DOC.write_text(new)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
