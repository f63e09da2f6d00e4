"""Sandbox speed: is the emulator ever the bottleneck? Prints per-call latencies.

Measures, with no added latency, through the real clients over loopback TLS:
- a 200-record Salesforce composite create, and a 2,000-record query page;
- a 100-input HubSpot batch upsert, and a 200-result search page.
Usage: python bench/sandbox_speed.py [--rounds 10]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

from sandbox import Sandbox


def timed(fn: Callable[[], object], rounds: int) -> list[float]:
    out = []
    for _ in range(rounds):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return out


def show(label: str, ms: list[float]) -> None:
    print(
        f"{label:<48} median {statistics.median(ms):6.1f} ms   best {min(ms):6.1f} ms   "
        f"worst {max(ms):6.1f} ms   ({len(ms)} rounds)"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    with Sandbox(seed=1, leads=0) as sb:
        sb.set_faults(hubspot_rate="100000/10s", hubspot_search_per_second=100000)
        sf = sb.salesforce_client()
        counter = iter(range(10**9))

        def composite() -> None:
            records = []
            for _ in range(200):
                n = next(counter)
                records.append(
                    {
                        "attributes": {"type": "Lead"},
                        "LastName": f"Speed{n}",
                        "Company": "Bench Inc",
                        "Email": f"speed{n}@bench.example.com",
                        "Status": "Open - Not Contacted",
                    }
                )
            answer = sf.restful("composite/sobjects", method="POST", json={"records": records})
            assert all(r["success"] for r in answer)  # type: ignore[union-attr, index]

        show("Salesforce composite create, 200 records", timed(composite, args.rounds))
        while len(sb.salesforce.all("Lead")) < 2000:
            composite()

        def query_page() -> None:
            page = sf.query("SELECT Id, Email, LastName, Company, Status FROM Lead")
            assert len(page["records"]) == 2000

        show("Salesforce query, one 2,000-record page", timed(query_page, args.rounds))

        hs = sb.hubspot_client()
        from hubspot.crm.contacts import BatchInputSimplePublicObjectBatchInputUpsert

        def upsert() -> None:
            inputs = []
            for _ in range(100):
                n = next(counter)
                inputs.append(
                    {
                        "idProperty": "email",
                        "id": f"hs{n}@bench.example.com",
                        "properties": {"firstname": "Bench", "lastname": f"Hs{n}"},
                    }
                )
            hs.crm.contacts.batch_api.upsert(
                BatchInputSimplePublicObjectBatchInputUpsert(inputs=inputs)
            )

        show("HubSpot batch upsert, 100 inputs", timed(upsert, args.rounds))
        sb.set_faults(hubspot_index_delay_s=0)
        while len(sb.hubspot.all()) < 2000:
            upsert()

        def search() -> None:
            answer = hs.crm.contacts.search_api.do_search(
                {
                    "filterGroups": [
                        {
                            "filters": [
                                {"propertyName": "firstname", "operator": "EQ", "value": "Bench"}
                            ]
                        }
                    ],
                    "limit": 200,
                    "properties": ["email", "lastname"],
                }
            )
            assert len(answer.results) == 200

        show("HubSpot search, one 200-result page", timed(search, args.rounds))


if __name__ == "__main__":
    main()
