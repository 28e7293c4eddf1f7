"""Benchmark the look-alike matcher on a synthetic NRD list, against openSquat in the same run.

    .venv/bin/python tests/benchmarks/bench_watch.py [--names 1000000] [--targets 1000]
        [--sample 2000] [--repeat 3]
    .venv/bin/python tests/benchmarks/bench_watch.py --commands --names 300000 --targets 100 \
        --planted 4 [--repeat 3]

(needs the ``bench`` extra: openSquat 2.3.1 and the english-words lists.)

The protected set is ``--targets`` brand-like domains: English words of 5-12 letters (web2
list) under ``.com`` (70%) and other suffixes. The NRD list is ``--names`` benign names made of
one or two English words (none of them a target word), sometimes joined by ``-`` or followed
by digits, under a realistic suffix mix, with look-alikes of every class planted among them
(``--planted`` per class, each against a random target):

* ``candidate``: one of the target's top-20 generated typos (same suffix);
* ``skeleton``: one or two letters swapped for Cyrillic/Greek homoglyphs, as punycode;
* ``combo``: ``brand-word``, ``word-brand``, ``brandword``, ``wordbrand``;
* ``folded``: ``brandcom``, ``brand-com``, ``www-brand-com`` under another suffix;
* ``distance``: two random edits of a label of 8+ letters, not in the candidate set;
* ``other-suffix``: a one-edit typo or a homoglyph of the label under another suffix.

Names are matched in batches of 50,000, as ``typorisk watch`` reads a list. Recall per class
is the share of planted names reported (by any rule; the rule that fired is
tallied too); a false positive is a benign name reported. Throughput is names per CPU second
(``time.process_time``, this process only: the machine is shared, wall time is printed too),
median of ``--repeat`` runs, for rules (a)+(b) and for every rule.

openSquat (``SquattingDetector.check``, its per-keyword core, confidence level 2, as its CLI
runs it) checks every name against every keyword; at 1,000 keywords it is far too slow for the
whole list, so it runs on every planted name plus ``--sample`` benign names, in this process
right after typorisk; its false positives are counted on the sample (and scaled to the list),
and typorisk's are counted on the same sample too. openSquat gets the same names (punycode, as
NRD feeds publish them) and the target labels as keywords.

``--commands`` writes the list and the targets to files and runs the two commands that read
such a list, ``typorisk watch nrd LIST`` and ``typorisk match --bare-domains LIST``, as child
processes of the interpreter running this script (``PYTHONPATH`` picks the tree), and prints
the planted names each finds, whether their hits are identical, and names per CPU second of
each child (median of ``--repeat``; start-up and candidate generation included).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import random
import resource
import statistics
import string
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from english_words import get_english_words_set

from typorisk import permute

if TYPE_CHECKING:
    from typorisk.match import Hit, Matcher

OTHER = ["xyz", "online", "shop", "info", "top", "site", "store", "de", "co.uk", "fr", "nl", "io"]
SUFFIXES = ["com"] * 50 + ["net"] * 6 + ["org"] * 5 + OTHER * 2
HOMOGLYPHS = {"a": "а", "e": "е", "o": "о", "p": "р", "c": "с", "x": "х", "y": "у", "i": "і",
              "s": "ѕ", "j": "ј", "h": "һ", "n": "п", "v": "ν", "k": "κ"}  # fmt: skip
BATCH = 50_000
"""Names per matcher call, as ``typorisk watch`` reads a list (``watch_lists(batch=...)``)."""
CLASSES = ("candidate", "skeleton", "combo", "folded", "distance", "other-suffix")
OPENSQUAT_EXAMPLES = [
    # (name, keyword, a look-alike?) from openSquat's own test vectors (GitHub
    # atenreiro/opensquat, tests/test_squatting_detector.py), keywords from its keywords.txt
    ("google.com", "google", False),  # the brand itself: typorisk never reports a target
    ("gooogle.com", "google", True),
    ("gogle.net", "google", True),
    ("google.co.uk", "google", True),
    ("gooooogle.xyz", "google", False),  # 3 edits: openSquat catches it only at -c 3
    ("totallyunrelated.org", "google", False),
    ("facebook-login-secure.net", "facebook", True),
    ("login.paypal-secure.ru", "paypal", True),
    ("xn--mirosoft-gch.com", "microsoft", True),  # Cyrillic с
    ("xn--ggle-55da.net", "google", True),  # Cyrillic о ×2
    ("xn--pypal-4ve.com", "paypal", True),  # Cyrillic а
    ("xn--amazn-mye.shop", "amazon", True),  # Cyrillic о
    ("xn--80ak6aa92e.com", "apple", True),  # whole-script Cyrillic аррӏе
    ("xn--mirosoft-hw7c.com", "microsoft", True),  # Latin small capital ᴄ
    ("xn--ai-ko3cj57sidau46i.top", "ai", False),  # CJK IDNs are no look-alikes
    ("xn--bg-ub3cx40n.cc", "bg", False),
    ("xn--gs-xz8jsd.kr", "gs", False),
    ("xn--999999999.com", "google", False),  # invalid punycode
]


def _edit(rnd: random.Random, label: str) -> str:
    i = rnd.randrange(len(label))
    op = rnd.choice("isdt")
    char = rnd.choice(string.ascii_lowercase)
    if op == "i":
        return label[:i] + char + label[i:]
    if op == "s":
        return label[:i] + char + label[i + 1 :]
    if op == "d" and len(label) > 4:
        return label[:i] + label[i + 1 :]
    if i < len(label) - 1:
        return label[:i] + label[i + 1] + label[i] + label[i + 2 :]
    return label + char


def _homoglyph(rnd: random.Random, label: str, count: int) -> str | None:
    spots = [i for i, c in enumerate(label) if c in HOMOGLYPHS]
    if not spots:
        return None
    chars = list(label)
    for i in rnd.sample(spots, min(count, len(spots))):
        chars[i] = HOMOGLYPHS[chars[i]]
    try:
        return "".join(chars).encode("idna").decode("ascii")
    except UnicodeError:
        return None


def build_world(
    n_names: int, n_targets: int, planted: int, seed: int = 18
) -> tuple[list[str], list[str], dict[str, str]]:
    """(targets, names, planted name → class). Deterministic for a seed."""
    rnd = random.Random(seed)
    words = sorted(get_english_words_set(["web2"], lower=True, alpha=True))
    brands = sorted(w for w in words if 5 <= len(w) <= 12)
    chosen = rnd.sample(brands, n_targets)
    targets = [f"{w}.{'com' if rnd.random() < 0.7 else rnd.choice(SUFFIXES)}" for w in chosen]
    taken = set(chosen)
    vocab = [w for w in words if 3 <= len(w) <= 10 and w not in taken]
    top = {c.domain: c for c in permute(targets, top=500)}
    top20: dict[str, list[str]] = {}
    for cand in permute(targets, top=20):
        top20.setdefault(cand.target, []).append(cand.domain)
    plant: dict[str, str] = {}

    def add(name: str | None, kind: str) -> bool:
        if name is None or name in plant or name in targets:
            return False
        plant[name] = kind
        return True

    for kind in CLASSES:
        made = 0
        while made < planted:
            target = rnd.choice(targets)
            label, _, suffix = target.partition(".")
            other = rnd.choice([s for s in SUFFIXES if s != suffix])
            word = rnd.choice(vocab)
            name: str | None
            if kind == "candidate":
                name = rnd.choice(top20[target])
            elif kind == "skeleton":
                glyphs = _homoglyph(rnd, label, rnd.choice((1, 2)))
                name = f"{glyphs}.{suffix}" if glyphs else None
            elif kind == "combo":
                name = rnd.choice((f"{label}-{word}", f"{word}-{label}", f"{label}{word}",
                                   f"{word}{label}")) + f".{rnd.choice(SUFFIXES)}"  # fmt: skip
            elif kind == "folded":
                fold = suffix.replace(".", rnd.choice(("", "-")))
                name = rnd.choice((f"{label}{fold}", f"{label}-{fold}", f"www-{label}-{fold}"))
                name = f"{name}.{other}"
            elif kind == "distance":
                name = None
                if len(label) >= 8:
                    typo = _edit(rnd, _edit(rnd, label))
                    name = f"{typo}.{suffix}" if typo != label else None
                    name = None if name is None or name in top else name
            else:
                typo = _edit(rnd, label) if rnd.random() < 0.6 else _homoglyph(rnd, label, 1)
                name = f"{typo}.{other}" if typo and typo != label else None
            made += add(name, kind)
    names: list[str] = []
    while len(names) < n_names - len(plant):
        first = rnd.choice(vocab)
        shape = rnd.random()
        if shape < 0.45:
            label = first + rnd.choice(vocab)
        elif shape < 0.6:
            label = f"{first}-{rnd.choice(vocab)}"
        elif shape < 0.75:
            label = f"{first}{rnd.randint(1, 999)}"
        else:
            label = first
        name = f"{label}.{rnd.choice(SUFFIXES)}"
        if name not in plant:
            names.append(name)
    planted_names = list(plant)
    for name in planted_names:
        names.insert(rnd.randrange(len(names) + 1), name)
    return targets, names, plant


def timed(action: Callable[[], object], repeat: int) -> tuple[float, float, object]:
    """(median CPU seconds, median wall seconds, last result) of ``repeat`` runs."""
    cpu: list[float] = []
    wall: list[float] = []
    result: object = None
    for _ in range(repeat):
        c0, w0 = time.process_time(), time.perf_counter()
        result = action()
        cpu.append(time.process_time() - c0)
        wall.append(time.perf_counter() - w0)
    return statistics.median(cpu), statistics.median(wall), result


def score(found: set[str], plant: dict[str, str], universe: list[str]) -> tuple[Counter[str], int]:
    """(found planted names per class, false positives among ``universe``)."""
    hits: Counter[str] = Counter(plant[n] for n in found if n in plant)
    fps = sum(1 for n in universe if n in found and n not in plant)
    return hits, fps


def run_opensquat(keywords: list[str], names: list[str]) -> set[str]:
    """openSquat's core check of every keyword against ``names`` (its console output
    swallowed); the names it reports."""
    from opensquat.squatting_detector import SquattingDetector

    detector = SquattingDetector(confidence_level=2)
    found: set[str] = set()
    with contextlib.redirect_stdout(io.StringIO()):
        for keyword in keywords:
            found.update(detector.check(keyword, names, io.StringIO()))
    return found


def examples() -> None:
    """openSquat's own examples through both tools (keywords as ``.com`` targets)."""
    keywords = sorted({k for _, k, _ in OPENSQUAT_EXAMPLES})
    # imported here: --commands runs on a tree of any version (only the CLI is asked there)
    from typorisk.match import build_matcher

    matcher = build_matcher([f"{k}.com" for k in keywords])
    found = {h.name for h in matcher.match_names([n for n, _, _ in OPENSQUAT_EXAMPLES])}
    os_found = run_opensquat(keywords, [n for n, _, _ in OPENSQUAT_EXAMPLES])
    print("\nopenSquat's own examples (name, keyword, expected | typorisk | openSquat 2.3.1):")
    right = [0, 0]
    for name, keyword, expected in OPENSQUAT_EXAMPLES:
        ours, theirs = name in found, name in os_found
        right[0] += ours == expected
        right[1] += theirs == expected
        print(f"  {name:28s} {keyword:10s} {expected!s:5s} | {ours!s:5s} | {theirs!s:5s}")
    total = len(OPENSQUAT_EXAMPLES)
    print(f"  agree with the expected verdict: typorisk {right[0]}/{total}, "
          f"openSquat {right[1]}/{total}")  # fmt: skip


def zone_speed(delegations: int, repeat: int) -> None:
    """Zone diff reading vs the zone reader (:func:`typorisk.register.scan_zone_files`, the
    ~2.4M lines/s figure) on one generated CZDS file, same process, CPU seconds."""
    from typorisk.register import scan_zone_files
    from typorisk.watch.lists import zone_delegations
    from typorisk.watch.zonediff import part_count, spill_zone

    rnd = random.Random(9)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "com.zone"
        with path.open("w") as out:
            out.write("com.\t900\tin\tsoa\ta.gtld-servers.net. nstld. 1 1800 900 604800 86400\n")
            for i in range(delegations):
                name = f"{rnd.choice(string.ascii_lowercase)}{i:x}name.com."
                out.write(f"{name}\t172800\tin\tns\tns1.host{i % 97}.net.\n"
                          f"{name}\t172800\tin\tns\tns2.host{i % 97}.net.\n")  # fmt: skip
                if i % 5 == 0:
                    out.write(f"{name}\t86400\tin\tds\t1 8 2 ABCDEF\n")
        wanted = [f"x{i}.com" for i in range(1000)]
        ours, _, found = timed(lambda: zone_delegations(path), repeat)
        parts = part_count(path)
        spilled, _, _ = timed(lambda: spill_zone(path, Path(tmp), "day", parts), repeat)
        theirs, _, _ = timed(lambda: scan_zone_files([path], wanted), repeat)
        lines = found.lines if hasattr(found, "lines") else 0
        print(f"\nzone files ({lines:,} lines, {delegations:,} delegations), lines per CPU second:"
              f"\n  watch zone_delegations  {lines / ours:12,.0f}   (in memory)"
              f"\n  watch spill_zone        {lines / spilled:12,.0f}   ({parts} parts on disk:"
              f" what typorisk watch zone does)\n  zone reader (register)  "
              f"{lines / theirs:12,.0f}   ratio spill/reader {theirs / spilled:.2f}")  # fmt: skip


def _child(argv: list[str], cwd: str) -> tuple[float, float, str]:
    """(CPU seconds, wall seconds, stdout) of ``python -m typorisk ARGV`` run in ``cwd`` (not
    a source tree: ``-m`` puts the working directory first on the path), exit 0, 1 or 3."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "typorisk", *argv], capture_output=True,
                          text=True, check=False, env=dict(os.environ), cwd=cwd)  # fmt: skip
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode not in (0, 1, 3):
        sys.exit(f"typorisk {argv[0]} failed ({proc.returncode}): {proc.stderr}")
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return cpu, wall, proc.stdout


def commands(n_names: int, n_targets: int, planted: int, repeat: int) -> None:
    """``watch nrd`` and ``match --bare-domains`` on one list (see the module docstring)."""
    targets, names, plant = build_world(n_names, n_targets, planted)
    with tempfile.TemporaryDirectory() as tmp:
        listed, brands = Path(tmp) / "nrd.txt", Path(tmp) / "targets.txt"
        listed.write_text("\n".join(names) + "\n", encoding="utf-8")
        brands.write_text("\n".join(targets) + "\n", encoding="utf-8")
        flags = ["--file", str(brands), "--format", "jsonl"]
        where = subprocess.run([sys.executable, "-c", "import typorisk; print(typorisk.__file__)"],
                               capture_output=True, text=True, check=True, cwd=tmp)  # fmt: skip
        print(f"typorisk of the children: {where.stdout.strip()}")
        found: dict[str, dict[str, tuple[str, str]]] = {}
        for label, argv, rule in (
            ("watch nrd", ["watch", "nrd", str(listed), "--reread"], "rule"),
            ("match --bare-domains", ["match", "--bare-domains", str(listed)], "match"),
        ):
            runs = []
            for n in range(repeat):
                db = ["--db", str(Path(tmp) / f"w{n}.db")] if argv[0] == "watch" else []
                runs.append(_child([*argv, *db, *flags], tmp))
            rows = [json.loads(line) for line in runs[-1][2].splitlines()]
            found[label] = {r["domain"]: (r["target"], r[rule]) for r in rows}
            cpu = statistics.median(r[0] for r in runs)
            wall = statistics.median(r[1] for r in runs)
            got = sum(1 for d in found[label] if d in plant)
            print(f"{label:22s} {got}/{len(plant)} planted, {len(found[label])} hits; "
                  f"{len(names) / cpu:,.0f} names per CPU s [{len(names) / wall:,.0f}/s wall]"
                  f" (median of {repeat}, start-up and candidates included)")  # fmt: skip
    watched, matched = found["watch nrd"], found["match --bare-domains"]
    print(
        f"identical hits (domain, target, rule): {watched == matched}; only watch: "
        f"{len(set(watched) - set(matched))}, only match: {len(set(matched) - set(watched))}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--names", type=int, default=1_000_000)
    parser.add_argument("--targets", type=int, default=1000)
    parser.add_argument("--planted", type=int, default=50, help="planted names per class")
    parser.add_argument("--sample", type=int, default=2000, help="benign names for openSquat")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--examples-only", action="store_true", help="only openSquat's examples")
    parser.add_argument("--zone", type=int, default=1_000_000, help="delegations (0: skip)")
    parser.add_argument("--commands", action="store_true", help="only watch nrd vs match")
    args = parser.parse_args()
    if args.commands:
        commands(args.names, args.targets, args.planted, args.repeat)
        return
    examples()
    if args.zone:
        zone_speed(args.zone, args.repeat)
    if args.examples_only:
        return

    started = time.perf_counter()
    targets, names, plant = build_world(args.names, args.targets, args.planted)
    print(f"world: {len(targets)} targets, {len(names):,} names ({len(plant)} planted), "
          f"built in {time.perf_counter() - started:.0f} s")  # fmt: skip
    started = time.perf_counter()
    from typorisk.match import FAST_RULES, MatchSettings, build_matcher

    fast = build_matcher(targets, MatchSettings(rules=FAST_RULES))
    full = build_matcher(targets)
    print(f"matchers built in {time.perf_counter() - started:.0f} s "
          f"({full.candidate_count:,} candidates)")  # fmt: skip

    def batched(matcher: Matcher, registrable: bool) -> list[Hit]:
        # in batches of BATCH names, as typorisk watch reads a list
        return [hit for start in range(0, len(names), BATCH)
                for hit in matcher.match_names(names[start : start + BATCH],
                                               registrable=registrable)]  # fmt: skip

    cpu_ab, wall_ab, _ = timed(lambda: batched(fast, True), args.repeat)
    cpu_all, wall_all, result = timed(lambda: batched(full, True), args.repeat)
    cpu_gen, wall_gen, general = timed(lambda: batched(full, False), 1)
    assert general == result, "the general split must find what the registrable one finds"
    hits = result if isinstance(result, list) else []
    found = {h.name for h in hits}
    fired = Counter((plant.get(h.name, "benign"), h.rule) for h in hits)
    per_class, fps = score(found, plant, names)

    benign = [n for n in names if n not in plant]
    sample = random.Random(5).sample(benign, min(args.sample, len(benign)))
    subset = list(plant) + sample
    keywords = [t.partition(".")[0] for t in targets]
    os_cpu, os_wall, os_found = timed(lambda: run_opensquat(keywords, subset), 1)
    os_set = os_found if isinstance(os_found, set) else set()
    os_class, os_fps = score(os_set, plant, sample)
    _, tr_fps_sample = score(found, plant, sample)
    os_rate = len(subset) / os_cpu if os_cpu else 0.0

    print("\nrecall per planted class (typorisk all rules | openSquat):")
    for kind in CLASSES:
        total = sum(1 for k in plant.values() if k == kind)
        rules = ", ".join(f"{rule} {n}" for (k, rule), n in sorted(fired.items()) if k == kind)
        print(f"  {kind:13s} {per_class[kind]:3d}/{total}  |  {os_class[kind]:3d}/{total}"
              f"   (typorisk rules: {rules or '-'})")  # fmt: skip
    recall = sum(per_class.values()) / len(plant)
    os_recall = sum(os_class.values()) / len(plant)
    print(f"  {'all':13s} {recall:.1%}  |  {os_recall:.1%}")
    benign_rules = ", ".join(f"{r} {n}" for (k, r), n in sorted(fired.items()) if k == "benign")
    print(f"\nfalse positives: typorisk {fps} of {len(benign):,} benign names "
          f"({benign_rules or 'none'}); on the {len(sample):,}-name sample: typorisk "
          f"{tr_fps_sample}, openSquat {os_fps} (≈{os_fps * len(benign) / len(sample):,.0f} "
          "scaled to the list)")  # fmt: skip
    print("\nscores keep false positives down (typorisk, whole list):")
    for floor in (0.6, 0.7, 0.8):
        kept = {h.name for h in hits if h.score >= floor}
        kept_class, kept_fps = score(kept, plant, names)
        print(f"  score >= {floor}: recall {sum(kept_class.values()) / len(plant):.1%}, "
              f"{kept_fps} false positives")  # fmt: skip
    print("\nthroughput against", len(targets), "targets, names per CPU second "
          f"(median of {args.repeat}; machine shared, wall in brackets):")  # fmt: skip
    print(f"  typorisk rules a+b  {len(names) / cpu_ab:12,.0f}  [{len(names) / wall_ab:,.0f}]")
    print(f"  typorisk all rules  {len(names) / cpu_all:12,.0f}  [{len(names) / wall_all:,.0f}]"
          "  (registrable names: NRD lists, zone diffs)")  # fmt: skip
    print(f"  typorisk all rules  {len(names) / cpu_gen:12,.0f}  [{len(names) / wall_gen:,.0f}]"
          "  (any names, split by the PSL: CT; one run)")  # fmt: skip
    print(f"  openSquat           {os_rate:12,.0f}  [{len(subset) / os_wall:,.0f}]"
          f"  (on {len(subset):,} names)")  # fmt: skip
    print(f"  ratio typorisk all rules / openSquat: {len(names) / cpu_all / os_rate:,.0f}x")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
