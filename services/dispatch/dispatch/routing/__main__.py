"""Command line of the routing library.

  python -m dispatch.routing evaluate --departments D.csv [--categories C.csv]
                                      [--train T.csv | --model M.bin] --test TEST.csv [--threshold 0.NN]
  python -m dispatch.routing train    --departments D.csv [--categories C.csv] --train T.csv --out M.bin
  python -m dispatch.routing predict  (--model M.bin | --departments D.csv [--categories C.csv]) [TEXT ...]

``evaluate`` without --train/--model routes from the department descriptions
alone (cold start).  Its last output line is always
``accuracy=0.NNN macro_f1=0.NNN coverage=0.NNN``.  ``predict`` reads one text
per line from stdin when no TEXT is given and prints one JSON object per text.
Bad input files: one-line error on stderr, exit status 2.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import asdict
from pathlib import Path

from .model import (
    DEFAULT_CONFIDENCE_THRESHOLD,
    RoutingModel,
    load_departments_csv,
    load_examples_csv,
)


def _threshold(value: str) -> float:
    try:
        t = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {value!r}") from None
    if not 0.0 <= t <= 1.0:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1: {value}")
    return t


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m dispatch.routing",
                                description="Route free-text cases to departments: evaluate, train, predict.")
    sub = p.add_subparsers(dest="command", required=True)

    def catalog_args(sp, required=True):
        sp.add_argument("--departments", type=Path, required=required,
                        help="CSV with code,name_en,handles[,name_zh,...]")
        sp.add_argument("--categories", type=Path,
                        help="optional categories CSV (name_en,name_zh,example_zh,department): "
                             "adds category names/examples to the department descriptions")

    ev = sub.add_parser("evaluate", help="accuracy, macro-F1, per-department recall, coverage, speed")
    catalog_args(ev)
    src = ev.add_mutually_exclusive_group()
    src.add_argument("--train", type=Path, help="CSV text,department to train on (default: descriptions only)")
    src.add_argument("--model", type=Path, help="evaluate a stored model (output of 'train') instead")
    ev.add_argument("--test", type=Path, required=True, help="CSV text,department")
    ev.add_argument("--threshold", type=_threshold, default=DEFAULT_CONFIDENCE_THRESHOLD,
                    help=f"confidence needed to route automatically (default {DEFAULT_CONFIDENCE_THRESHOLD})")

    tr = sub.add_parser("train", help="train and write the model bytes (RoutingModel.to_bytes) to a file")
    catalog_args(tr)
    tr.add_argument("--train", type=Path, required=True, help="CSV text,department")
    tr.add_argument("--out", type=Path, required=True, help="output file")

    pr = sub.add_parser("predict", help="print the top-3 departments of each text as JSON")
    catalog_args(pr, required=False)
    pr.add_argument("--model", type=Path, help="stored model (otherwise cold start from --departments)")
    pr.add_argument("texts", nargs="*", help="texts (default: one per line from stdin)")
    return p


def _load_model_file(path: Path) -> RoutingModel:
    try:
        return RoutingModel.from_bytes(path.read_bytes())
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from None


def _speed(model: RoutingModel, texts: list[str]) -> tuple[float, float]:
    """(single predictions per second, batched predictions per second)."""
    n, start = 0, time.perf_counter()
    while n < 2000 or time.perf_counter() - start < 0.5:
        for t in texts:
            model.predict(t)
        n += len(texts)
    single = n / (time.perf_counter() - start)
    n, start = 0, time.perf_counter()
    while n < 2000 or time.perf_counter() - start < 0.5:
        model.predict_many(texts)
        n += len(texts)
    return single, n / (time.perf_counter() - start)


def _evaluate(args) -> int:
    departments = load_departments_csv(args.departments, categories=args.categories)
    test = load_examples_csv(args.test)
    if not test:
        raise ValueError(f"{args.test}: no test cases")
    started = time.perf_counter()
    if args.model:
        model = _load_model_file(args.model)
        how = f"stored model {args.model}"
    elif args.train:
        model = RoutingModel.train(departments, load_examples_csv(args.train))
        how = f"trained on {model.n_examples} examples from {args.train}"
    else:
        model = RoutingModel.cold_start(departments)
        how = "cold start: department descriptions only"
    fit_seconds = time.perf_counter() - started
    known = set(model.classes)
    unknown = sorted({d for _, d in test if d not in known})
    if unknown:
        raise ValueError(f"{args.test}: department code(s) not in the model's departments: {', '.join(unknown[:5])}")

    texts = [t for t, _ in test]
    truth = [d for _, d in test]
    preds = model.predict_many(texts)
    n = len(test)
    correct = [p.department == y for p, y in zip(preds, truth)]
    conf = [p.confidence for p in preds]
    accuracy = sum(correct) / n
    top3 = sum(y in {c.department for c in p.candidates} for p, y in zip(preds, truth)) / n

    names = {d.code: d.name_en for d in model.departments}
    rows, f1s = [], []
    for code in model.classes:
        support = sum(y == code for y in truth)
        predicted = sum(p.department == code for p in preds)
        hits = sum(p.department == code == y for p, y in zip(preds, truth))
        recall = hits / support if support else None
        precision = hits / predicted if predicted else (None if not support else 0.0)
        if support:
            f1s.append(0.0 if not hits else 2 * hits / (support + predicted))
        rows.append((code, names[code], support, predicted, recall, precision))
    macro_f1 = sum(f1s) / len(f1s)

    bins = [[] for _ in range(10)]
    for c, ok in zip(conf, correct):
        bins[min(int(c * 10), 9)].append((c, ok))
    ece = sum(abs(sum(c for c, _ in b) - sum(ok for _, ok in b)) for b in bins) / n

    covered = [ok for c, ok in zip(conf, correct) if c >= args.threshold]
    coverage = len(covered) / n
    single, batched = _speed(model, texts)

    fmt = lambda v: "    -" if v is None else f"{v:5.3f}"  # noqa: E731
    print(f"model        {model.version}  ({how}; {len(model.classes)} departments, "
          f"fitted in {fit_seconds:.2f}s)")
    print(f"calibration  {model.calibration}, T={model.temperature:.3f}")
    print(f"test set     {n} cases from {args.test}")
    print()
    print(f"{'department':<56} {'cases':>5} {'pred':>5} {'recall':>6} {'precis':>6}")
    for code, name, support, predicted, recall, precision in rows:
        label = f"{code} {name}"[:56]
        print(f"{label:<56} {support:>5} {predicted:>5} {fmt(recall):>6} {fmt(precision):>6}")
    print()
    print(f"accuracy     {accuracy:.3f}   (top-3 {top3:.3f})")
    print(f"macro-F1     {macro_f1:.3f}   (over the {len(f1s)} departments present in the test set)")
    print(f"confidence   mean {sum(conf) / n:.3f}, expected calibration error {ece:.3f} (10 bins)")
    covered_acc = f"{sum(covered) / len(covered):.3f}" if covered else "n/a"
    print(f"coverage     {coverage:.3f}   ({len(covered)}/{n} cases with confidence >= {args.threshold:g}; "
          f"accuracy on them {covered_acc}; the rest go to triage)")
    print(f"speed        {single:,.0f} single predictions/s, {batched:,.0f}/s with predict_many (one core)")
    print(f"accuracy={accuracy:.3f} macro_f1={macro_f1:.3f} coverage={coverage:.3f}")
    return 0


def _train(args) -> int:
    departments = load_departments_csv(args.departments, categories=args.categories)
    examples = load_examples_csv(args.train)
    started = time.perf_counter()
    model = RoutingModel.train(departments, examples)
    seconds = time.perf_counter() - started
    data = model.to_bytes()
    args.out.write_bytes(data)
    print(f"{model.version}: {model.n_examples} examples, {len(model.classes)} departments, "
          f"trained in {seconds:.2f}s, {len(data):,} bytes -> {args.out}")
    return 0


def _predict(args) -> int:
    if args.model:
        model = _load_model_file(args.model)
    elif args.departments:
        model = RoutingModel.cold_start(load_departments_csv(args.departments, categories=args.categories))
    else:
        raise ValueError("predict needs --model or --departments")
    texts = args.texts or [line.rstrip("\n") for line in sys.stdin if line.strip()]
    for text, p in zip(texts, model.predict_many(texts)):
        print(json.dumps({"text": text, **asdict(p)}, ensure_ascii=False))
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return {"evaluate": _evaluate, "train": _train, "predict": _predict}[args.command](args)
    except OSError as exc:
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"error: {where}{exc.strerror or exc}", file=sys.stderr)
    except ValueError as exc:
        print(f"error: {' '.join(str(exc).split())}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
