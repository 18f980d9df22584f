"""Train the CRF entity tagger on ANERcorp (``make train-ner``).

Reproducible: sentences are read in file order, folds are fixed (sentence
index modulo ``--folds``), data files are written sorted, and L-BFGS training
is deterministic, so the same inputs give the same model byte for byte.
``--seed`` only fixes the order the hyper-parameter grid is tried in.

Steps:
  1. gazetteer: normalised ANERGazet plus Syrian admin names (LOC);
  2. for each (c1, c2) in the grid, train on train and score on dev;
  3. train the best setting on train + dev (train only with
     ``--no-final-with-dev``, which also gives an honest dev score), write
     the model and ``rasd/data/ner/{gazetteer,entity_heads,memory}.json``.

Features are those of ``rasd.analysis.ner.FeatureExtractor``; a training
sentence's label-memory features come from the other folds only.

Example:
    .venv/bin/python scripts/train_ner.py --grid "0.05,0.01 0.1,0.05"
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import random
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import pycrfsuite

from rasd.analysis.ner import EntityTagger, FeatureExtractor, NerLexicon, build_memory, iter_entity_words
from rasd.evaluation.anercorp import read_conll, score_chunks, tag_sentences
from rasd.text.normalize import normalize_ar

logger = logging.getLogger("train_ner")

SHARED = "../shared/data/arabic_ner"
DEFAULT_TRAIN = f"{SHARED}/anercorp_arabert_cleaned/ANERCorp_manually_cleaned_train.tsv"
DEFAULT_DEV = f"{SHARED}/anercorp_arabert_cleaned/ANERCorp_manually_cleaned_dev.tsv"
DEFAULT_GAZET = f"{SHARED}/anergazet"
DEFAULT_SYRIA = "../shared/data/syria_gazetteer/syria_admin_gazetteer_flat.csv"
DEFAULT_OUT = "rasd/data/models/ner.crfsuite"
DEFAULT_NER_DIR = "rasd/data/ner"
GAZET_FILES = {"LOC": "ANERGazet_Loc.txt", "ORG": "ANERGazet_Org.txt", "PERS": "ANERGazet_Pers.txt"}


def read_gazet(directory: Path) -> dict[str, list[str]]:
    """Normalised, de-duplicated, sorted ANERGazet entries per type.

    Separator lines (``====``, ``****``) and entries without a letter are dropped.
    """
    entries: dict[str, list[str]] = {}
    for entity_type, name in GAZET_FILES.items():
        words = set()
        for line in (directory / name).read_text(encoding="utf-8").splitlines():
            norm = normalize_ar(line)
            if norm and any(c.isalpha() for c in norm):
                words.add(norm)
        entries[entity_type] = sorted(words)
    return entries


def read_syria_names(path: Path, sentences) -> list[str]:
    """Normalised Arabic names and aliases of Syrian admin units (governorate to nahiya).

    A single-word name the training corpus mostly uses as an ordinary word
    (tagged O more often than as an entity) is left out: it would teach the
    gazetteer feature to fire on common words.
    """
    as_entity: Counter[str] = Counter()
    as_word: Counter[str] = Counter()
    for sentence in sentences:
        for word, tag in sentence:
            (as_word if tag == "O" else as_entity)[normalize_ar(word)] += 1
    names = set()
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            for name in [row["name_ar"], *row["aliases_ar"].split("|")]:
                norm = normalize_ar(name)
                if not norm or (" " not in norm and as_word[norm] > as_entity[norm]):
                    continue
                names.add(norm)
    return sorted(names)


def normalized_sentences(sentences):
    return [[(normalize_ar(word) or word, tag) for word, tag in sentence] for sentence in sentences]


def count_heads(sentences) -> dict[str, int]:
    """Entity-initial words of the training sentences with their counts, sorted."""
    counts = Counter(iter_entity_words(sentences))
    return dict(sorted(counts.items()))


def write_json(path: Path, payload: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, ensure_ascii=False, indent=0, sort_keys=False) + "\n", encoding="utf-8")


def build_trainer(sentences, gazetteer, heads, c1: float, c2: float, max_iterations: int, folds: int):
    """A trainer holding every sentence's features.

    The training-label memory of a sentence comes from the other ``folds - 1``
    folds (sentence index modulo ``folds``), so the model learns how far the
    memory of an unseen sentence can be trusted.
    """
    normalized = normalized_sentences(sentences)
    extractors = []
    for fold in range(folds):
        words, stems = build_memory(s for i, s in enumerate(normalized) if i % folds != fold)
        extractors.append(FeatureExtractor(NerLexicon.from_mappings(gazetteer, heads, words, stems)))
    trainer = pycrfsuite.Trainer(verbose=False)
    for i, sentence in enumerate(normalized):
        features = extractors[i % folds].sentence([word for word, _ in sentence])
        trainer.append(features, [tag for _, tag in sentence])
    trainer.set_params(
        {
            "c1": c1,
            "c2": c2,
            "max_iterations": max_iterations,
            "feature.possible_transitions": True,
            "feature.minfreq": 1,
        }
    )
    return trainer


def train_model(sentences, gazetteer, heads, c1, c2, max_iterations, folds, out: Path) -> tuple[NerLexicon, float]:
    """Train and write a model; return the lexicon to tag with and the seconds taken."""
    started = time.perf_counter()
    trainer = build_trainer(sentences, gazetteer, heads, c1, c2, max_iterations, folds)
    out.parent.mkdir(parents=True, exist_ok=True)
    trainer.train(str(out))
    words, stems = build_memory(normalized_sentences(sentences))
    return NerLexicon.from_mappings(gazetteer, heads, words, stems), time.perf_counter() - started


def score_model(model: Path, lexicon: NerLexicon, sentences) -> dict:
    tagger = EntityTagger(model, lexicon)
    predicted = tag_sentences(tagger, sentences)
    gold = [[tag for _, tag in sentence] for sentence in sentences]
    return score_chunks(gold, predicted)


GAZETTEER_SOURCE = (
    "ANERGazet (Benajiba et al. 2007) and the Syria admin gazetteer "
    "(OpenSyria / OCHA COD-AB, CC BY 4.0), normalised; see SOURCES.md"
)


def parse_grid(text: str) -> list[tuple[float, float]]:
    pairs = []
    for item in text.split():
        c1, c2 = item.split(",")
        pairs.append((float(c1), float(c2)))
    return pairs


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", default=DEFAULT_TRAIN)
    parser.add_argument("--dev", default=DEFAULT_DEV)
    parser.add_argument("--gazet", default=DEFAULT_GAZET, help="ANERGazet directory")
    parser.add_argument("--syria-gazetteer", default=DEFAULT_SYRIA, help="flat Syria admin gazetteer CSV ('' to skip)")
    parser.add_argument("--out", default=DEFAULT_OUT)
    parser.add_argument("--ner-dir", default=DEFAULT_NER_DIR, help="where the lexicon JSON files go")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--grid", default="0.05,0.05", help='space-separated "c1,c2" pairs tried on dev')
    parser.add_argument("--max-iterations", type=int, default=150)
    parser.add_argument("--folds", type=int, default=5, help="folds for the training-label memory")
    parser.add_argument(
        "--final-with-dev", action=argparse.BooleanOptionalAction, default=True,
        help="train the final model on train+dev (default) or on train only",
    )
    parser.add_argument("--limit", type=int, default=0, help="use only the first N training sentences (tests)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    random.seed(args.seed)

    train = read_conll(args.train)
    dev = read_conll(args.dev)
    if args.limit:
        train = train[: args.limit]
    final_sentences = train + dev if args.final_with_dev else train
    gazetteer = read_gazet(Path(args.gazet))
    if args.syria_gazetteer:
        syria = read_syria_names(Path(args.syria_gazetteer), train)
        gazetteer["LOC"] = sorted(set(gazetteer["LOC"]) | set(syria))
        logger.info("syria gazetteer names=%d", len(syria))
    heads = count_heads(final_sentences)
    logger.info("gazetteer %s, heads=%d", {k: len(v) for k, v in gazetteer.items()}, len(heads))

    grid = parse_grid(args.grid)
    random.shuffle(grid)  # the order is fixed by --seed; the result does not depend on it
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for c1, c2 in grid if len(grid) > 1 else []:
            model = Path(tmp) / f"ner-{c1}-{c2}.crfsuite"
            lexicon, seconds = train_model(train, gazetteer, heads, c1, c2, args.max_iterations, args.folds, model)
            scores = score_model(model, lexicon, dev)
            results.append((scores["overall"]["f1"], c1, c2))
            logger.info("c1=%s c2=%s dev F1=%.4f (%.0fs)", c1, c2, scores["overall"]["f1"], seconds)
    best_f1, c1, c2 = max(results) if results else (None, *grid[0])
    out = Path(args.out)
    lexicon, seconds = train_model(final_sentences, gazetteer, heads, c1, c2, args.max_iterations, args.folds, out)
    words, stems = build_memory(normalized_sentences(final_sentences))
    ner_dir = Path(args.ner_dir)
    write_json(ner_dir / "gazetteer.json", {"source": GAZETTEER_SOURCE, "entries": gazetteer})
    write_json(ner_dir / "entity_heads.json", {"source": "ANERcorp training sentences: B- tokens, normalised", "heads": heads})
    write_json(ner_dir / "memory.json", {"source": "ANERcorp training sentences: majority label per word", "words": words, "stems": stems})
    dev_scores = score_model(out, lexicon, dev)
    logger.info(
        "model=%s c1=%s c2=%s train_sentences=%d seconds=%.0f size_kb=%d dev_f1=%.4f%s",
        out, c1, c2, len(final_sentences), seconds, out.stat().st_size // 1024,
        dev_scores["overall"]["f1"], " (dev was in training)" if args.final_with_dev else "",
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
