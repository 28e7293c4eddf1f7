"""The noisy-channel typing model: every parameter in one place, documented as a prior.

``likelihood(candidate)`` is the probability that **one typing of the target yields the
candidate**, summed over every edit path that reaches it (Kernighan, Church & Gale 1990):

    P(candidate | target) ≈ Σ_paths  ε_region · θ_kind · g_kind(context) · φ(position)

- ε (``error_rate``): uncorrected errors per typed character in the registrable label; ≈0.01 on
  a desktop keyboard, ≈0.02 on a phone (Jurafsky & Martin; Palin et al. 2019). In the public
  suffix it is ``ε · suffix_factor`` (people type the suffix by rote; about half the rate).
- θ_kind: the share of each single-edit kind (Damerau 1964: >80% of misspellings are a single
  insertion, omission, substitution or transposition). The θ sum to 1 over the keyed kinds.
- g_kind: where the slip lands. Substitutions follow a Gaussian key kernel
  ``exp(−d²/2σ²)`` over key-centre distance ``d`` (Goodman et al. 2002), averaged over a layout
  mix, blended with phonetic (vowels, c/k), visual (0/o) and uniform terms. Omissions of one of a
  doubled pair are ``1 + doubled_boost`` times as likely (``gogle``); transpositions across hands
  ``1 + cross_hand_boost`` times (Salthouse 1986). φ scales edits at the first character.
- Separate, smaller channels that are not single keystroke slips: ASCII and IDN look-alikes,
  bit flips (Dinaburg 2011), keyboard-layout confusion, plural/singular, suffix swaps
  (``.com``↔``.net``), second-level swaps (``co.uk``↔``org.uk``) and combosquats.

These numbers are priors from the literature, not fitted values: calibrate them against your own
mail logs and override any of them with :meth:`Model.with_overrides` or ``--param name=value``.
Because every path's probability is at most ε·θ and paths are few, a likelihood stays in [0, 1].
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Mapping
from dataclasses import dataclass

from typorisk.errors import TyporiskError
from typorisk.permute.glyphs import PHONETIC
from typorisk.permute.keyboards import LDH, mixed_kernel

_DEFAULT_MIX = (("qwerty", 0.8), ("qwertz", 0.1), ("azerty", 0.1))


@dataclass(frozen=True, slots=True)
class Model:
    """Parameters of the typing model. Probabilities are per typing of the whole name."""

    error_rate: float = 0.01
    """ε: uncorrected errors per character typed in the registrable label (desktop ≈0.01)."""
    suffix_factor: float = 0.5
    """Error rate in the public suffix relative to ε (typed by rote: about half)."""
    theta_substitution: float = 0.35
    """Share of slips that replace a character."""
    theta_omission: float = 0.30
    """Share of slips that drop a character."""
    theta_insertion: float = 0.20
    """Share of slips that add a character (repetition included)."""
    theta_transposition: float = 0.10
    """Share of slips that swap two adjacent characters (including across a dot)."""
    theta_missing_dot: float = 0.03
    """Share of slips that drop a dot between typed labels (``us.corp.com``→``uscorp.com``)."""
    theta_hyphen: float = 0.02
    """Share of slips that add or drop a hyphen."""
    repetition_share: float = 0.5
    """Part of insertions that double the character just typed (``gooogle``)."""
    extra_dot_share: float = 0.05
    """Part of insertions that type a dot inside a label (``g.mail.com``)."""
    sigma: float = 0.6
    """Key-kernel spread in key pitches (desktop ≈0.6, touch ≈0.8)."""
    vertical_stretch: float = 1.0
    """How many key pitches one row up or down counts as in the key kernel (1 = isotropic).

    Tried at 2 (near-key slips along the row only; issue 17): the tuning half of
    tests/data/real_typos.csv rose from 54.5% to 59.0% of single-edit rows within the top 100,
    the test half fell from 57.3% to 54.0%, so the prior stays isotropic."""
    layout_mix: tuple[tuple[str, float], ...] = _DEFAULT_MIX
    """(layout, weight) pairs: the keyboard layouts of the user population (normalised)."""
    sub_key: float = 0.75
    """Substitution mix: weight of the key-distance kernel."""
    sub_phonetic: float = 0.10
    """Substitution mix: weight of sound-alike letters (vowel swaps, c/k, s/z)."""
    sub_visual: float = 0.05
    """Substitution mix: weight of single-character look-alikes (0/o, 1/l)."""
    sub_uniform: float = 0.10
    """Substitution mix: weight spread evenly over every LDH character."""
    insert_uniform: float = 0.10
    """Insertion mix: weight spread evenly over LDH characters (the rest: keys near a neighbour)."""
    insert_intrusion: float = 0.4
    """Insertion mix: weight of a letter from elsewhere in the word (``microsorft``)."""
    sub_intrusion: float = 0.15
    """Substitution mix: weight of a letter from elsewhere in the word (``goggle``, ``twiiter``)."""
    intrusion_window: int = 3
    """How far (characters) from the slip an intruding letter may come from."""
    www_share: float = 0.3
    """Share of typings of a bare domain that start with ``www.`` (for ``wwwexample.com``)."""
    doubled_boost: float = 1.0
    """β: omission of one of a doubled pair is (1+β) times as likely."""
    cross_hand_boost: float = 0.5
    """γ: transposition of letters typed by different hands is (1+γ) times as likely."""
    first_char_factor: float = 0.5
    """φ: edits at the first character of the label are this many times as likely (weak prior)."""
    homoglyph: float = 2e-5
    """Per ASCII look-alike substitution (``rn``→``m``, ``l``→``1``): a reading error."""
    idn_homoglyph: float = 5e-6
    """Per Unicode look-alike substitution in a suffix whose registry accepts that script."""
    idn_whole_script: float = 1e-5
    """A label spelled wholly in a look-alike script (Cyrillic ``аррӏе``)."""
    bitflip: float = 1e-6
    """Per single-bit flip of one character (memory errors, Dinaburg 2011)."""
    layout_swap: float = 1e-4
    """A whole name typed on the wrong layout (QWERTY↔QWERTZ↔AZERTY), times the layout weights."""
    plural: float = 2e-4
    """Adding or dropping a final ``s`` (memory, not a slip)."""
    suffix_swap: float = 1e-3
    """Total for swapping the suffix for a common one (``.com``→``.net``), split by table weight."""
    second_level: float = 1e-3
    """Total for second-level confusion (``co.uk``→``org.uk``, ``x.com.bd``→``x.bd``)."""
    combosquat: float = 1e-6
    """Per brand+word combination (deliberate lures; only with a words file)."""
    # -- issue 17: kinds beyond single keystroke slips (priors, not fitted) ----------------------
    dot_hyphen: float = 2e-4
    """Per dot typed as a hyphen (``us.corp.com``→``us-corp.com``): a separator confusion."""
    hyphen_dot: float = 2e-4
    """Per hyphen typed as a dot (``t-online.de``→``t.online.de``)."""
    suffix_fold: float = 2e-4
    """Total for the suffix typed into the label, then a common suffix (``googlecom.com``)."""
    two_hyphens: float = 2e-5
    """Total for hyphens at two letter/digit boundaries (``1und1``→``1-und-1``)."""
    numeral_word: float = 1e-4
    """Per numeral spelt out, or number word written as digits (``onepassword``↔``1password``)."""
    word_confusion: float = 1e-4
    """Per word of the label swapped for a homophone or a common misspelling (``weather``)."""
    vowel_swap: float = 2e-5
    """Per vowel (or run of a doubled vowel) replaced by another: a spelling error (``gaagle``)."""
    far_swap_share: float = 0.1
    """Part of transpositions that swap characters 2–3 apart instead of neighbours."""
    dvorak_share: float = 0.02
    """Share of typists on a Dvorak layout (near-key substitutions on Dvorak)."""
    typo_swap_top: int = 8
    """How many of the likeliest label typos are combined with a suffix swap (``gogle.net``)."""

    def with_overrides(self, overrides: Mapping[str, object]) -> Model:
        """A copy with some parameters replaced; unknown names or bad values raise an error.

        Values may be strings (from ``--param name=value``); they are converted to float.
        """
        known = {f.name for f in dataclasses.fields(self)}
        changes: dict[str, object] = {}
        for name, value in overrides.items():
            if name not in known or name == "layout_mix":
                hint = ", ".join(sorted(known - {"layout_mix"}))
                raise TyporiskError(f"unknown model parameter {name!r}; known: {hint}")
            integral = isinstance(getattr(self, name), int)
            try:
                text = str(value)
                number: float = int(text) if integral else float(text)
            except (TypeError, ValueError) as exc:
                raise TyporiskError(f"model parameter {name}={value!r} is not a number") from exc
            limit = {
                "sigma": 10.0,
                "intrusion_window": 10.0,
                "typo_swap_top": 100.0,
                "vertical_stretch": 4.0,
            }.get(name, 1.0)
            low = {"sigma": 0.05, "vertical_stretch": 0.25}.get(name, 0.0)  # kernels need a spread
            if not low <= number <= limit:  # NaN fails too
                raise TyporiskError(
                    f"model parameter {name}={number} is out of range [{low:g}, {limit:g}]"
                )
            changes[name] = number
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]


DEFAULT_MODEL = Model()


@dataclass(frozen=True, slots=True)
class Tables:
    """Per-model lookup tables, derived once (pure functions of a :class:`Model`)."""

    substitution: Mapping[str, Mapping[str, float]]
    """g_sub(b | a) over LDH ``b != a``; each row sums to 1."""
    key_near: Mapping[str, Mapping[str, float]]
    """The layout-mixed key kernel alone; each row sums to 1 over ``b != a``."""


@functools.cache
def tables_for(model: Model) -> Tables:
    """Build (and cache) the substitution tables of ``model``."""
    kernel = mixed_kernel(dict(model.layout_mix), model.sigma, model.vertical_stretch)
    uniform = 1.0 / (len(LDH) - 1)
    visual_pairs = {
        ("o", "0"),
        ("0", "o"),
        ("l", "1"),
        ("1", "l"),
        ("i", "l"),
        ("l", "i"),
        ("i", "1"),
        ("1", "i"),
        ("s", "5"),
        ("5", "s"),
        ("u", "v"),
        ("v", "u"),
    }
    substitution: dict[str, dict[str, float]] = {}
    for a in LDH:
        sounds = PHONETIC.get(a, "")
        looks = [b for (x, b) in visual_pairs if x == a]
        row: dict[str, float] = {}
        for b in LDH:
            if b == a:
                continue
            p = model.sub_key * kernel[a].get(b, 0.0) + model.sub_uniform * uniform
            if sounds and b in sounds:
                p += model.sub_phonetic / len(sounds)
            if looks and b in looks:
                p += model.sub_visual / len(looks)
            row[b] = p
        total = sum(row.values())
        substitution[a] = {b: p / total for b, p in row.items()}
    return Tables(substitution=substitution, key_near=kernel)
