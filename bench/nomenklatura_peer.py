"""nomenklatura logic-v2 on the cases bench/screening_peers.py writes (JSON path as argument).

Runs in the peers' virtualenv (`make bench-peers`), never in kycflow's: stdlib, followthemoney
and nomenklatura only. Prints one JSON object of counts and per-query CPU times.
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any

from followthemoney import EntityProxy
from nomenklatura.matching import get_algorithm


def main(path: str) -> None:
    with open(path, encoding="utf-8") as handle:
        payload = json.load(handle)
    algorithm = get_algorithm("logic-v2")
    assert algorithm is not None
    config = algorithm.default_config()
    threshold = payload["threshold"]

    def person(entity_id: str, name: str, extra: dict[str, list[str]]) -> EntityProxy:
        properties = {"name": [name], **{k: v for k, v in extra.items() if v}}
        return EntityProxy.from_dict(
            {"id": entity_id, "schema": "Person", "properties": properties}
        )

    def best(query: EntityProxy, candidates: list[EntityProxy], ids: set[str] | None) -> float:
        scores = [
            algorithm.compare(query, c, config).score
            for c in candidates
            if ids is None or c.id in ids
        ]
        return max(scores, default=0.0)

    algorithm.compare(person("w1", "warm up", {}), person("w2", "warm up", {}), config)
    out: dict[str, Any] = {"positives": 0, "found": 0, "negatives": 0, "flagged": 0,
                           "flagged_names_only": 0}  # fmt: skip
    latencies = []
    # Every query entity gets its own id: logic-v2 caches what it derives from an entity by id.
    for n, case in enumerate(payload["cases"]):
        candidates = [EntityProxy.from_dict(c) for c in case["candidates"]]
        with_evidence = person(f"q{n}", case["name"], case["evidence"])
        names_only = person(f"q{n}-names", case["name"], {})
        started = time.thread_time()  # one query: every candidate scored, with its evidence
        if case["kind"] == "positive":
            out["positives"] += 1
            out["found"] += best(with_evidence, candidates, set(case["expected"])) >= threshold
            latencies.append(time.thread_time() - started)
        else:
            out["negatives"] += 1
            out["flagged"] += best(with_evidence, candidates, None) >= threshold
            latencies.append(time.thread_time() - started)
            out["flagged_names_only"] += best(names_only, candidates, None) >= threshold
    out["cross_script"] = sum(
        algorithm.compare(person(f"x{n}", q, {}), person(f"y{n}", c, {}), config).score >= threshold
        for n, (q, c) in enumerate(payload["pairs"])
    )
    latencies.sort()
    out["p50_ms"] = latencies[len(latencies) // 2] * 1000
    out["p99_ms"] = latencies[int(len(latencies) * 0.99)] * 1000
    print(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv[1])
