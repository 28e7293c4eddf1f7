"""Using typorisk as a library, offline: likely typos, their ranking, and one explained score.

Run: python examples/library.py
"""

from __future__ import annotations

from typorisk import permute
from typorisk.rank import Observation, rank


def main() -> None:
    candidates = list(permute(["pentagon.mil", "us.corp.com"], top=10))
    for cand in candidates:
        print(f"{cand.target:14} {cand.domain:16} {'+'.join(cand.kinds):22} {cand.likelihood:.1e}")

    # Facts would come from `typorisk scan`; here one suffix typo is known to receive mail.
    facts = [
        Observation(c.target, c.domain, c.suffix, c.likelihood, c.kinds,
                    registration="registered" if c.domain == "pentagon.ml" else "unregistered",
                    mail="mx" if c.domain == "pentagon.ml" else "none",
                    mx=("mx.example.ml",) if c.domain == "pentagon.ml" else ())
        for c in candidates
    ]
    top = rank(facts).ranked[0]
    print(f"\nriskiest: {top.obs.domain} risk={top.risk:.2f}")
    for reason in top.reasons:
        print(f"  - {reason}")


if __name__ == "__main__":
    main()
