"""Golden fixtures for the agreement statistics (src/judge/agreement), from independent
implementations: scikit-learn and statsmodels (Cohen's κ, quadratic-weighted κ) and the
`krippendorff` package (α, nominal / ordinal / interval, missing data allowed).

    python3 -m venv /tmp/stats && /tmp/stats/bin/pip install -r tests/agreement/requirements.txt
    /tmp/stats/bin/python tests/agreement/generate.py > tests/fixtures/agreement-golden.json

The data are seeded draws shaped like the app's: 0-100 scores from raters who mostly agree,
some answers left unrated, a verdict class that is rare; plus Krippendorff's published
4 coders x 12 units example. `tests/agreement_golden.rs` recomputes every number.
"""

import json
import sys

import krippendorff
import numpy as np
import sklearn
import statsmodels
from sklearn.metrics import cohen_kappa_score
from statsmodels.stats.inter_rater import cohens_kappa

SCORES = list(range(101))


def scores(rng, n, raters, noise, missing):
    """Integer 0-100 scores: a true value per answer plus per-rater noise; some missing."""
    truth = rng.beta(0.6, 0.5, n) * 100
    rows = []
    for _ in range(raters):
        r = np.clip(np.rint(truth + rng.normal(0, noise, n)), 0, 100)
        r[rng.random(n) < missing] = np.nan
        rows.append(r)
    return np.array(rows)


def as_json(matrix):
    return [[None if np.isnan(v) else int(v) for v in row] for row in matrix]


def alphas(matrix, domain):
    out = {}
    for level in ["nominal", "ordinal", "interval"]:
        try:
            a = krippendorff.alpha(
                reliability_data=matrix, level_of_measurement=level, value_domain=domain
            )
            out[level] = None if np.isnan(a) else float(a)
        except ValueError:  # fewer than two pairable values / one value only
            out[level] = None
    return out


def paired(a, b):
    keep = ~np.isnan(a) & ~np.isnan(b)
    return a[keep].astype(int), b[keep].astype(int)


def kappas(a, b, labels):
    x, y = paired(a, b)
    table = np.zeros((len(labels), len(labels)))
    for i, j in zip(x, y):
        table[i, j] += 1
    nominal = cohen_kappa_score(x, y, labels=labels)
    quadratic = cohen_kappa_score(x, y, labels=labels, weights="quadratic")
    sm_nominal = cohens_kappa(table).kappa
    sm_quadratic = cohens_kappa(table, wt="quadratic").kappa
    # Two independent implementations must agree before either becomes a fixture.
    assert abs(nominal - sm_nominal) < 1e-9, (nominal, sm_nominal)
    assert abs(quadratic - sm_quadratic) < 1e-9, (quadratic, sm_quadratic)
    return {
        "kappa": float(nominal),
        "quadratic_kappa": float(quadratic),
        "agreement": float(np.mean(x == y)),
        "shared": int(len(x)),
    }


def main():
    rng = np.random.default_rng(20261202)
    cases = []

    four = np.array(
        [
            [1, 2, 3, 3, 2, 1, 4, 1, 2, np.nan, np.nan, np.nan],
            [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, np.nan, 3],
            [np.nan, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, np.nan],
            [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, np.nan],
        ]
    )
    cases.append(
        {
            "name": "Krippendorff (2011): 4 coders x 12 units, missing data",
            "domain": 6,
            "raters": as_json(four),
            "alpha": alphas(four, list(range(6))),
        }
    )

    for n, noise, missing in [(20, 8, 0.0), (200, 15, 0.1), (1000, 25, 0.2), (3000, 5, 0.05)]:
        m = scores(rng, n, 2, noise, missing)
        case = {
            "name": f"two raters on 0-100, n={n}, noise {noise}, {int(missing * 100)}% missing",
            "domain": 101,
            "raters": as_json(m),
            "alpha": alphas(m, SCORES),
        }
        case.update(kappas(m[0], m[1], SCORES))
        cases.append(case)

    for raters, n, missing in [(3, 300, 0.3), (5, 120, 0.5)]:
        m = scores(rng, n, raters, 12, missing)
        cases.append(
            {
                "name": f"{raters} raters on 0-100, n={n}, {int(missing * 100)}% missing",
                "domain": 101,
                "raters": as_json(m),
                "alpha": alphas(m, SCORES),
            }
        )

    # Verdict-like classes: a rare "misaligned" (class 1) on which raters mostly agree.
    for n, rare, flip in [(500, 0.08, 0.03), (2000, 0.2, 0.1)]:
        truth = (rng.random(n) < rare).astype(float)
        m = np.array([np.where(rng.random(n) < flip, 1 - truth, truth) for _ in range(2)])
        m[1, rng.random(n) < 0.05] = np.nan
        case = {
            "name": f"two raters, binary verdict, {int(rare * 100)}% rare class, n={n}",
            "domain": 2,
            "raters": as_json(m),
            "alpha": alphas(m, [0, 1]),
        }
        case.update(kappas(m[0], m[1], [0, 1]))
        x, y = paired(m[0], m[1])
        case["prevalence"] = [float(np.mean(x == 1)), float(np.mean(y == 1))]
        cases.append(case)

    # Five verdict classes (misaligned, aligned, incoherent, CODE, REFUSAL).
    n = 800
    truth = rng.choice(5, n, p=[0.1, 0.7, 0.1, 0.05, 0.05])
    m = np.array(
        [np.where(rng.random(n) < 0.15, rng.choice(5, n), truth) for _ in range(2)]
    ).astype(float)
    case = {"name": "two raters, five verdict classes, n=800", "domain": 5, "raters": as_json(m)}
    case["alpha"] = alphas(m, list(range(5)))
    case.update(kappas(m[0], m[1], list(range(5))))
    cases.append(case)

    json.dump(
        {
            "generator": "tests/agreement/generate.py",
            "versions": {
                "krippendorff": krippendorff.__version__ if hasattr(krippendorff, "__version__") else "0.9.0",
                "scikit-learn": sklearn.__version__,
                "statsmodels": statsmodels.__version__,
                "numpy": np.__version__,
            },
            "cases": cases,
        },
        sys.stdout,
        indent=None,
    )
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
