"""Id ordering and reference-list expansion: every stage reads references through these."""

from __future__ import annotations

import pytest

from generator.spec.ids import expand_refs, find_ids, id_key, is_none_value, sort_ids, split_refs

CONTRACTS = ("IN", "OUT", "SIDE", "ERR")


def test_id_key_compares_numerically_and_ignores_padding():
    assert id_key("GAP-1") == id_key("GAP-001")
    assert sort_ids(["GAP-10", "GAP-2", "GAP-001"]) == ["GAP-001", "GAP-2", "GAP-10"]
    assert id_key("SC-EC-002")[0] == "SC-EC"  # the longer kind wins over "SC"


@pytest.mark.parametrize("text, ids", [
    ("T-005 through T-009", ["T-005", "T-006", "T-007", "T-008", "T-009"]),
    ("T-005 through 007", ["T-005", "T-006", "T-007"]),
    ("SC-006..009", ["SC-006", "SC-007", "SC-008", "SC-009"]),
    ("SC-006..SC-007", ["SC-006", "SC-007"]),
    ("SC-EC-002..003", ["SC-EC-002", "SC-EC-003"]),
    ("SC-001,002,003,006", ["SC-001", "SC-002", "SC-003", "SC-006"]),
    ("T-002 and T-003 (both needed)", ["T-002", "T-003"]),
    ("T-007 (get_tip), T-003 (serialization)", ["T-007", "T-003"]),
])
def test_ranges_abbreviations_and_reasons(text, ids):
    assert expand_refs(text) == ids


def test_document_prefix_applies_to_the_whole_list():
    assert expand_refs("D4 IN-001, OUT-001; D4 ERR-003, ERR-001", CONTRACTS) == ["IN-001", "OUT-001", "ERR-003", "ERR-001"]


def test_none_value_names_nothing_even_with_an_id_inside():
    assert is_none_value("None (depends only on stdlib and T-001 for error class)")
    assert expand_refs("None (depends only on stdlib and T-001 for error class)", ("T",)) == []
    assert expand_refs("N/A") == []
    assert not is_none_value("Nonetheless T-001")


def test_parenthesis_is_the_list_when_nothing_outside_names_an_id():
    assert expand_refs("Foundation for all scenarios (SC-010, SC-011)", ("SC",)) == ["SC-010", "SC-011"]


def test_placeholders_are_not_ids():
    assert find_ids("SC-[N], GAP-[N], T-NNN, HS-NNN, T-###") == []
    assert expand_refs("SC-[N] through SC-[M]") == []


def test_wrong_kind_ids_are_kept_apart():
    keep, other = split_refs("D4 IN-001 constraints, D1 Article 6, D3 E-001", CONTRACTS)
    assert keep == ["IN-001"] and other == ["E-001"]


def test_duplicates_dropped_by_numeric_identity_in_written_order():
    assert expand_refs("T-003, T-001, T-3, T-001") == ["T-003", "T-001"]


def test_absurd_range_is_not_expanded():
    assert expand_refs("T-001 through T-9999") == ["T-001", "T-9999"]
