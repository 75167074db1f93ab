"""``python -m onegrid_demotown --out DIR [--seed 7] [--grids-only]``"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from onegrid_demotown.generate import generate


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="onegrid_demotown", description="Generate the OneGrid demo town (YYB).")
    parser.add_argument("--out", required=True, type=Path, help="output directory (created if missing)")
    parser.add_argument("--seed", type=int, default=7, help="random seed (default 7); same seed, same bytes")
    parser.add_argument("--grids-only", action="store_true", help="write communities.csv and grids.geojson only")
    args = parser.parse_args(argv)
    written = generate(args.out, seed=args.seed, grids_only=args.grids_only)
    for name, count in written.items():
        unit = "features" if name.endswith(".geojson") else "rows"
        print(f"{args.out / name}: {count} {unit}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
