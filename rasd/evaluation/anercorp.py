"""ANERcorp evaluation: CoNLL-style entity-level scores of the NER model.

The test split is AraBERT's shuffled ANERcorp split
(``../shared/data/arabic_ner/anercorp_arabert_cleaned/ANERCorp_manually_cleaned_test.tsv``),
not CAMeL Lab's sequential one, so its figures are comparable with but not
identical to published ones (CAMeL Lab split: BiLSTM-CRF 81.7, AraBERT 83.1).

An entity counts as found only when its type and both boundaries match
(conlleval semantics; an I- tag without its B- opens an entity).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

from rasd.analysis.ner import EntityTagger, group_bio
from rasd.errors import DataError

DEFAULT_TEST_PATH = "../shared/data/arabic_ner/anercorp_arabert_cleaned/ANERCorp_manually_cleaned_test.tsv"
ALL_TYPES = ("PERS", "LOC", "ORG", "MISC")
CORE_TYPES = ("PERS", "LOC", "ORG")


def read_conll(path: str | Path) -> list[list[tuple[str, str]]]:
    """Read a ``token<TAB>tag`` file with blank lines between sentences.

    CRLF and LF line endings are both accepted; a space also separates
    token and tag when there is no tab.

    Args:
        path: the corpus file.

    Returns:
        Sentences of ``(token, tag)`` pairs.

    Example:
        >>> import tempfile, os
        >>> f = tempfile.NamedTemporaryFile("w", suffix=".tsv", delete=False, encoding="utf-8")
        >>> _ = f.write("زار\\tO\\r\\nدمشق\\tB-LOC\\r\\n\\r\\n"); f.close()
        >>> read_conll(f.name)
        [[('زار', 'O'), ('دمشق', 'B-LOC')]]
        >>> os.unlink(f.name)
    """
    try:
        raw = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise DataError(f"cannot read corpus {path}: {exc}") from exc
    sentences: list[list[tuple[str, str]]] = []
    current: list[tuple[str, str]] = []
    for number, line in enumerate(raw.splitlines(), start=1):
        line = line.rstrip("\r\n")
        if not line.strip():
            if current:
                sentences.append(current)
                current = []
            continue
        word, sep, tag = line.rpartition("\t") if "\t" in line else line.rpartition(" ")
        if not sep or not word or not tag:
            raise DataError(f"{path}:{number}: expected 'token<TAB>tag', got {line!r}")
        current.append((word, tag.strip()))
    if current:
        sentences.append(current)
    return sentences


def extract_chunks(tags: Sequence[str]) -> set[tuple[str, int, int]]:
    """The entity chunks of one sentence's BIO tags.

    Args:
        tags: BIO tags.

    Returns:
        ``(type, first, last)`` per entity.

    Example:
        >>> sorted(extract_chunks(["B-PERS", "I-PERS", "O", "B-LOC"]))
        [('LOC', 3, 3), ('PERS', 0, 1)]
    """
    return set(group_bio(tags))


def score_chunks(
    gold: Iterable[Sequence[str]], predicted: Iterable[Sequence[str]], types: Sequence[str] = ALL_TYPES
) -> dict[str, dict[str, float]]:
    """Entity-level precision, recall and F1 per type and micro-averaged.

    Args:
        gold: gold BIO tags, one sequence per sentence.
        predicted: predicted BIO tags, aligned with ``gold``.
        types: the entity types counted; ``"overall"`` is their micro average.

    Returns:
        ``{type: {"precision", "recall", "f1", "gold", "predicted", "correct"}}``
        plus an ``"overall"`` entry.

    Example:
        >>> s = score_chunks([["B-LOC", "O"]], [["B-LOC", "B-ORG"]])
        >>> s["LOC"]["f1"], s["overall"]["precision"]
        (1.0, 0.5)
    """
    gold_counts: Counter[str] = Counter()
    predicted_counts: Counter[str] = Counter()
    correct_counts: Counter[str] = Counter()
    for gold_tags, predicted_tags in zip(gold, predicted, strict=True):
        gold_chunks = {c for c in extract_chunks(gold_tags) if c[0] in types}
        predicted_chunks = {c for c in extract_chunks(predicted_tags) if c[0] in types}
        gold_counts.update(c[0] for c in gold_chunks)
        predicted_counts.update(c[0] for c in predicted_chunks)
        correct_counts.update(c[0] for c in gold_chunks & predicted_chunks)
    scores = {t: _prf(correct_counts[t], predicted_counts[t], gold_counts[t]) for t in types}
    scores["overall"] = _prf(
        sum(correct_counts.values()), sum(predicted_counts.values()), sum(gold_counts.values())
    )
    return scores


def _prf(correct: int, predicted: int, gold: int) -> dict[str, float]:
    precision = correct / predicted if predicted else 0.0
    recall = correct / gold if gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "gold": gold, "predicted": predicted, "correct": correct}


def tag_sentences(tagger: EntityTagger, sentences: Sequence[Sequence[tuple[str, str]]]) -> list[list[str]]:
    """Tag each sentence's words with the tagger (gold tags ignored)."""
    return [tagger.tag_tokens([word for word, _ in sentence]) for sentence in sentences]


def evaluate_anercorp(path: str | Path = DEFAULT_TEST_PATH, tagger: EntityTagger | None = None) -> dict:
    """Tag an ANERcorp split and score it at entity level.

    Args:
        path: the split to score (default: the test split).
        tagger: the tagger to score (default: the bundled model).

    Returns:
        ``{"path", "sentences", "tokens", "seconds", "all_types": scores,
        "per_loc_org": scores}``, scores as returned by :func:`score_chunks`.

    Example:
        >>> evaluate_anercorp()["all_types"]["overall"]["f1"]  # doctest: +SKIP
        0.8...
    """
    tagger = tagger or EntityTagger.pretrained()
    sentences = read_conll(path)
    started = time.perf_counter()
    predicted = tag_sentences(tagger, sentences)
    seconds = time.perf_counter() - started
    gold = [[tag for _, tag in sentence] for sentence in sentences]
    return {
        "path": str(path),
        "sentences": len(sentences),
        "tokens": sum(len(s) for s in sentences),
        "seconds": round(seconds, 3),
        "all_types": score_chunks(gold, predicted, ALL_TYPES),
        "per_loc_org": score_chunks(gold, predicted, CORE_TYPES),
    }


def format_report(result: dict) -> str:
    """A CoNLL-style table of an :func:`evaluate_anercorp` result."""
    lines = [f"ANERcorp {result['path']}: {result['sentences']} sentences, {result['tokens']} tokens, "
             f"tagged in {result['seconds']:.2f}s"]
    for key, title in (("all_types", "all four types"), ("per_loc_org", "PER/LOC/ORG only")):
        lines.append(f"-- {title}")
        lines.append(f"{'type':<8} {'prec':>7} {'recall':>7} {'F1':>7} {'gold':>6} {'pred':>6}")
        for name, s in result[key].items():
            lines.append(
                f"{name:<8} {100 * s['precision']:7.2f} {100 * s['recall']:7.2f} {100 * s['f1']:7.2f}"
                f" {s['gold']:6d} {s['predicted']:6d}"
            )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: score the bundled NER model on an ANERcorp split."""
    parser = argparse.ArgumentParser(description="Entity-level scores of the NER model on ANERcorp.")
    parser.add_argument("--path", default=DEFAULT_TEST_PATH, help="ANERcorp split (token<TAB>tag)")
    parser.add_argument("--json", action="store_true", help="print the scores as JSON")
    args = parser.parse_args(argv)
    result = evaluate_anercorp(args.path)
    print(json.dumps(result, ensure_ascii=False, indent=2) if args.json else format_report(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
