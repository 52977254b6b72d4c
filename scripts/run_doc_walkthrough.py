#!/usr/bin/env python3
"""Run the guest-checkout walkthrough of docs/api.md against a RUNNING Mercato, as printed.

    BASE_URL=http://127.0.0.1:8000 scripts/run_doc_walkthrough.py [docs/api.md]

The commands are taken from the document itself (no second copy): every ```sh block right
after a `<!-- walkthrough: … -->` comment, in the document's order. They run in
one `bash` with `set -euo pipefail`, in an empty temporary folder, with `B` set to BASE_URL
(the walkthrough's first line keeps a `B` that is set). One thing is added: `curl` fails on an
HTTP error status (`--fail-with-body`; and `-sS`, no progress meter), so a refused request
fails the run as it would stop a reader. Afterwards the order the walkthrough placed must be
paid, and its totals must be the ones the document prints for the demo data
(`"totals": {"subtotal": …, "total": …}`), and invoice.pdf a PDF.

Exits 1 with the commands' output and the failing line on any error. Python 3.10+, standard
library only; needs bash, curl (7.76 or later) and python3, as the walkthrough does.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import urllib.request
from decimal import Decimal
from pathlib import Path

# A marker comment (it may span lines), blank lines, then a sh block.
BLOCK = re.compile(
    r"^<!-- walkthrough:.*?-->\s*?\n(?:[ \t]*\n)*```(?:sh|bash)[ \t]*\n(.*?)^```[ \t]*$",
    re.MULTILINE | re.DOTALL,
)
TOTALS = re.compile(
    r'"totals": \{"subtotal": "(?P<subtotal>[\d.]+)", "discount": "(?P<discount>[\d.]+)", '
    r'"shipping": "(?P<shipping>[\d.]+)", "tax": "(?P<tax>[\d.]+)",'
    r'\s*#\s*"total": "(?P<total>[\d.]+)"'
)
MARK = "__walkthrough_order__"

PRELUDE = """set -euo pipefail
PS4='+ line $LINENO: '
set -x
# Added by the runner: an HTTP error status fails the command (a reader would stop there).
curl() { command curl --fail-with-body -sS "$@"; }
"""
# After the walkthrough: report the order it placed ($O and $T are the walkthrough's).
EPILOGUE = f"""
set +x
printf '\\n{MARK} %s %s\\n' "$O" "${{T#X-Order-Token: }}"
"""


def fail(message: str, output: str = "") -> int:
    if output:
        print(output[-20000:], file=sys.stderr)
    print(f"FAIL [doc walkthrough] {message}", file=sys.stderr)
    return 1


def extract(document: str) -> str:
    """The walkthrough's shell commands: its marked blocks, joined in order."""
    blocks = [match.group(1) for match in BLOCK.finditer(document)]
    if not blocks:
        raise ValueError("no <!-- walkthrough: … --> comment followed by a sh block")
    return "\n".join(blocks)


def main(argv: list[str]) -> int:
    base_url = os.environ.get("BASE_URL", "http://127.0.0.1:8000").rstrip("/")
    doc = Path(argv[0] if argv else Path(__file__).resolve().parent.parent / "docs" / "api.md")
    try:
        commands = extract(doc.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return fail(f"{doc}: {exc}")
    printed = TOTALS.search(commands)
    if printed is None:
        return fail(f'{doc}: the walkthrough prints no \'"totals": {{"subtotal": …}}\' line')

    with tempfile.TemporaryDirectory(prefix="mercato-walkthrough-") as folder:
        script = Path(folder) / "walkthrough.sh"
        script.write_text(PRELUDE + commands + EPILOGUE, encoding="utf-8")
        run = subprocess.run(  # noqa: S603
            ["bash", str(script)],  # noqa: S607
            cwd=folder,
            env={**os.environ, "B": base_url},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=300,
            check=False,
        )
        output = run.stdout
        if run.returncode != 0:
            return fail(
                f"a command failed (exit {run.returncode}); its line is the last '+'", output
            )
        if not (Path(folder) / "invoice.pdf").read_bytes().startswith(b"%PDF"):
            return fail("invoice.pdf is not a PDF", output)

    found = re.search(rf"^{MARK} (\S+) (\S+)$", output, re.MULTILINE)
    if found is None:
        return fail("the walkthrough did not set $O and $T", output)
    order_id, token = found.groups()
    req = urllib.request.Request(  # noqa: S310
        f"{base_url}/api/store/orders/{order_id}", headers={"X-Order-Token": token}
    )
    with urllib.request.urlopen(req, timeout=30) as answer:  # noqa: S310
        order = json.load(answer)
    totals = order["totals"]
    actual = {
        "subtotal": str(
            sum(
                (Decimal(line["unit_price_discounted"]["amount"]) * line["quantity"])
                for line in order["lines"]
            )
        ),
        "discount": totals["discount"]["amount"],
        "shipping": totals["shipping"]["amount"],
        "tax": totals["tax"]["amount"],
        "total": totals["gross"]["amount"],
    }
    expected = printed.groupdict()
    if actual != expected:
        return fail(f"the order's totals {actual} are not the printed ones {expected}", output)
    if (order["payment_status"], order["amount_due"]["amount"]) != ("charged", "0.00"):
        return fail(f"the order is not paid: {order['payment_status']}", output)
    commands_run = sum(1 for line in output.splitlines() if line.startswith("+ line "))
    print(
        f"Doc walkthrough passed: {commands_run} commands of {doc.name} against {base_url}, "
        f"order #{order['number']} paid, totals as printed ({expected['total']})."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
