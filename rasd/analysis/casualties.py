"""Killed and injured counts of a report.

A *mention* is one stated count tied to a death or injury word:

- a death/injury word followed by its count: ``مقتل 4 عناصر``، ``إصابة 5 آخرين``،
  ``قتلت الغارات 7 مدنيين`` (a few words may stand between), ``استشهاد مدنيين اثنين``;
- a count noun preceded by its count: ``3 قتلى``، ``12 شهيداً``، ``و5 جرحى``;
- a closing idiom with its count before it: ``لقي 3 مدنيين حتفهم``;
- an implied one or two: ``مقتل عنصر``، ``استشهد طفل``، ``مقتل القيادي``،
  ``سقوط قتيل``، ``عنصرين``، ``قتيلان``، ``لقي حتفه``، ``ارتقى الشهيد``;
  construct duals with a pronoun count two (``سيدة وطفلتيها`` = 3, ``ووالداه``);
- the victim of an active killing verb after its agent: ``اغتال مجهولون القيادي``،
  ``أعدم تنظيم داعش شاباً``، ``قنصت قوات النظام المتمركزة على أطراف البلدة مواطناً`` (an
  accusative singular anywhere in the clause, a definite or construct person when no
  preposition stands between; not after ``الذين``);
- death idioms: ``قضى 4 مواطنين``، ``فقد 3 مقاتلين حياتهم``، ``فارق الطفل الحياة``،
  ``راح ضحيتها 4 مدنيين``، ``جثتي شابين``;
- suffocation cases are injuries: ``37 حالة اختناق`` = 37 injured.

Counts are digits (Eastern Arabic digits are folded by normalisation) or
number words, compounds included (``خمسة وعشرين``، ``ثلاثة عشر``، ``مئة وخمسين``،
``ألفين``). Coordinated counts under one word add up (``مقتل 4 عناصر و3 مدنيين`` = 7,
``مقتل رجل وزوجته`` = 2).

Rules (the lexicon ``data/lexicons/casualties.json`` holds every word list):

- Approximations keep the stated number: ``نحو 20`` = 20, ``أكثر من 10`` = 10,
  ``ما لا يقل عن 7`` = 7. A range keeps its lower bound, as ``ما لا يقل عن`` does:
  ``بين 5 و7`` = 5, ``ما بين عشرة واثني عشر`` = 10, ``3 أو 4`` = 3 (``من 5 إلى 7`` is an update, not a range).
- Vague quantities (``عشرات``، ``المئات``، ``عدد من``، ``عدة``) in a death or injury
  mention make that kind's total unknown (``None``), even beside exact counts:
  ``استشهد 48 ... وأصيب 120 آخرون ... وأصيب العشرات`` gives injured ``None``.
  Plurals without a number (``مقتل مدنيين``، ``قتلى وجرحى``) are simply not counted.
- A running toll of human losses (``حصيلة الخسائر البشرية ... إلى 54``) counts the dead.
- ``تحييد`` (neutralised: killed, wounded or captured) and a vague number added
  to a count (``، إلى جانب عشرات المقاتلين``) make the totals unknown.
- Sub-counts are not added: what follows ``بينهم``، ``منهم``، ``هم`` is a breakdown. A
  comma-joined count of another category after a breakdown continues the list
  (``12 مدنياً بينهم 3 أطفال، و8 من قوات النظام، و5 من الفصائل`` = 25); one of a group
  breakdowns are made of (``، و5 نساء``) does not.
- Counts of operations are not people: a death word after a plural incident noun
  (``عدد عمليات الاغتيال ... إلى 35``، ``حوادث القتل``، ``محاولات الاغتيال``) gives no count,
  nor does a definite ordinal (``وهو الاغتيال الرابع``).
- Killed and injured given together (``مقتل وإصابة 10``، ``15 بين قتيل وجريح``)
  count for neither.
- The same count of the same kind of person stated twice (headline and body)
  counts once; ``آخر``/``آخرين`` always denote new people.
- Running totals (``ارتفع عدد القتلى إلى 12``، ``حصيلة``) are not added: the result
  is the larger of the sum of distinct counts and the largest total. A count
  since a date before the episode (``منذ اندلاع النزاع``، ``منذ 2011``، ``منذ مطلع العام``،
  ``منذ بداية الشهر الجاري``، ``منذ مطلع تشرين الأول``، ``منذ بداية الحملة العسكرية في أيار``),
  a period's tally (``خلال الشهر الماضي``، ``خلال شهر أيلول``) or a campaign total closing a
  sentence that gives its own count is used only when the report gives no count of
  its own (``قتل شاب ...، ليرتفع عدد القتلى منذ مطلع العام إلى 35`` = 1); the date counts
  for the clause it stands in and the clauses next to it with no death word. A
  running total since the episode began (``ارتفع إلى 140 عدد الذين قضوا منذ بدء
  الهجوم``، ``ليرتفع إلى 12 عدد قتلى الهجوم منذ فجر اليوم``) is an ordinary total.
- Counts told after the last running total, in sentences that speak of no total,
  are of other people and are added to it (``ارتفع إلى 33 عدد الجنود الذين قتلوا
  ... وقتل خلالها 16 جندياً سورياً`` = 49); counts before it or beside it
  (``بعد وفاة 9 من الجرحى``، ``ومن ضمن الحصيلة``) are part of it.
- A lead figure equal to the sum of the counts told after it (``قتل 20 ... 12 في
  حمص ... 8 في درعا``) is not added again.
- Negated or hypothetical mentions (``لم يسفر عن مقتل``، ``محاولة اغتيال``) do not
  count, using the cues of :mod:`rasd.analysis.events`; nor do attempts named up to
  three words before the death word (``حاول مسلحون مجهولون اغتيال``، ``نجا من``).
- An explicit "no casualties" (``لم يسفر عن أي إصابات``، ``دون وقوع خسائر بشرية``)
  gives ``(0, 0)`` when the report states no count at all; "no information about
  casualties" (``دون ورود معلومات عن خسائر بشرية``) gives ``(None, None)``.
- A death word with a pronoun (``ما أدى لمقتله``) counts only when the report has
  no other killed count (it refers back to someone already counted).
- Enemy losses claimed with a number count as killed like any other side's
  (``القضاء على 23 إرهابياً``، ``قضى على أكثر من 40 مسلحاً``، ``يوقع 17 قتيلاً``); claimed
  losses without a number (``إيقاع قتلى ومصابين``، ``تكبيد خسائر فادحة``، ``القضاء على
  عدد من``) give no count.
- Damage said to be material only (``اقتصرت الأضرار على الماديات``) is an explicit
  "no casualties"; material damage alone (``أضرار مادية``) says nothing about people.
- Injured, then dead: each person counts once, in the state the report leaves them.
  A death of some of the injured already told (``أصيب خمسة ... توفي أحدهم``، ``فارق
  اثنان منهم الحياة``) counts as killed and comes off that injured figure (1 and 4);
  an injured figure told after the deaths (``فيما لا يزال 20 مصاباً``) or a running total
  of the injured (``إلى 6 شهداء و14 جريحاً، بعد استشهاد اثنين من المصابين``) is already
  current, and a death of wounds from an earlier day (``توفي متأثراً بجراح أصيب بها
  قبل أيام``) is one killed and no injured.
- A count after ``كما``/``أيضاً`` is of other people (``كما قتل عنصران من ...``), never
  a restatement of an equal count before it.
- Coordination stops at a count of the other kind (``إلى 23 شهيداً و10 جرحى`` = 23 and
  10); a vague quantity of people joined to a count (``5 مدنيين وعشرات المقاتلين``،
  ``وعدد من المسلحين``) makes that kind unknown, while ``وعشرات الجرحى`` makes only the
  injured unknown.
- Indefinite singular or dual count nouns joined by wa- each keep their count
  (``جريحان وقتيل`` = 1 and 2); a count before ``بين قتيل وجريح`` (``16 ضحية بين قتيل
  وجريح``) counts for neither.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import regex

from rasd.analysis.events import (
    CLAUSE_END,
    TRANSPARENT,
    AnalysedText,
    FormIndex,
    Morphology,
    analyse_text,
    scan_cues,
)
from rasd.errors import DataError
from rasd.resources import load_json
from rasd.text.normalize import normalize_ar
from rasd.text.tokens import clitic_splits

CASUALTIES_LEXICON = "lexicons/casualties.json"

KILLED = "killed"
INJURED = "injured"

_DIGITS_RE = regex.compile(r"^[وف]?(\d{1,3}(?:[,\u066c]\d{3})+|\d+)$")
_MAX_COUNT = 100_000
_MAX_GAP_WORDS = 5  # ordinary words allowed between a death word and its count
_MAX_APPROX = 5  # approximator words allowed between them
_IDIOM_WINDOW = 7  # words looked back from حتفهم / قتلوا for the subject count
_CUMULATIVE_WINDOW = 6
_COORDINATION_WINDOW = 8
_COMPANION_WINDOW = 12  # برفقة أربعة من مرافقيه may close a long name
_ZERO_WINDOW = 5
_OBJECT_WINDOW = 10  # words from an active killing verb to its victim (after the agent)
_ATTEMPT_WINDOW = 3  # words back from a death word to حاول / نجا / محاولة
_SINCE_WINDOW = 6  # tokens after منذ that may date it (منذ بداية الحملة العسكرية في أيار)


@dataclass(frozen=True, slots=True)
class Mention:
    """One stated casualty count.

    Attributes:
        kind: ``"killed"`` or ``"injured"``.
        count: the number stated.
        first: first token of the mention (the death word or the count).
        last: last token of the mention.
        noun: normalised person noun the count applies to, if any (for restatements).
        cumulative: a running total (``ارتفع عدد القتلى إلى 12``).
        campaign: a running total since a campaign start (``منذ``).
        fresh: the count is of "other" people (``آخرين``) and is never a restatement.
        anaphoric: a pronoun death word (``لمقتله``), used only without other counts.
        sentence: sentence of the mention's first token.
        near_total: its sentence speaks of a running total.
        of_injured: the dead are some of the injured counted before (``توفي أحدهم``).
    """

    kind: str
    count: int
    first: int
    last: int
    noun: str | None = None
    cumulative: bool = False
    campaign: bool = False
    fresh: bool = False
    anaphoric: bool = False
    sentence: int = -1
    near_total: bool = False
    of_injured: bool = False


@dataclass(frozen=True, slots=True)
class CasualtyCount:
    """The totals of a report and what they come from.

    Attributes:
        killed: total killed, or None.
        injured: total injured, or None.
        mentions: the counted mentions.
        vague: kinds with a vague-quantity mention (their total is None).
        zero: whether the report states explicitly that nobody was hurt.
    """

    killed: int | None
    injured: int | None
    mentions: tuple[Mention, ...]
    vague: frozenset[str] = frozenset()
    zero: bool = False


@dataclass(frozen=True, slots=True)
class _Count:
    value: int
    end: int  # last token of the count expression
    noun: str | None
    fresh: bool
    start: int | None = None  # first token when the count comes before its word
    vague: bool = False  # a vague quantity is coordinated with it (و5 مدنيين وعشرات المقاتلين)


class _Vague(Exception):
    """A casualty word whose quantity is a vague one (عشرات، عدد من)."""


class _Stop(Exception):
    """A plural without a number: nothing countable here."""


# Lexicon roles and where they live in casualties.json: top-level keys of the same name,
# then roles nested under another key.
_ROLE_PATHS: dict[str, tuple[str, ...]] = {name: (name,) for name in (
    "killed_forward", "injured_forward", "injured_context", "teens", "one_of", "hundreds", "thousands",
    "approximators", "vague", "subcount", "cumulative", "campaign", "mixed_join", "contrast", "companions",
    "background", "neutralised", "addition", "eliminate", "life_verbs", "life_words", "victim_lead", "victim_words",
    "case_nouns", "suffocation", "also", "of_injured", "one_of_them", "adjective_numbers", "accept_after",
    "reject_after", "reject_before", "forward_blockers", "killing_verbs", "attempts", "period_lead", "period", "months",
    "range_lead", "range_join", "breakdown_nouns", "ordinals", "not_objects", "relatives", "same_day",
    "subcount_lead",
)}
_ROLE_PATHS.update({
    "killed_plural": ("killed_nouns", "plural"),
    "killed_singular": ("killed_nouns", "singular"),
    "killed_dual": ("killed_nouns", "dual"),
    "injured_plural": ("injured_nouns", "plural"),
    "injured_singular": ("injured_nouns", "singular"),
    "injured_dual": ("injured_nouns", "dual"),
    "other_singular": ("persons", "others_singular"),
    "other_dual": ("persons", "others_dual"),
    "other_plural": ("persons", "others_plural"),
    "zero_material_only": ("zero", "material_only"),
    "zero_material": ("zero", "material"),
    "zero_negator": ("zero", "negators"),
    "zero_object": ("zero", "objects"),
    "zero_killed": ("zero", "killed_objects"),
    "zero_losses": ("zero", "losses"),
    "zero_human": ("zero", "human"),
    "zero_uncertain": ("zero", "uncertain"),
})

_PERSON_ROLES = frozenset({"person_plural", "person_ambiguous", "person_singular", "other_plural", "other_singular", "other_dual"})
_OTHER_ROLES = frozenset({"other_plural", "other_singular", "other_dual"})
_COUNT_NOUN_ROLES = frozenset({"killed_plural", "killed_singular", "injured_plural", "injured_singular"})
_CUE_ROLES = ("killed_forward", "injured_forward", "subcount", "mixed_join")
# Roles a mention can start from (besides the closing idioms of ``killed_backward``).
_MENTION_ROLES = frozenset({
    "neutralised", "zero_losses", "killed_forward", "injured_forward", "killed_plural", "killed_singular", "killed_dual",
    "injured_plural", "injured_singular", "injured_dual", "eliminate", "life_verbs", "victim_words", "suffocation",
})
# Death words that count only in an idiom: القضاء على، فقد ... حياته، فارق الحياة.
_IDIOM_DEATH_ROLES = frozenset({"eliminate", "life_verbs"})
_KILLED_NOUN_ROLES = frozenset({"killed_plural", "killed_singular", "killed_dual"})
_INJURED_NOUN_ROLES = frozenset({"injured_plural", "injured_singular", "injured_dual"})
_LIFE_WINDOW = 8  # words from فقد / فارق to its حياته / الحياة


class CasualtyLexicon:
    """The casualty vocabulary compiled into one form index of named roles."""

    def __init__(self, data: Mapping[str, Any], morphology: Morphology):
        self.index = FormIndex(morphology)
        try:
            specs: dict[str, str] = {}
            for role, path in _ROLE_PATHS.items():
                value: Any = data
                for key in path:
                    value = value[key]
                specs[role] = value
            persons = data["persons"]
            specs.update(person_noun_specs(persons["singular"], persons["sound_plural"], persons["plural"], persons["kin"]))
            self.numbers = {normalize_ar(word): int(value) for word, value in data["numbers"].items()}
            self.backward = {normalize_ar(word): value for word, value in data["killed_backward"].items()}
            anaphoric = {spec: int(value) for spec, value in data["killed_anaphoric"].items()}
        except (KeyError, TypeError, ValueError) as exc:
            raise DataError(f"{CASUALTIES_LEXICON}: malformed ({exc})") from exc
        self.role = {name: self.index.add(spec) for name, spec in specs.items()}
        self.anaphoric = {self.index.add(spec): value for spec, value in anaphoric.items()}
        self._forward_specs = (
            self.role["killed_forward"], self.role["injured_forward"], self.role["life_verbs"], self.role["eliminate"],
        )
        self._memo: dict[tuple[str, ...], tuple[dict[int, str], frozenset[str], str]] = {}

    def read_token(self, forms: tuple[str, ...]) -> tuple[dict[int, str], frozenset[str], str]:
        """What one token is to the casualty rules, remembered per distinct token.

        Args:
            forms: the token's candidate forms (``AnalysedText.forms``).

        Returns:
            ``(specs, roles, kind)``: the specs it satisfies, the role names
            they make, and how a forward death/injury word reads (``past``,
            ``noun``...; ``"word"`` otherwise). Shared: never change them.

        Example:
            >>> lex = CasualtyLexicon.from_data()
            >>> "killed_forward" in lex.read_token(("مقتل",))[1]
            True
        """
        return self._memo.get(forms) or self._remember(forms)

    def read_tokens(self, analysed: AnalysedText) -> list[tuple[dict[int, str], frozenset[str], str]]:
        """:meth:`read_token` for every token of a text."""
        get = self._memo.get
        return [get(forms) or self._remember(forms) for forms in analysed.forms]

    def _remember(self, forms: tuple[str, ...]) -> tuple[dict[int, str], frozenset[str], str]:
        if len(self._memo) >= FormIndex._MAX_MEMO:
            self._memo.clear()
        specs = self.index.lookup(forms)
        roles = frozenset(name for name, spec_id in self.role.items() if spec_id in specs) if specs else frozenset()
        kind = next((specs[spec] for spec in self._forward_specs if spec in specs), "word")
        found = self._memo[forms] = (specs, roles, kind)
        return found

    @classmethod
    def from_data(cls) -> "CasualtyLexicon":
        """The bundled casualty lexicon, compiled once per process."""
        return _load_lexicon()


def person_noun_specs(
    singular: list[str], sound_plural: list[str], plural: list[str], kin: list[str]
) -> dict[str, str]:
    """Token specs (``w:`` alternatives) of the person-noun roles.

    Args:
        singular: singulars with a distinct dual (عنصر -> عنصرين = 2).
        sound_plural: singulars whose -ين form is also the plural (مدني -> مدنيين;
            their -ان form is a dual: مدنيان = 2).
        plural: broken plurals (عناصر، أطفال).
        kin: kin nouns, counted as one person with a possessive (والدته).

    Returns:
        ``{"person_singular": spec, "person_dual": spec, "person_plural": spec,
        "person_ambiguous": spec}``. Duals include the construct dual with a pronoun
        (طفلتيها، ولداه); ``-يه`` is left out after a consonant, as it is also the
        feminine adjective ending (شخصية).

    Example:
        >>> person_noun_specs(["طفلة"], [], [], [])["person_dual"]
        'w:طفلتين|طفلتان|طفلتيه|طفلتاه|طفلتيها|طفلتاها|طفلتيهم|طفلتاهم|طفلتيهما|طفلتاهما'
    """
    sg: list[str] = []
    dual: list[str] = []
    ambiguous: list[str] = []
    for word in map(normalize_ar, singular):
        if word.endswith("ه"):
            sg.append(word)
            dual += [word[:-1] + "تين", word[:-1] + "تان"]
            dual += [word[:-1] + "ت" + case + pronoun for pronoun in _DUAL_PRONOUNS for case in ("ي", "ا")]
        else:
            sg += [word, word + "ا"]
            dual += [word + "ين", word + "ان"]
            dual += [word + case + pronoun for pronoun in _DUAL_PRONOUNS for case in ("ي", "ا")
                     if case + pronoun != "يه"]
    for word in map(normalize_ar, sound_plural):
        sg += [word, word + "ا", word + "ه"]
        dual.append(word + "ان")
        ambiguous += [word + "ين", word + "ون"]
    for word in map(normalize_ar, kin):
        if word.endswith("ه"):
            sg += [word] + [word[:-1] + "ت" + s for s in ("ه", "ها", "هم", "هما", "ي")]
            dual += [word[:-1] + "تين", word[:-1] + "تان"]
        else:
            # a two-letter kin noun counts only with its possessive (أبوه، أخته): bare أب or عم
            # is too often what is left of another word after its clitics (وباب -> اب)
            sg += ([word] if len(word) > 2 else []) + [word + s for s in ("ه", "ها", "هم", "هما", "ي")]
            dual += [word + "ين", word + "ان"]
            if len(word) > 2:  # أبيه، أخيه are singulars; والديه، ابنيه are duals
                dual += [word + case + pronoun for pronoun in _DUAL_PRONOUNS for case in ("ي", "ا")]
    plurals = [normalize_ar(word) for word in plural]
    plurals += [word + "ا" for word in plurals if not word.endswith("ا")]

    def spec(words: list[str]) -> str:
        return "w:" + "|".join(dict.fromkeys(words)) if words else "w:\u0000"

    return {
        "person_singular": spec(sg),
        "person_dual": spec(dual),
        "person_plural": spec(plurals),
        "person_ambiguous": spec(ambiguous),
    }


_DUAL_PRONOUNS = ("ه", "ها", "هم", "هما")


def _is_year(norm: str) -> bool:
    """Whether a token is a year in digits (2011، ٢٠٢٤ after normalisation)."""
    return len(norm) == 4 and norm.isdigit() and norm[:2] in ("19", "20")


def _compounds(part: int, following: int | None) -> bool:
    """Whether a wa-joined number continues a compound number (خمسة وعشرين، مئة وخمسين).

    ``عشرة واثني عشر`` (10, 12) and ``ثلاثة وأربعة`` are two numbers (a range or a list).

    Example:
        >>> _compounds(5, 20), _compounds(100, 50), _compounds(10, 2)
        (True, True, False)
    """
    if following is None:
        return False
    if 1 <= part <= 9:
        return 20 <= following <= 90 and following % 10 == 0
    return part >= 100 and following < part


@functools.lru_cache(maxsize=1)
def _load_lexicon() -> CasualtyLexicon:
    return CasualtyLexicon(load_json(CASUALTIES_LEXICON), Morphology.from_data())


class _Reader:
    """Finds the casualty mentions of one analysed text."""

    def __init__(self, lexicon: CasualtyLexicon, analysed: AnalysedText):
        self.lex = lexicon
        self.analysed = analysed
        self.tokens = analysed.tokens
        self.clauses = analysed.clauses
        self.words = analysed.words
        self.size = len(analysed.tokens)
        read = lexicon.read_tokens(analysed)
        self.hits = [found[0] for found in read]
        self.roles: list[frozenset[str]] = [found[1] for found in read]
        self.kinds = [found[2] for found in read]
        self.scan = scan_cues(analysed.text)
        self.used: set[int] = set()
        self.vague: set[str] = set()

    # -- small predicates ---------------------------------------------------

    def has(self, i: int, *names: str) -> bool:
        return 0 <= i < self.size and not self.roles[i].isdisjoint(names)

    def same_clause(self, i: int, j: int) -> bool:
        return 0 <= j < self.size and self.clauses[i] == self.clauses[j]

    def is_punct(self, i: int) -> bool:
        return not any(ch.isalnum() for ch in self.tokens[i].norm)

    def is_transparent(self, i: int) -> bool:
        return self.tokens[i].norm in TRANSPARENT

    def next_word(self, i: int) -> int:
        """The first token after ``i`` that is not a quote or bracket."""
        j = i + 1
        while j < self.size and self.is_transparent(j):
            j += 1
        return j

    def number_value(self, i: int) -> int | None:
        """Value of one number token (digits or a number word), else None."""
        if not 0 <= i < self.size:
            return None
        norm = self.tokens[i].norm
        digits = _DIGITS_RE.match(norm)
        if digits:
            value = int(digits.group(1).replace(",", "").replace("\u066c", ""))
            return value if 0 < value <= _MAX_COUNT else None
        numbers = self.lex.numbers
        for _, rest in clitic_splits(norm):
            if rest in numbers:
                return numbers[rest]
        return None

    def read_number(self, i: int) -> tuple[int, int] | None:
        """A (compound) number starting at token ``i``: ``(value, last_token)``."""
        value = self.number_value(i)
        if value is None or (i > 0 and self.tokens[i - 1].norm == "ال"):
            return None
        if _DIGITS_RE.match(self.tokens[i].norm):
            if self.has(i + 1, "thousands") and self.same_clause(i, i + 1):
                return value * 1000, i + 1
            return value, i
        total = 0
        j = i
        while True:
            part = self.number_value(j)
            if part is None:
                break
            nxt = j + 1
            plain = nxt < self.size and not self.tokens[nxt].norm.startswith("و")
            if 1 <= part <= 9 and plain and self.has(nxt, "teens"):
                part += 10
                j = nxt
            elif 3 <= part <= 9 and plain and self.has(nxt, "hundreds"):
                part *= 100
                j = nxt
            nxt = j + 1
            if nxt < self.size and not self.tokens[nxt].norm.startswith("و") and self.has(nxt, "thousands"):
                part *= 1000
                j = nxt
            total += part
            nxt = j + 1
            if nxt < self.size and self.tokens[nxt].norm.startswith("و") and _compounds(part, self.number_value(nxt)):
                j = nxt
                continue
            break
        return (total, j) if 0 < total <= _MAX_COUNT else None

    # -- count expressions --------------------------------------------------

    def count_after_number(self, value: int, end: int, anchor: int, bare_ok: bool = True) -> _Count | None:
        """Check what follows a number and build the count, or None if it is no casualty count.

        Args:
            value: the number.
            end: its last token.
            anchor: the death/injury word (for the clause).
            bare_ok: whether the number may stand without a person noun after it.
        """
        k = self.next_word(end)
        if k >= self.size or not self.same_clause(anchor, k) or self.is_punct(k):
            return _Count(value, end, None, False) if bare_ok else None
        roles = self.roles[k]
        if roles & _PERSON_ROLES:
            return _Count(value, k, self._noun_key(k), bool(roles & _OTHER_ROLES))
        if roles & _COUNT_NOUN_ROLES:
            if self.has(anchor, *_MENTION_ROLES) and self.has(k, *self.other_kind_nouns(anchor)):
                # عدد الشهداء (7) والجرحى (15): the next noun has its own count
                return _Count(value, end, None, False) if bare_ok else None
            return _Count(value, k, None, False)
        if "reject_after" in roles:
            return None
        norm = self.tokens[k].norm
        if norm in ("من", "ومن"):
            after = self.next_word(k)
            if after < self.size and (self.has(after, "reject_after") or self.number_value(after) is not None):
                return None
            return _Count(value, end, None, False)
        if self.number_value(end) == 1 and self.has(end, "one_of"):
            return _Count(1, k, self._noun_key(k), False)  # أحد عناصر الفصائل
        if not bare_ok:
            return None
        if roles & {"accept_after", "subcount", "injured_context"} or norm.startswith(("ب", "و")):
            return _Count(value, end, None, False)
        if norm.endswith(("ين", "ون", "يا", "يون", "يين")) or (norm.endswith("ا") and len(norm) > 3):
            return _Count(value, k, None, False)
        return None

    def _noun_key(self, i: int) -> str:
        forms = self.analysed.forms[i]
        return forms[-1] if forms else self.tokens[i].norm

    def count_at(self, j: int, anchor: int, bare_ok: bool = True) -> _Count | None:
        """A count expression starting at token ``j`` (number, dual, singular person), or None.

        Raises:
            _Vague: for a vague quantity (العشرات، عدد من).
            _Stop: for a plural person noun without a number.
        """
        if self.has(j, "vague") and self.number_value(j) is None:
            if self.tokens[j].norm in ("عدد", "العدد") and not self.has(self.next_word(j), "approximators"):
                return None  # عدد القتلى: a total follows, not a vague quantity
            raise _Vague
        number = self.read_number(j)
        if number is not None:
            if self.has(j - 1, "reject_before") and not self.tokens[j].norm.startswith("و"):
                return None  # العام 2020 is a year, but الأمن العام و40 مسلحاً joins a count
            update = self.next_word(number[1])
            if self.tokens[j - 1].norm == "من" and update < self.size and self.tokens[update].norm == "الي":
                if self.read_number(self.next_word(update)) is not None:
                    return self.count_at(self.next_word(update), anchor)  # ارتفع من 5 إلى 7: the new figure
            end = self.range_upper(j, number) or number[1]  # بين 5 و7: the lower bound
            return self.count_after_number(number[0], end, anchor, bare_ok)
        roles = self.roles[j]
        if "other_dual" in roles:
            return _Count(2, j, None, True)
        if "person_dual" in roles:
            end = j + 1 if self.number_value(j + 1) == 2 and self.same_clause(anchor, j + 1) else j
            return _Count(2, end, self._noun_key(j), False)
        if roles & {"person_singular", "other_singular"}:
            if "ordinals" in roles and "person_singular" not in roles:
                return None  # الاغتيال الرابع: a rank of incidents, not one more person
            if not bare_ok:
                return None  # a singular reached over other words is no subject count
            return _Count(1, j, self._noun_key(j), "other_singular" in roles)
        if roles & {"person_ambiguous", "person_plural", "other_plural"}:
            after = self.read_number(j + 1) if self.same_clause(anchor, j + 1) else None
            if after is not None:
                return _Count(after[0], after[1], self._noun_key(j), "other_plural" in roles)
            raise _Stop
        return None

    def count_forward(self, cue: int, max_words: int = _MAX_GAP_WORDS) -> _Count | None:
        """The count a forward death/injury word at ``cue`` governs (coordinated counts added).

        Raises:
            _Vague: when the first quantity met is a vague one.
        """
        words = approx = 0
        agent = False  # an active verb's plural subject came first (اغتال مسلحون مجهولون القيادي)
        j = cue + 1
        while j < self.size and self.same_clause(cue, j):
            if self.is_punct(j):
                j += 1
                continue
            if self.has(j, *_CUE_ROLES):
                return None
            bare_ok = words == 0 or self.has(j - 1, "approximators", "range_lead")
            if words == 0 and self.has(j, "killed_singular") and not self.has(j, *_PERSON_ROLES):
                return _Count(1, j, None, False)  # ارتقى الشهيد المساعد ...
            if agent and self.kinds[cue] == "past" and self.has(j, "person_singular"):
                # the object of an active death verb after its plural subject, definite or not
                # (اغتال مسلحون مجهولون القيادي / شخصية بارزة)
                return self.coordinate(_Count(1, j, self._noun_key(j), False), cue)
            if agent and words > 0 and not self.tokens[j].norm.endswith(("ون", "ين")):
                agent = False  # only plural adjectives of the subject may stand between (مجهولون)
            try:
                found = self.count_at(j, cue, bare_ok)
            except _Stop:
                found = None
                agent = agent or words == 0
            except _Vague:
                if words == 0:
                    raise  # أصيب العشرات، مقتل عدد من
                return None
            if found is not None:
                return self.coordinate(found, cue)
            if self.number_value(j) is not None:
                return None  # a number that is no casualty count (a date, a duration)
            if self.tokens[j].norm.startswith("و") and words + approx > 0:
                return None  # a new predicate (قتل في X وفقد 70 آخرون)
            if self.has(j, "approximators", "range_lead"):
                approx += 1
                if approx > _MAX_APPROX:
                    return None
            else:
                words += 1
                if words > max_words:
                    return None
            j += 1
        return None

    def object_of(self, verb: int) -> _Count | None:
        """The victim of an active killing verb, told after its agent.

        A definite or construct person with no preposition before it
        (``اغتال مجهولون القيادي``، ``اغتالت مجموعة مسلحة عضو لجنة``), or an accusative
        singular anywhere in the clause (``قنصت قوات النظام المتمركزة على أطراف البلدة مواطناً``).
        """
        if self.hits[verb].get(self.lex.role["killing_verbs"]) not in ("past", "word") or self.has(verb - 1, "relatives"):
            return None  # الذين قتلوا في غارة: passive, no object
        plain = True  # no preposition yet: still the agent phrase
        words = 0
        j = verb + 1
        while j < self.size and self.same_clause(verb, j) and words <= _OBJECT_WINDOW:
            if self.is_punct(j):
                j += 1
                continue
            if self.has(j, *_CUE_ROLES, "vague") or self.number_value(j) is not None:
                return None
            norm = self.tokens[j].norm
            if words > 0 and self.has(j, "person_singular", "person_dual") and not self.has(j, "not_objects"):
                definite = norm.startswith(("ال", "وال"))
                accusative = norm.endswith("ا") and not definite
                adjective = definite and self.tokens[j - 1].norm.startswith(("ال", "وال"))  # الجيش التركي
                if accusative or (plain and not adjective):
                    value = 2 if self.has(j, "person_dual") else 1
                    return self.coordinate(_Count(value, j, self._noun_key(j), False), verb)
            if self.has(j, "accept_after") and norm != "من":
                plain = False
            words += 1
            j += 1
        return None

    def attempted(self, cue: int) -> bool:
        """Whether a death word is only attempted (حاول مسلحون مجهولون اغتيال، محاولة فاشلة لاغتيال، نجا من).

        The attempt must govern the death word: a wa- word or a contrast between them
        (``نجا الطفل وقتل والده``، ``نجا السائق بينما قتل 3 ركاب``) starts a new predicate.
        """
        if self.tokens[cue].norm.startswith("و"):
            return False  # نجا الطفل وقتل والده: a new predicate
        j = cue - 1
        while j >= 0 and self.same_clause(cue, j) and self.words[cue] - self.words[j] <= _ATTEMPT_WINDOW:
            if self.has(j, "attempts"):
                return True
            if self.has(j, "contrast") or self.tokens[j].norm.startswith("و"):
                return False  # نجا السائق بينما قتل 3 ركاب
            j -= 1
        return False

    def other_kind_nouns(self, anchor: int) -> frozenset[str]:
        """Count-noun roles of the kind other than the one of the word at ``anchor``."""
        if self.has(anchor, "injured_forward", *_INJURED_NOUN_ROLES):
            return _KILLED_NOUN_ROLES
        return _INJURED_NOUN_ROLES

    def range_upper(self, start: int, number: tuple[int, int]) -> int | None:
        """The last token of a range's upper bound after its lower one (بين 5 و7، 3 أو 4), or None.

        ``و`` and ``إلى`` make a range only after ``بين`` (``ارتفع من 5 إلى 7`` is an update).
        """
        k = self.next_word(number[1])
        if k >= self.size or not self.same_clause(start, k):
            return None
        lead = self.has(start - 1, "range_lead")
        if self.has(k, "range_join"):
            if not (lead or self.tokens[k].norm == "او"):
                return None
            k = self.next_word(k)
        elif not (lead and self.tokens[k].norm.startswith("و")):
            return None
        upper = self.read_number(k)
        if upper is None or upper[0] <= number[0] or not self.same_clause(start, upper[1]):
            return None
        return upper[1]

    def range_lower(self, start: int) -> int | None:
        """The first token of a range's lower bound before the upper one at ``start`` (3 أو 4 قتلى), or None."""
        k = start - 1
        while k >= 0 and self.is_transparent(k):
            k -= 1
        if k < 0 or not self.same_clause(start, k):
            return None
        if self.has(k, "range_join"):
            k -= 1
        elif not self.tokens[start].norm.startswith("و"):
            return None
        lower = self._number_start(k)
        if lower is None:
            return None
        number = self.read_number(lower)
        return lower if number is not None and self.range_upper(lower, number) is not None else None

    def coordinate(self, first: _Count, cue: int) -> _Count:
        """Add counts joined by wa- (مقتل 4 عناصر و3 مدنيين) or by a contrast across a comma (، مقابل 18).

        A joined count of the other kind (إلى 23 شهيداً و10 جرحى) ends the list; a joined
        vague quantity of people (و5 مدنيين وعشرات المقاتلين) marks the count vague.
        """
        total, end, noun, fresh = first.value, first.end, first.noun, first.fresh
        other_nouns = self.other_kind_nouns(cue)
        clause = self.clauses[cue]
        j = end + 1
        limit = self.words[end] + _COORDINATION_WINDOW
        while j < self.size and (
            self.words[j] <= limit
            or (self.words[j] <= self.words[end] + _COMPANION_WINDOW and self.has(j, "companions"))
            or (self.words[j] <= self.words[end] + _COMPANION_WINDOW + 1 and self.has(j - 1, "companions"))
        ):
            if self.clauses[j] != clause:
                # a new clause continues the list only after a comma and a contrast word (، مقابل 18)
                # or a wa- joined count of people (، وسبعة مدنيين)
                if self.tokens[j - 1].norm == "،" and (
                    self.has(j, "contrast") or self._joined_count(self.next_word(j - 1))
                ):
                    clause = self.clauses[j]
                    limit = self.words[j] + _COORDINATION_WINDOW
                    if self.has(j, "contrast"):
                        j += 1
                    continue
                break
            if self.is_punct(j):
                j += 1
                continue
            if self.has(j, "subcount"):
                after = self.after_breakdown(j)
                if after is None:
                    break
                j = after  # 12 مدنياً بينهم 3 أطفال، و8 من قوات النظام: the list goes on
                continue
            if self.has(j, "killed_forward", "injured_forward", "mixed_join") or (
                self.has(j, "cumulative") and not self.vague_of(j)
            ):
                break
            joined = self.tokens[j].norm.startswith("و") and not self.has(j, "adjective_numbers")
            if joined or self.has(j - 1, "contrast", "companions"):
                try:
                    more = self.count_at(j, j)
                except _Vague:
                    after = self.next_word(j)
                    if after < self.size and self.tokens[after].norm == "من":
                        after = self.next_word(after)
                    if not self.has(after, *other_nouns):
                        return _Count(total, end, noun, fresh, vague=True)
                    break
                except _Stop:  # والمسلحين الموالين لها: part of the description
                    j += 1
                    continue
                if more is None:
                    if self.number_value(j) is not None or self.has(j, "cumulative"):
                        break
                    j += 1  # a word that merely starts with wa- (وحدات حماية الشعب)
                    continue
                if self.has(more.end, *other_nouns):
                    break  # و10 جرحى: the other kind's own count
                total += more.value
                end = more.end
                noun = None
                limit = self.words[end] + _COORDINATION_WINDOW
                j = end + 1
                continue
            j += 1
        return _Count(total, end, noun, fresh)

    def after_breakdown(self, j: int) -> int | None:
        """The first token after a breakdown at ``j`` when a comma-joined category follows it, else None.

        ``12 مدنياً بينهم 3 أطفال، و8 من قوات النظام`` goes on with و8; ``، و5 نساء`` (a group
        a breakdown is made of) and anything else end the list.
        """
        k = j + 1
        while k < self.size and self.clauses[k] == self.clauses[j]:
            k += 1
        if k >= self.size or self.tokens[k - 1].norm != "،":
            return None
        start = self.next_word(k - 1)
        if not self._joined_count(start):
            return None
        found = self.count_at(start, start, bare_ok=False)
        if found is None or self.has(found.end, "breakdown_nouns"):
            return None
        return k

    def vague_of(self, j: int) -> bool:
        """Whether token ``j`` is a vague quantity of (``وعدد من``، ``عدة``), not the ``عدد`` of a total."""
        if not self.has(j, "vague"):
            return False
        if not self.has(j, "cumulative"):
            return True
        nxt = self.next_word(j)
        return nxt < self.size and self.tokens[nxt].norm == "من"

    def _joined_count(self, j: int) -> bool:
        """Whether token ``j`` opens a wa- joined count of people (وسبعة مدنيين، واثنين من المقاتلين)."""
        if j >= self.size or not self.tokens[j].norm.startswith("و"):
            return False
        if self.read_number(j) is None:
            return False
        try:
            found = self.count_at(j, j, bare_ok=False)
        except (_Vague, _Stop):
            return False
        return found is not None

    def count_backward(self, noun: int, max_back: int = 2) -> _Count | None:
        """A number just before a count noun (3 قتلى، و15 جريحاً، 4 عناصر قتلى).

        Raises:
            _Vague: for a vague quantity right before it (عشرات القتلى، عدد من الجرحى).
        """
        j = noun - 1
        seen = 0
        while j >= 0 and seen < max_back and self.same_clause(noun, j):
            if self.is_transparent(j):
                j -= 1
                continue
            seen += 1
            if j in self.used:
                return None
            norm = self.tokens[j].norm
            total_word = self.has(j, "cumulative") and self.has(j, "vague") and not self.vague_of(j)
            if norm in ("عدد", "حصيله", "من") or total_word:  # وعدد الجرحى إلى 30: a total follows
                if norm == "من" and self.has(j - 1, "vague"):
                    raise _Vague
                j -= 1
                continue
            if self.has(j, "vague") and self.number_value(j) is None:
                if seen == 1:
                    raise _Vague  # عشرات القتلى
                return None
            start = self._number_start(j)
            if start is not None:
                number = self.read_number(start)
                if number is not None and number[1] != j and self.range_upper(start, number) == j:
                    return _Count(number[0], noun, None, False, start)  # بين 5 و7 قتلى
                if number is not None and number[1] == j and not self.has(start - 1, "reject_before"):
                    lower = self.range_lower(start)  # 3 أو 4 قتلى
                    if lower is not None:
                        return _Count(self.read_number(lower)[0], noun, None, False, lower)
                    return _Count(number[0], noun, None, False, start)
            if not self.has(j, "person_plural", "person_ambiguous", "person_singular"):
                return None
            j -= 1
        return None

    def _number_start(self, j: int) -> int | None:
        """First token of a number expression ending at ``j``."""
        if self.number_value(j) is None and not self.has(j, "teens", "hundreds", "thousands"):
            return None
        start = j
        while start - 1 >= 0 and self.same_clause(j, start - 1) and self.number_value(start - 1) is not None:
            start -= 1
        while start <= j and self.number_value(start) is None:
            start += 1
        return start if start <= j else None

    def window_before(self, idiom: int) -> list[int]:
        """Token positions up to ``_IDIOM_WINDOW`` words before ``idiom``, nearest first.

        The window may step over a parenthetical breakdown (``، بينهم طفلان،``).
        """
        out: list[int] = []
        j = idiom - 1
        clause = self.clauses[idiom]
        skipped = 0  # words of breakdowns stepped over
        while j >= 0 and self.words[idiom] - self.words[j] - skipped <= _IDIOM_WINDOW:
            if self.clauses[j] != clause:
                # a clause boundary: cross it only over a breakdown (، بينهم طفلان،)
                seg_end = j
                k = j - 1
                while k >= 0 and self.clauses[k] == self.clauses[j - 1] if j > 0 else False:
                    k -= 1
                first_word = self.next_word(k)
                if not (self.tokens[seg_end].norm in CLAUSE_END and self.has(first_word, "subcount")):
                    break
                skipped += self.words[seg_end] - self.words[max(k, 0)]
                j = k
                if j < 0 or self.tokens[j].norm not in CLAUSE_END:
                    break
                clause = self.clauses[j - 1] if j > 0 else clause
                j -= 1
                continue
            if not self.is_punct(j):
                out.append(j)
            j -= 1
        return out

    def count_before_idiom(self, idiom: int, default: int | None) -> _Count | None:
        """The subject count of ``لقي N ... حتفهم`` or ``N ... قتلوا``."""
        window = self.window_before(idiom)
        for j in reversed(window):  # the farthest first: the subject opens the clause
            if j in self.used or self.number_value(j) is None:
                continue
            start = self._number_start(j)
            if start != j or self.has(j - 1, "reject_before"):
                continue
            try:
                found = self.count_at(j, j)
            except (_Vague, _Stop):
                found = None
            if found is not None and found.end < idiom:
                return _Count(found.value, idiom, found.noun, found.fresh, j)
            number = self.read_number(j)
            if number is not None and self.next_word(number[1]) == idiom:
                return _Count(number[0], idiom, None, False, j)  # 10 آلاف قتلوا
            if number is not None and self.tokens[self.next_word(number[1])].norm in ("عدد", "العدد"):
                return _Count(number[0], idiom, None, False, j)  # ارتفع إلى 33 عدد الذين قضوا
        for j in window[:2]:  # a singular or dual subject right before: لقي شاب حتفه
            roles = self.roles[j]
            if "person_dual" in roles:
                return _Count(2, idiom, self._noun_key(j), False, j)
            if "person_singular" in roles:
                return _Count(1, idiom, self._noun_key(j), False, j)
        return _Count(default, idiom, None, False) if default else None

    # -- mentions -----------------------------------------------------------

    def mixed(self, i: int) -> bool:
        """Killed and injured given together at token ``i`` (مقتل وإصابة، قتلى وجرحى، بين قتيل وجريح).

        The joined word is marked used so it yields no count either.
        """
        nxt = self.next_word(i)
        between = i > 0 and self.tokens[i - 1].norm in ("بين", "وبين") and self.has(i, "killed_singular", "injured_singular")
        if not between and self.counted_pair(i, nxt):
            return False  # جريحان وقتيل، سقوط قتيل وجريح: each noun carries its own count
        if self.has(nxt, "mixed_join") and self.same_clause(i, nxt) and not between:
            self.used.add(nxt)
            return True
        if between:
            if self.has(nxt, "mixed_join"):
                self.used.add(nxt)
            counted = self.number_value(i - 2) is not None or (
                self.has(i - 2, *_PERSON_ROLES, *_COUNT_NOUN_ROLES) and self.number_value(i - 3) is not None
            )
            if not counted:
                # no count before it (اوقعت افرادها بين قتيل ومصاب): both tolls are unknowable
                self.vague_mention(KILLED, i)
                self.vague_mention(INJURED, i)
            return True
        return False

    def counted_pair(self, i: int, nxt: int) -> bool:
        """Whether a killed and an injured noun joined at ``i``/``nxt`` each carry a count.

        A dual or an indefinite singular with no number before it is its own count
        (``جريحان وقتيل`` = 1 killed and 2 injured); ``15 قتيلاً وجريحاً`` is not.
        """
        if not self.same_clause(i, nxt) or not self.has(nxt, *_KILLED_NOUN_ROLES, *_INJURED_NOUN_ROLES):
            return False
        if self.has(i, "killed_dual", "injured_dual"):
            return True
        definite = self.tokens[i].norm.startswith(("ال", "وال", "بال", "لل"))
        return (
            self.has(i, "killed_singular", "injured_singular")
            and not definite
            and self.number_value(i - 1) is None
            and not self.has(nxt, "killed_plural", "injured_plural")
        )

    def after_also(self, first: int) -> bool:
        """Whether ``كما``/``أيضاً`` comes just before a mention (كما قتل عنصران): other people."""
        return any(self.has(j, "also") and self.same_clause(first, j) for j in (first - 1, first - 2))

    def refers_to_injured(self, found: _Count) -> bool:
        """Whether a death count is of the injured already told (توفي أحدهم، وفاة 2 من الجرحى)."""
        j = found.end
        if self.has(j, "of_injured", "one_of_them"):
            return True
        k = self.next_word(j)
        if k < self.size and self.tokens[k].norm == "من" and self.same_clause(j, k):
            k = self.next_word(k)
        return self.same_clause(j, k) and self.has(k, "of_injured", "one_of_them")

    def between_mixed(self, end: int) -> bool:
        """Whether ``بين قتيل وجريح`` follows a count (16 ضحية بين قتيل وجريح): no count for either kind."""
        k = self.next_word(end)
        if k < self.size and self.tokens[k].norm == "ما":
            k = self.next_word(k)
        if k >= self.size or self.tokens[k].norm not in ("بين", "وبين") or not self.same_clause(end, k):
            return False
        return self.has(self.next_word(k), "killed_singular", "injured_singular")

    def opens_idiom(self, i: int) -> bool:
        """Whether an idiom death word reads as one: القضاء على، فقد ... حياته، فارق ... الحياة."""
        if self.has(i, "eliminate"):
            nxt = self.next_word(i)
            return nxt < self.size and self.tokens[nxt].norm in ("علي", "على")
        sentences = self.analysed.sentences
        j = i + 1
        while j < self.size and sentences[j] == sentences[i] and self.words[j] - self.words[i] <= _LIFE_WINDOW:
            if self.has(j, "life_words"):
                return True
            j += 1
        return False

    def suffocation_mention(self, i: int) -> Mention | None:
        """``37 حالة اختناق``: suffocation cases counted as injured."""
        noun = i - 1
        if not self.has(noun, "case_nouns") or noun in self.used:
            return None
        try:
            count = self.count_backward(noun)
        except _Vague:
            self.vague_mention(INJURED, noun)
            return None
        if count is None:
            return None
        return self.mention(INJURED, noun, _Count(count.value, i, None, False, count.start))

    def is_subcount(self, first: int) -> bool:
        """Whether a count is a breakdown of a total: بينهم 3 أطفال، بين القتلى ستة أطفال."""
        j = first - 1
        while j >= 0 and self.words[first] - self.words[j] <= 3 and self.same_clause(first, j):
            if self.has(j, "subcount"):
                return True
            if self.led_by_breakdown(self.next_word(j)):
                return True
            j -= 1
        return False

    def led_by_breakdown(self, noun: int) -> bool:
        """Whether a count noun opens a breakdown: بين القتلى ستة أطفال، ومن بين الجرحى."""
        return (
            0 < noun < self.size
            and self.has(noun, "killed_plural", "injured_plural")
            and self.tokens[noun].norm.startswith("ال")  # not بين قتيل وجريح (a split of a total)
            and self.has(noun - 1, "subcount_lead")
        )

    def is_cumulative(self, first: int, last: int) -> bool:
        if first > 0 and self.tokens[first - 1].norm in ("الي", "والي", "لي"):
            # ارتفع عدد شهداء الاعتداء ... إلى 89 شهيداً: the clause opens with the running total
            j = first - 1
            while j >= 0 and self.same_clause(first, j):
                if self.has(j, "cumulative") and self.tokens[j].norm not in ("عدد", "العدد"):
                    return True
                j -= 1
        for j in range(max(0, first - _CUMULATIVE_WINDOW), last + 1):
            if not self.same_clause(last, j):
                continue
            if self.has(j, "cumulative"):
                if self.tokens[j].norm in ("عدد", "العدد"):
                    if self.has(j + 1, "killed_plural", "injured_plural", "killed_singular"):
                        return True
                    continue
                return True
        return False

    def is_campaign(self, first: int, cumulative: bool) -> bool:
        """Whether a count is a background total, used only when the report has no other.

        A count since a date before the episode (``منذ اندلاع النزاع``) is one; so is a
        running total since a campaign start that closes a sentence whose news is a
        count of its own (``مقتل 4 عناصر، ليرتفع إلى 230 عدد القتلى منذ بدء الحملة``).
        """
        since = self.since(first)
        if since == "background":
            return True
        if since in (None, "day") or not cumulative:
            return False
        sentences = self.analysed.sentences
        j = first - 1
        while j >= 0 and sentences[j] == sentences[first]:
            if self.has(j, "killed_forward", "injured_forward"):
                return True
            j -= 1
        return False

    def since(self, first: int) -> str | None:
        """What a ``منذ`` or a ``خلال`` period near token ``first`` dates its count from.

        Near is the clause of ``first`` and the clauses of its sentence next to it that hold
        no death or injury word of their own (``قتل شاب ...، ليرتفع عدد القتلى منذ مطلع العام``
        leaves ``قتل شاب`` undated).

        Returns:
            ``"background"`` when it reaches back before the episode (``منذ اندلاع الثورة``،
            ``منذ 2011``، ``منذ مطلع العام``، ``منذ بداية الحملة العسكرية في أيار``) or is a
            period's tally (``خلال الشهر الماضي``), ``"day"`` for a start on the day of the
            episode (``منذ فجر اليوم``، ``منذ ساعات``), ``"episode"`` for another start within it
            (``منذ بدء الهجوم``), None without either.
        """
        lo, hi = self.clause_span(first)
        found = None
        for j in range(lo, hi):
            norm = self.tokens[j].norm
            if norm in ("منذ", "ومنذ"):
                found = "day" if self.has(self.next_word(j), "same_day") else "episode"
                for k in range(j + 1, min(j + 1 + _SINCE_WINDOW, hi)):
                    if self.has(k, "background", "months") or _is_year(self.tokens[k].norm):
                        return "background"
            elif self.has(j, "period_lead"):
                k = self.next_word(j)
                if k < hi and (self.has(k, "period", "months") or _is_year(self.tokens[k].norm)):
                    return "background"
        return found

    def clause_span(self, first: int) -> tuple[int, int]:
        """Tokens ``[lo, hi)`` of the clause of ``first`` widened over neighbouring clauses of its
        sentence that hold no death or injury word."""
        clauses, sentences = self.clauses, self.analysed.sentences
        sentence = sentences[first]
        lo = first
        while lo > 0 and clauses[lo - 1] == clauses[first]:
            lo -= 1
        hi = first
        while hi < self.size and clauses[hi] == clauses[first]:
            hi += 1
        while lo > 0 and sentences[lo - 1] == sentence:
            k = lo - 1
            while k > 0 and clauses[k - 1] == clauses[lo - 1]:
                k -= 1
            if any(self.has(m, *_MENTION_ROLES) for m in range(k, lo)):
                break
            lo = k
        while hi < self.size and sentences[hi] == sentence:
            k = hi
            while k < self.size and clauses[k] == clauses[hi]:
                k += 1
            if any(self.has(m, *_MENTION_ROLES) for m in range(hi, k)):
                break
            hi = k
        return lo, hi

    def factual(self, first: int, last: int, cue: int) -> bool:
        return self.scan.is_factual_span(first, last, self.kinds[cue], "casualties")

    def mention(
        self, kind: str, cue: int, found: _Count | None, forward: bool = False, anaphoric: bool = False
    ) -> Mention | None:
        if found is None or found.value <= 0:
            return None
        first = min(cue, found.end) if found.start is None else min(found.start, cue)
        last = max(cue, found.end)
        if (not forward and self.is_subcount(first)) or (forward and self.led_by_breakdown(cue)):
            return None
        if not self.factual(first, last, cue):
            return None
        self.used.update(range(first, last + 1))
        if self.between_mixed(found.end):
            return None  # 16 ضحية بين قتيل وجريح
        if found.vague:
            self.vague_mention(kind, cue)
        cumulative = self.is_cumulative(first, last)
        return Mention(
            kind=kind,
            count=found.value,
            first=first,
            last=last,
            noun=found.noun,
            cumulative=cumulative,
            campaign=self.is_campaign(first, cumulative),
            fresh=found.fresh or self.after_also(first),
            anaphoric=anaphoric,
            sentence=self.analysed.sentences[first],
            near_total=self.sentence_has(first, "cumulative"),
            of_injured=kind == KILLED and forward and self.refers_to_injured(found),
        )

    def sentence_has(self, position: int, role: str) -> bool:
        """Whether the sentence of token ``position`` has a token of ``role`` (ومن ضمن الحصيلة)."""
        sentences = self.analysed.sentences
        sentence = sentences[position]
        j = position
        while j > 0 and sentences[j - 1] == sentence:
            j -= 1
        while j < self.size and sentences[j] == sentence:
            if role in self.roles[j] and self.tokens[j].norm not in ("عدد", "العدد"):
                return True
            j += 1
        return False

    def vague_mention(self, kind: str, cue: int) -> None:
        """Record a vague quantity, unless it is negated, hypothetical or a breakdown."""
        if not self.is_subcount(cue) and self.factual(cue, cue, cue):
            self.vague.add(kind)

    def _singular_subject(self, verb: int) -> bool:
        """An indefinite singular subject right before a past verb after أن (أن ضابطاً أصيب)."""
        subject = verb - 1
        if subject < 1 or not self.has(subject, "person_singular") or not self.tokens[subject].norm.endswith("ا"):
            return False
        return self.tokens[subject - 1].norm in ("ان", "بان", "وان", "لان")

    def vague_addition(self, end: int) -> bool:
        """Whether a vague quantity is added after a count (، إلى جانب عشرات المقاتلين)."""
        j = end + 1
        while j < self.size and self.analysed.sentences[j] == self.analysed.sentences[end]:
            if self.has(j, *_MENTION_ROLES):
                return False
            if self.has(j, "addition"):
                k = j + 1
                while k < min(j + 4, self.size):
                    if self.has(k, "vague") and self.tokens[k].norm not in ("عدد", "العدد"):
                        return True
                    k += 1
                return False
            j += 1
        return False

    def mention_at(self, i: int) -> Mention | None:
        roles = self.roles[i]
        if "zero_losses" in roles:
            # حصيلة الخسائر البشرية ... إلى 54: a running toll of the dead
            human = self.next_word(i)
            if not (self.has(human, "zero_human") and self.has(i - 1, "cumulative")):
                return None
            try:
                count = self.count_forward(human, max_words=2 * _MAX_GAP_WORDS)
            except _Vague:
                return None
            return self.mention(KILLED, i, count)
        if "neutralised" in roles:
            # تحييد: killed, wounded or captured, nobody can tell which
            if self.factual(i, i, i):
                self.vague.update((KILLED, INJURED))
            return None
        if "victim_words" in roles and self.has(i - 1, "victim_lead") and self.same_clause(i - 1, i):
            # راح ضحيتها 4 مدنيين، راح ضحية الانفجار ثلاثة أشخاص
            try:
                return self.mention(KILLED, i, self.count_forward(i), forward=True)
            except _Vague:
                self.vague_mention(KILLED, i)
                return None
        if "suffocation" in roles:
            return self.suffocation_mention(i)
        backward = self.lex.backward
        idiom = not roles.isdisjoint(_IDIOM_DEATH_ROLES) and self.opens_idiom(i)
        if idiom or roles & {"killed_forward", "injured_forward"}:
            kind = KILLED if idiom or "killed_forward" in roles else INJURED
            if self.has(i - 1, "forward_blockers") and self.same_clause(i, i - 1):
                return None  # عقوبة الإعدام، محاولة اغتيال، عمليات الاغتيال
            if kind == KILLED and self.attempted(i):
                return None  # حاول مسلحون اغتيال، نجا من محاولة اغتيال
            if self.mixed(i):
                self.used.add(i)
                return None
            try:
                found = self.mention(kind, i, self.count_forward(i), forward=True)
            except _Vague:
                self.vague_mention(kind, i)
                return None
            if found is None and kind == KILLED:
                found = self.mention(KILLED, i, self.object_of(i), forward=True)  # اغتال مجهولون القيادي
            one = self.next_word(i)
            if found is None and kind == KILLED and self.has(one, "one_of_them") and self.same_clause(i, one):
                found = self.mention(KILLED, i, _Count(1, one, None, False), forward=True)  # توفي أحدهم
            if found is None and self.tokens[i].norm.endswith(("وا", "ون")):
                # a plural verb after its subject: 36 مدنياً قتلوا (، مقابل 19 مقاتلاً)
                subject = self.count_before_idiom(i, None)
                if subject is not None:
                    joined = self.coordinate(_Count(subject.value, i, subject.noun, subject.fresh), i)
                    subject = _Count(joined.value, joined.end, subject.noun, subject.fresh, subject.start)
                found = self.mention(kind, i, subject)
            elif found is None and self.kinds[i] != "noun" and self.tokens[i].norm.endswith("ا"):
                # a dual verb after its dual subject: جنديين أصيبا
                dual = self.count_before_idiom(i, None)
                if dual is not None and dual.value == 2:
                    found = self.mention(kind, i, dual)
            if found is None and "killed_forward" in roles:
                value = next((v for spec, v in self.lex.anaphoric.items() if spec in self.hits[i]), None)
                if value:
                    found = self.mention(KILLED, i, _Count(value, i, None, False), anaphoric=True)
            if found is None and self.kinds[i] == "past" and self._singular_subject(i):
                found = self.mention(kind, i, _Count(1, i, self._noun_key(i - 1), False, i - 1))  # أن ضابطاً أصيب
            if found is not None:
                if self.vague_addition(found.last):
                    self.vague_mention(kind, i)
                return found
        for plural, singular, dual, kind in (
            ("killed_plural", "killed_singular", "killed_dual", KILLED),
            ("injured_plural", "injured_singular", "injured_dual", INJURED),
        ):
            if not roles & {plural, singular, dual} or self.mixed(i):
                continue
            try:
                count = self.count_backward(i)
            except _Vague:
                self.vague_mention(kind, i)
                return None
            definite = self.tokens[i].norm.startswith(("ال", "وال"))
            if count is None and plural in roles and (
                self.has(i - 1, "cumulative") or (definite and self.number_value(self.next_word(i)) is not None)
            ):
                try:
                    count = self.count_forward(i, max_words=2 * _MAX_GAP_WORDS)
                except _Vague:
                    count = None
            if count is None and singular in roles and not self.tokens[i].norm.startswith(("ال", "وال", "بال", "لل")):
                count = _Count(1, i, None, True)
            if count is None and dual in roles:
                # an indefinite dual is two more people; a definite one (الضحيتين) refers back
                count = _Count(2, i, None, not self.tokens[i].norm.startswith(("ال", "وال", "بال", "لل")))
            found = self.mention(kind, i, count)
            if found is not None:
                return found
        norm = self.tokens[i].norm
        if norm in backward:
            return self.mention(KILLED, i, self.count_before_idiom(i, backward[norm]))
        return None

    def mentions(self) -> list[Mention]:
        out: list[Mention] = []
        backward = self.lex.backward
        roles, tokens = self.roles, self.tokens
        for i in range(self.size):
            if roles[i].isdisjoint(_MENTION_ROLES) and tokens[i].norm not in backward or i in self.used:
                continue
            found = self.mention_at(i)
            if found is not None:
                out.append(found)
        return out

    def _zero_scope(self, cue: int) -> Iterator[int]:
        """The tokens a zero cue at ``cue`` reaches: after it, in its clause, within ``_ZERO_WINDOW`` words."""
        j = cue + 1
        while j < self.size and self.same_clause(cue, j) and self.words[j] - self.words[cue] <= _ZERO_WINDOW:
            yield j
            j += 1

    def states_material_only(self) -> bool:
        """Whether the damage is said to be material only (اقتصرت الأضرار على الماديات): nobody hurt."""
        return any("zero_material_only" in self.roles[i] and any(self.has(j, "zero_material")
                                                                 for j in self._zero_scope(i))
                   for i in range(self.size))

    def states_zero(self, objects: str = "zero_object") -> bool:
        """Whether the text says explicitly that nobody was hurt (لم يسفر عن أي إصابات).

        Args:
            objects: the role of the nouns denied; ``"zero_killed"`` asks whether
                nobody was killed (ولم يسفر عن أي شهداء).
        """
        if objects == "zero_object" and self.states_material_only():
            return True
        for i in range(self.size):
            if "zero_negator" not in self.roles[i]:
                continue
            for j in self._zero_scope(i):
                if self.has(j, "zero_uncertain"):
                    break
                if self.has(j, objects):
                    return True
                if objects == "zero_object" and self.has(j, "zero_losses") and self.has(self.next_word(j), "zero_human"):
                    return True
        return False


def taken_from_injured(mentions: tuple[Mention, ...] | list[Mention]) -> int:
    """How many of the injured told died later in the report (each person counts once, as dead).

    A death of some of the injured (``توفي أحدهم``، ``وفاة 2 من الجرحى``) takes them off an
    injured figure told before it; an injured figure told after it, or a running total of
    the injured anywhere, is already current.

    Example:
        >>> taken_from_injured([Mention("injured", 5, 0, 2), Mention("killed", 1, 9, 10, of_injured=True)])
        1
    """
    injured = [m for m in mentions if m.kind == INJURED and not m.anaphoric]
    totals_end = {m.last for m in mentions if m.cumulative}
    if any(m.cumulative or m.first - 1 in totals_end for m in injured):
        return 0  # a running total of the injured is current (إلى 6 شهداء و14 جريحاً، بعد استشهاد اثنين من المصابين)
    taken = 0
    for death in mentions:
        if death.kind != KILLED or not death.of_injured:
            continue
        if any(m.last < death.first for m in injured) and not any(m.first > death.first for m in injured):
            taken += death.count
    return taken


def total_mentions(mentions: list[Mention], kind: str) -> int | None:
    """The report-level figure of one kind from its mentions (see the module rules).

    Args:
        mentions: every mention of the report.
        kind: ``"killed"`` or ``"injured"``.

    Returns:
        The total, or None when no mention of that kind is countable.

    Example:
        >>> total_mentions([Mention("killed", 3, 0, 1), Mention("killed", 12, 5, 8, cumulative=True)], "killed")
        12
    """
    incident: list[Mention] = []
    by_count: dict[int, list[Mention]] = {}
    local_totals: list[int] = []
    campaign_totals: list[int] = []
    anaphoric: list[int] = []
    for mention in mentions:
        if mention.kind != kind:
            continue
        if mention.anaphoric:
            anaphoric.append(mention.count)
            continue
        if mention.campaign:
            campaign_totals.append(mention.count)
            continue
        if mention.cumulative:
            local_totals.append(mention.count)
            continue
        same_count = by_count.setdefault(mention.count, [])
        if not mention.fresh and any(_restates(mention, earlier) for earlier in same_count):
            continue
        same_count.append(mention)
        incident.append(mention)
    if not incident and not local_totals:
        if campaign_totals:
            return max(campaign_totals)
        return max(anaphoric) if anaphoric else None
    summed = sum(m.count for m in incident)
    if local_totals:
        # counts told after the running total, in sentences that say nothing of a total,
        # are of other people (ارتفع إلى 33 عدد الجنود الذين قتلوا ... وقتل خلالها 16 جندياً سورياً)
        last_total = max(m.sentence for m in mentions if m.kind == kind and m.cumulative and not m.campaign)
        later = sum(m.count for m in incident if m.sentence > last_total and not m.near_total)
        local_totals = [max(local_totals) + later]
    if len(incident) >= 3:
        # a lead figure whose parts are told after it (قتل 32 ... 14 في حمص و6 في سراقب ...)
        lead = max(m.count for m in incident)
        if 2 * lead == summed:
            summed = lead
    return max([summed, *local_totals])


def _restates(mention: Mention, earlier: Mention) -> bool:
    # The same count again, of the same kind of person or of people unnamed.
    if earlier.fresh or mention.count != earlier.count:
        return False
    return mention.noun is None or earlier.noun is None or mention.noun == earlier.noun


@functools.lru_cache(maxsize=8)
def extract_casualties(text: str) -> CasualtyCount:
    """Casualty totals of a report with the mentions behind them (cached per text).

    Args:
        text: the report as written.

    Returns:
        A :class:`CasualtyCount`.

    Example:
        >>> extract_casualties("مقتل 4 عناصر وإصابة 7 آخرين").killed
        4
    """
    reader = _Reader(CasualtyLexicon.from_data(), analyse_text(text))
    mentions = reader.mentions()
    vague = frozenset(reader.vague)
    killed = None if KILLED in vague else total_mentions(mentions, KILLED)
    injured = None if INJURED in vague else total_mentions(mentions, INJURED)
    if injured is not None:
        injured = max(0, injured - taken_from_injured(mentions))
    zero = False
    if killed is None and injured is None and not mentions and not vague and reader.states_zero():
        killed = injured = 0
        zero = True
    elif killed is None and KILLED not in vague and injured is not None and reader.states_zero("zero_killed"):
        killed = 0  # أصيب ثلاثة ... ولم يسفر عن أي شهداء
        zero = True
    return CasualtyCount(killed, injured, tuple(mentions), vague, zero)


def count_casualties(text: str) -> tuple[int | None, int | None]:
    """Killed and injured counts a report states.

    Args:
        text: the report as written.

    Returns:
        ``(killed, injured)``, each an int or None when nothing countable is said.

    Example:
        >>> count_casualties("استشهاد مدنيين اثنين وإصابة 5 آخرين جراء اعتداء إرهابي بقذائف صاروخية")
        (2, 5)
    """
    result = extract_casualties(text)
    return result.killed, result.injured
