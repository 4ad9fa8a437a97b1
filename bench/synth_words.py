"""Word lists for synthetic specs.

The builder-visible documents and the holdout document draw on two disjoint
vocabularies, so no holdout title or sentence can turn up in D1–D8 or D10 by
chance and trip the leak guard on a clean spec.
"""

from __future__ import annotations

import random

BUILDER_WORDS: dict[str, tuple[str, ...]] = {
    "noun": ("ledger", "invoice", "parcel", "route", "badge", "ticket", "meter", "shelf",
             "voucher", "quota", "roster", "receipt", "tariff", "bundle", "slot", "account"),
    "adj": ("sealed", "pending", "archived", "shared", "draft", "expired", "frozen", "split",
            "merged", "priced", "tagged", "queued"),
    "verb": ("record", "archive", "reconcile", "publish", "revoke", "split", "merge", "tag",
             "price", "queue", "renew", "settle"),
    "state": ("open", "closed", "on hold", "settled", "void", "active", "retired", "locked"),
}

HOLDOUT_WORDS: dict[str, tuple[str, ...]] = {
    "lead": ("Lantern", "Compass", "Harbour", "Beacon", "Anchor", "Quarry", "Orchard", "Glacier"),
    "verb": ("probe", "sweep", "survey", "trace", "sounding", "patrol"),
    "tail": ("confirms quiet moorings", "finds the keel intact", "sees calm tides",
             "reports dry cargo", "charts the inlet", "hears no alarm bell"),
    "type": ("Error path", "Side-effect verification", "Cross-boundary check"),
    "note": ("checked by the dockside probe", "walked through at low tide", "seen from the lighthouse"),
}


def phrase(rng: random.Random, words: dict[str, tuple[str, ...]]) -> str:
    """A short holdout title such as 'Beacon sweep charts the inlet'."""
    return f"{rng.choice(words['lead'])} {rng.choice(words['verb'])} {rng.choice(words['tail'])}"
