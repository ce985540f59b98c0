#!/usr/bin/env python3
"""Checks (or, with --update, rewrites) the tables of the docs that the program prints.

A block in a Markdown file of docs/ such as

    <!-- geosim describe mechanisms resources -->
    | ... the table ... |
    <!-- end geosim describe -->

must hold exactly what `geosim describe mechanisms resources --format markdown` prints, so
that the docs cannot drift from the code. Usage: docs_tables.py GEOSIM [--update]
(from the repository root).
"""
import pathlib
import re
import subprocess
import sys

BLOCK = re.compile(r"(<!-- geosim describe ([a-z_ ]+) -->\n)(.*?)(<!-- end geosim describe -->)", re.S)


def main() -> int:
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    geosim, update = sys.argv[1], "--update" in sys.argv[2:]
    stale, blocks = [], 0
    for md in sorted(pathlib.Path("docs").rglob("*.md")):
        text = md.read_text(encoding="utf-8")

        def fill(m: "re.Match[str]") -> str:
            nonlocal blocks
            blocks += 1
            args = m.group(2).split()
            table = subprocess.run([geosim, "describe", *args, "--format", "markdown"], check=True,
                                   capture_output=True, text=True).stdout
            if table != m.group(3):
                line = text.count("\n", 0, m.start()) + 1
                stale.append(f"{md}:{line}: the table of `geosim describe {' '.join(args)}` differs from the program's")
            return m.group(1) + table + m.group(4)

        new = BLOCK.sub(fill, text)
        if update and new != text:
            md.write_text(new, encoding="utf-8")
    if blocks == 0:
        print("no `<!-- geosim describe ... -->` block found in docs/", file=sys.stderr)
        return 1
    if stale and not update:
        print("\n".join(stale), file=sys.stderr)
        print("regenerate with: python3 tests/docs/docs_tables.py build/geosim --update", file=sys.stderr)
        return 1
    print(f"{blocks} tables checked" + (" and updated" if update else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
