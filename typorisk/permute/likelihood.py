"""The noisy-channel typing model: every parameter in one place, documented as a prior.

``likelihood(candidate)`` is the probability that **one typing of the target yields the
candidate**, summed over every edit path that reaches it (Kernighan, Church & Gale 1990):

    P(candidate | target) ≈ Σ_paths  ε_region · θ_kind · g_kind(context) · φ(position)

Two channels share this form; ``channel`` chooses one.

``hand`` (``--param channel=hand``): priors from the literature, not fitted values.

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

``fitted`` (the default): the keyed kinds' parameters fitted by
:mod:`typorisk.permute.fit` on keyboard slips people left in copy-typed text (the 136M
Keystrokes study): the kind shares; per kind a position prior (the first and
last position weighed against a middle one, ``first_<kind>``/``last_<kind>``, so a kind's total
over a label is unchanged and only where it lands moves); the doubled-pair and cross-hand
factors; insertions as a mixture of keys near the previous key, near the following key, a
nearby letter of the word, or any key; substitutions from a table of (intended, typed) key pairs
smoothed towards the key kernel and carried to the target's layout by key position; the suffix
rate calibrated apart. Under this channel the layout mix also follows the target's suffix
(:data:`LAYOUT_BY_SUFFIX`: QWERTZ for ``.de``, ``.at``, ``.ch``; AZERTY for ``.fr``, ``.be``).
The fitted numbers are the :class:`Model` defaults (a test holds them equal to the ``model``
table of ``data/typing_channel.json`` and :data:`FITTED_EXTRA`); the key-pair table is read
lazily from that file on the first permutation, never at import. Why it is the default: it
ranks observed keyboard slips higher (cross-validated by word) and the repository's real typo
rows higher on both folds of their tuning half (docs/guide/permute.md, "The likelihood model").

``layout`` (``qwerty``, ``qwertz``, ``azerty``) puts every target on one layout under either
channel; ``auto`` keeps the channel's choice (the hand channel: ``layout_mix`` for every suffix).

Separate, smaller channels that are not single keystroke slips keep literature priors under
both: ASCII and IDN look-alikes, bit flips (Dinaburg 2011), keyboard-layout confusion,
transliteration (``ü``→``ue``), plural/singular, suffix swaps (``.com``↔``.net``), second-level
swaps (``co.uk``↔``org.uk``), dot/hyphen confusions and combosquats.

Calibrate them against your own mail logs and override any of them with
:meth:`Model.with_overrides` or ``--param name=value``. Because every path's probability is at
most ε·θ times a bounded factor and paths are few, a likelihood stays in [0, 1]. A two-edit typo
is the product of its edits (:mod:`typorisk.permute.twoedit`).
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Mapping
from dataclasses import dataclass

from typorisk.errors import DataFileError, TyporiskError
from typorisk.permute.channel import TABLE, fitted, pair_rows
from typorisk.permute.glyphs import PHONETIC
from typorisk.permute.keyboards import LDH, mixed_kernel

_DEFAULT_MIX = (("qwerty", 0.8), ("qwertz", 0.1), ("azerty", 0.1))


@dataclass(frozen=True, slots=True)
class Model:
    """Parameters of the typing model. Probabilities are per typing of the whole name."""

    error_rate: float = 0.01
    """ε: uncorrected errors per character typed in the registrable label (desktop ≈0.01)."""
    channel: str = "fitted"
    """``fitted``: the keyed kinds' parameters fitted on observed keyboard slips (the defaults
    below); ``hand``: the literature priors (set by ``with_overrides({"channel": "hand"})``,
    which also resets the fitted parameters to :data:`HAND_VALUES`; see the module
    docstring)."""
    suffix_factor: float = 1.0
    """Error rate in the public suffix relative to ε (fitted channel: 1.0, calibrated apart on
    the tuning half of the repository's real typo rows; hand channel: 0.5, typed by rote)."""
    theta_substitution: float = 0.3067
    """Share of slips that replace a character."""
    theta_omission: float = 0.3007
    """Share of slips that drop a character."""
    theta_insertion: float = 0.2199
    """Share of slips that add a character (repetition included)."""
    theta_transposition: float = 0.1224
    """Share of slips that swap two adjacent characters (including across a dot)."""
    theta_missing_dot: float = 0.03
    """Share of slips that drop a dot between typed labels (``us.corp.com``→``uscorp.com``)."""
    theta_hyphen: float = 0.02
    """Share of slips that add or drop a hyphen."""
    repetition_share: float = 0.1924
    """Part of insertions that double the character just typed (``gooogle``)."""
    extra_dot_share: float = 0.05
    """Part of insertions that type a dot inside a label (``g.mail.com``)."""
    sigma: float = 0.6
    """Key-kernel spread in key pitches (desktop ≈0.6, touch ≈0.8)."""
    vertical_stretch: float = 1.0
    """How many key pitches one row up or down counts as in the key kernel (1 = isotropic).

    Tried at 2 (near-key slips along the row only): the tuning half of
    tests/data/real_typos.csv rose from 54.5% to 59.0% of single-edit rows within the top 100,
    the test half fell from 57.3% to 54.0%, so the prior stays isotropic."""
    layout_mix: tuple[tuple[str, float], ...] = _DEFAULT_MIX
    """(layout, weight) pairs: the keyboard layouts of the user population (normalised); under
    the fitted channel, for suffixes :data:`LAYOUT_BY_SUFFIX` does not name."""
    layout: str = "auto"
    """``auto``: the channel's layout choice (hand: ``layout_mix``; fitted: by the target's
    suffix, :data:`LAYOUT_BY_SUFFIX`); ``qwerty``, ``qwertz`` or ``azerty``: that layout alone
    for every target."""
    sub_key: float = 1.0
    """Substitution mix: weight of the key-distance kernel (fitted channel: of the fitted
    (intended, typed) key-pair table, smoothed towards the kernel; :mod:`.channel`)."""
    sub_phonetic: float = 0.0
    """Substitution mix: weight of sound-alike letters (vowel swaps, c/k, s/z)."""
    sub_visual: float = 0.0
    """Substitution mix: weight of single-character look-alikes (0/o, 1/l)."""
    sub_uniform: float = 0.0
    """Substitution mix: weight spread evenly over every LDH character."""
    insert_uniform: float = 0.4703
    """Insertion mix: weight spread evenly over LDH characters (hand channel: the rest, keys
    near a neighbour, is ``1 − insert_uniform − insert_intrusion``)."""
    insert_intrusion: float = 0.1769
    """Insertion mix: weight of a letter from elsewhere in the word (``microsorft``)."""
    insert_prev: float = 0.2447
    """Insertion mix, fitted channel only: a key near the *previous* character."""
    insert_next: float = 0.108
    """Insertion mix, fitted channel only: a key near the *following* character."""
    sub_intrusion: float = 0.0445
    """Substitution mix: weight of a letter from elsewhere in the word (``goggle``, ``twiiter``)."""
    intrusion_window: int = 3
    """How far (characters) from the slip an intruding letter may come from."""
    www_share: float = 0.3
    """Share of typings of a bare domain that start with ``www.`` (for ``wwwexample.com``)."""
    doubled_boost: float = 0.492
    """β: omission of one of a doubled pair is (1+β) times as likely."""
    cross_hand_boost: float = 2.935
    """γ: transposition of letters typed by different hands is (1+γ) times as likely."""
    first_char_factor: float = 0.5
    """φ: edits at the first character of the label are this many times as likely (weak prior;
    under the fitted channel, only for the kinds without a fitted position prior)."""
    first_substitution: float = 0.719
    """Position prior, fitted channel only: weight of the first character against a middle one
    (per kind; a position's share is its weight over the label's sum of weights)."""
    last_substitution: float = 1.954
    """Position prior: weight of the last character against a middle one (fitted)."""
    first_omission: float = 0.383
    """Position prior of omissions, first character (fitted)."""
    last_omission: float = 2.34
    """Position prior of omissions, last character (fitted)."""
    first_insertion: float = 0.458
    """Position prior of insertions, gap before the first character (fitted)."""
    last_insertion: float = 1.699
    """Position prior of insertions, gap after the last character (fitted)."""
    first_repetition: float = 0.468
    """Position prior of doublings, first character (fitted)."""
    last_repetition: float = 0.631
    """Position prior of doublings, last character (fitted)."""
    first_transposition: float = 0.225
    """Position prior of transpositions, first pair (fitted)."""
    last_transposition: float = 0.607
    """Position prior of transpositions, last pair (fitted)."""
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
    # -- kinds beyond single keystroke slips (priors, not fitted) ------------------------------
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
    transliteration: float = 0.02
    """Total for the ASCII spellings of a label with umlauts or accents (``bücher`` →
    ``buecher``, ``bucher``): a share of typings, not a slip (keyboards, forms and mail
    addresses without those letters), so it ranks above single slips."""
    transliteration_reverse: float = 1e-3
    """Total for the native spellings of an ASCII label (``mueller`` → ``müller``), only
    where the suffix's registry sells Latin IDNs."""
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

        Values may be strings (from ``--param name=value``); they are converted to float, except
        ``layout`` (one of :data:`LAYOUT_CHOICES`) and ``channel`` (one of
        :data:`CHANNEL_CHOICES`). ``channel`` is applied first, whatever its place in
        ``overrides``: ``fitted`` sets every parameter the fit gives (:func:`fitted_values`),
        ``hand`` resets them to the hand-set priors; the other overrides then apply on top.
        """
        known = {f.name for f in dataclasses.fields(self)}
        changes: dict[str, object] = {}
        base = self
        if "channel" in overrides:
            choice = str(overrides["channel"])
            if choice not in CHANNEL_CHOICES:
                raise TyporiskError(
                    f"model parameter channel={choice!r}: one of {', '.join(CHANNEL_CHOICES)}"
                )
            defaults = fitted_values() if choice == "fitted" else _hand_values()
            base = dataclasses.replace(self, channel=choice, **defaults)  # type: ignore[arg-type]
        for name, value in overrides.items():
            if name not in known or name == "layout_mix":
                hint = ", ".join(sorted(known - {"layout_mix"}))
                raise TyporiskError(f"unknown model parameter {name!r}; known: {hint}")
            if name == "channel":
                continue
            if name == "layout":
                if str(value) not in LAYOUT_CHOICES:
                    raise TyporiskError(
                        f"model parameter layout={value!r}: one of {', '.join(LAYOUT_CHOICES)}"
                    )
                changes[name] = str(value)
                continue
            changes[name] = _number(name, value, isinstance(getattr(self, name), int))
        return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


LAYOUT_CHOICES = ("auto", "qwerty", "qwertz", "azerty")
"""Values of ``Model.layout``."""

CHANNEL_CHOICES = ("hand", "fitted")
"""Values of ``Model.channel``."""

FITTED_EXTRA: Mapping[str, float] = {
    "suffix_factor": 1.0,
    "sub_key": 1.0,
    "sub_phonetic": 0.0,
    "sub_visual": 0.0,
    "sub_uniform": 0.0,
}
"""Parameters the fitted channel sets beside the shipped fit: the suffix rate calibrated apart
(on the tuning half of the repository's real typo rows every suffix omission is within its
target's top 10 at 1.0, 82% at 0.75), and substitutions from the fitted pair table alone."""


@functools.cache
def fitted_values() -> Mapping[str, float]:
    """Every parameter the fitted channel sets: the shipped fit's ``model`` table
    (``data/typing_channel.json``, read on first call) and :data:`FITTED_EXTRA`. Raises
    :class:`typorisk.errors.DataFileError` if the table is damaged or names an unknown
    parameter."""
    table = fitted()["model"]
    known = {f.name for f in dataclasses.fields(Model)}
    if not isinstance(table, dict) or not set(table) <= known:
        raise DataFileError(f"{TABLE}: 'model' is not a table of model parameters")
    values = {str(k): float(v) for k, v in table.items()}
    return {**values, **FITTED_EXTRA}


HAND_VALUES: Mapping[str, float] = {
    "theta_substitution": 0.35,
    "theta_omission": 0.30,
    "theta_insertion": 0.20,
    "theta_transposition": 0.10,
    "repetition_share": 0.5,
    "doubled_boost": 1.0,
    "cross_hand_boost": 0.5,
    "sub_intrusion": 0.15,
    "insert_prev": 0.2447,
    "insert_next": 0.108,
    "insert_intrusion": 0.4,
    "insert_uniform": 0.10,
    "suffix_factor": 0.5,
    "sub_key": 0.75,
    "sub_phonetic": 0.10,
    "sub_visual": 0.05,
    "sub_uniform": 0.10,
    "first_substitution": 0.719,
    "last_substitution": 1.954,
    "first_omission": 0.383,
    "last_omission": 2.34,
    "first_insertion": 0.458,
    "last_insertion": 1.699,
    "first_repetition": 0.468,
    "last_repetition": 0.631,
    "first_transposition": 0.225,
    "last_transposition": 0.607,
}
"""The hand channel's values of every parameter the fitted channel sets: literature priors
(Damerau 1964 for the kind shares; the key kernel, phonetic, visual and uniform substitution
mix; half the error rate in the suffix). The position weights and ``insert_prev``/``insert_next``
are not read under the hand channel (it scales the first character by ``first_char_factor``
and mixes the two neighbours' kernels evenly); they keep the fitted numbers."""


def _hand_values() -> dict[str, float]:
    """The hand-set values of every parameter the fitted channel sets."""
    return {name: HAND_VALUES[name] for name in fitted_values()}


_LIMITS = {
    "sigma": (0.05, 10.0),
    "intrusion_window": (0.0, 10.0),
    "typo_swap_top": (0.0, 100.0),
    "vertical_stretch": (0.25, 4.0),
    "doubled_boost": (0.0, 20.0),
    "cross_hand_boost": (0.0, 20.0),
}


def _number(name: str, value: object, integral: bool) -> float:
    """``value`` as the number parameter ``name`` takes, checked against its range."""
    try:
        text = str(value)
        number: float = int(text) if integral else float(text)
    except (TypeError, ValueError) as exc:
        raise TyporiskError(f"model parameter {name}={value!r} is not a number") from exc
    low, limit = _LIMITS.get(name, (0.0, 10.0 if name.startswith(("first_", "last_")) else 1.0))
    if not low <= number <= limit:  # NaN fails too
        raise TyporiskError(f"model parameter {name}={number} is out of range [{low:g}, {limit:g}]")
    return number


DEFAULT_MODEL = Model()


LAYOUT_BY_SUFFIX: Mapping[str, tuple[tuple[str, float], ...]] = {
    "de": (("qwertz", 0.8), ("qwerty", 0.2)),
    "at": (("qwertz", 0.8), ("qwerty", 0.2)),
    "ch": (("qwertz", 0.8), ("qwerty", 0.2)),
    "li": (("qwertz", 0.8), ("qwerty", 0.2)),
    "fr": (("azerty", 0.8), ("qwerty", 0.2)),
    "be": (("azerty", 0.8), ("qwerty", 0.2)),
}
"""The layout mix of a target whose public suffix ends in this TLD: what most of its users
type on (QWERTZ in Germany, Austria, Switzerland and Liechtenstein; AZERTY in France and
Belgium), with a fifth on QWERTY. Other suffixes take ``Model.layout_mix``."""


def layouts_for(model: Model, suffix: str) -> tuple[tuple[str, float], ...]:
    """The layout mix for a target under ``suffix`` (A-label or Unicode, without dots around):
    ``layout`` alone when it names one; else, under the fitted channel, the suffix's mix from
    :data:`LAYOUT_BY_SUFFIX`; else ``layout_mix``."""
    if model.layout != "auto":
        return ((model.layout, 1.0),)
    if model.channel != "fitted":
        return model.layout_mix
    return LAYOUT_BY_SUFFIX.get(suffix.rpartition(".")[2], model.layout_mix)


@dataclass(frozen=True, slots=True)
class Tables:
    """Per-model lookup tables, derived once (pure functions of a :class:`Model` and a layout
    mix)."""

    substitution: Mapping[str, Mapping[str, float]]
    """g_sub(b | a) over LDH ``b != a``; each row sums to 1."""
    key_near: Mapping[str, Mapping[str, float]]
    """The layout-mixed key kernel alone; each row sums to 1 over ``b != a``."""
    layouts: tuple[tuple[str, float], ...] = _DEFAULT_MIX
    """The layout mix these tables were built for."""


_VISUAL_PAIRS = frozenset(
    {(a, b) for a, b in ("o0", "l1", "il", "i1", "s5", "uv")}
    | {(b, a) for a, b in ("o0", "l1", "il", "i1", "s5", "uv")}
)


@functools.cache
def tables_for(model: Model, layouts: tuple[tuple[str, float], ...] | None = None) -> Tables:
    """Build (and cache) the substitution tables of ``model`` on ``layouts`` (default: the
    model's own mix): g_sub = sub_key·pairs + sub_phonetic·sound + sub_visual·look +
    sub_uniform·uniform, renormalised, where ``pairs`` is the layout-mixed key kernel (hand
    channel) or the fitted key-pair table mapped onto each layout of the mix by key position
    (fitted channel; :func:`typorisk.permute.channel.pair_rows`)."""
    mix = layouts if layouts is not None else model.layout_mix
    kernel = mixed_kernel(dict(mix), model.sigma, model.vertical_stretch)
    if model.channel == "fitted":
        pairs: Mapping[str, Mapping[str, float]] = pair_rows(
            mix, model.sigma, model.vertical_stretch
        )
    else:
        pairs = kernel
    uniform = 1.0 / (len(LDH) - 1)
    substitution: dict[str, dict[str, float]] = {}
    for a in LDH:
        sounds = PHONETIC.get(a, "")
        looks = [b for (x, b) in _VISUAL_PAIRS if x == a]
        keyed = pairs[a]
        row: dict[str, float] = {}
        for b in LDH:
            if b == a:
                continue
            p = model.sub_key * keyed.get(b, 0.0) + model.sub_uniform * uniform
            if sounds and b in sounds:
                p += model.sub_phonetic / len(sounds)
            if looks and b in looks:
                p += model.sub_visual / len(looks)
            row[b] = p
        total = sum(row.values())
        if total <= 0:  # every weight overridden to 0: any key
            row, total = dict.fromkeys(row, 1.0), float(len(row))
        substitution[a] = {b: p / total for b, p in row.items()}
    return Tables(substitution=substitution, key_near=kernel, layouts=mix)
