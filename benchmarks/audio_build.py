"""Benchmark the audio build: a full build, then a rebuild after editing one prompt (goal: ≤ 1/20 of the full).

    .venv/bin/python benchmarks/audio_build.py [--menu menus/wallet.yaml] [--jobs N]

Builds every text of the menu (``ivr.call.utterances.all_utterances``) into a temporary directory and
prints figures from this one run; nothing is asserted (timings belong in a report, not in tests).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ivr.audio.build import build  # noqa: E402
from ivr.audio.tts import Synthesizer  # noqa: E402
from ivr.call.checks import load_menu as load_tree  # noqa: E402
from ivr.call.utterances import all_utterances  # noqa: E402

GOAL_RATIO = 1 / 20


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--menu", default=str(ROOT / "menus" / "wallet.yaml"))
    parser.add_argument("--jobs", type=int, default=None, help="worker processes (default: one per core)")
    args = parser.parse_args()

    tree = load_tree(args.menu)
    utterances = all_utterances(tree)
    with tempfile.TemporaryDirectory(prefix="ivr-audio-bench-") as audio_dir:
        full = build(utterances, tree.languages, audio_dir, jobs=args.jobs, progress=False)
        same = build(utterances, tree.languages, audio_dir, jobs=args.jobs, progress=False)
        edited = list(utterances)
        edited[len(edited) // 2] = replace(edited[len(edited) // 2], text=edited[len(edited) // 2].text + " Thank you.")
        one = build(edited, tree.languages, audio_dir, jobs=args.jobs, progress=False)
        size = sum(f.stat().st_size for f in Path(audio_dir).iterdir())
    failures = full.failures + one.failures
    for failure in failures:
        print(failure, file=sys.stderr)

    per_prompt = warm_render_ms(utterances, tree.languages)
    ratio = one.seconds / full.seconds
    print(f"menu:                 {args.menu} ({full.prompts} prompts, {full.audio_seconds / 60:.1f} min of audio)")
    print(f"full build:           {full.seconds:.2f} s with {full.jobs} jobs on {os.cpu_count()} cores")
    print(f"prompts per second:   {full.rendered / full.seconds:.0f}")
    print(f"warm render, 1 proc:  {per_prompt:.1f} ms per prompt (median, synthesis + telephone conversion)")
    print(f"no-change rebuild:    {same.seconds * 1000:.0f} ms ({same.rendered} rendered)")
    print(f"rebuild after 1 edit: {one.seconds * 1000:.0f} ms ({one.rendered} rendered, {one.pruned} pruned)")
    verdict = "meets" if ratio <= GOAL_RATIO else "MISSES"
    print(f"rebuild / full:       {ratio:.3f} (1/{1 / ratio:.0f}; {verdict} the goal of 1/{1 / GOAL_RATIO:.0f})")
    print(f"on disk:              {size / 1e6:.1f} MB")
    return 1 if failures else 0


def warm_render_ms(utterances: list, languages: dict, sample: int = 40) -> float:
    """Median time to synthesise and convert one prompt in an already-warm process."""
    from ivr.audio.telephony import encode_wav, to_telephone
    from ivr.audio.tts import SAMPLE_RATE

    synth = Synthesizer()
    step = max(1, len(utterances) // sample)
    times = []
    for u in utterances[::step][:sample]:
        language = languages[u.lang]
        started = time.perf_counter()
        encode_wav(to_telephone(synth.render(u.text, language.tts_voice, language.tts_rate), SAMPLE_RATE))
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


if __name__ == "__main__":  # required: the build's worker processes are started with spawn
    sys.exit(main())
