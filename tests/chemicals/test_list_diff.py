from chemicals.list_diff import diff_lists


def _group(**overrides):
    base = {
        "name": {"en": "Lead"},
        "kind": "prohibited",
        "basis": "homogeneous_material",
        "intentional_use_prohibited": False,
        "counted_element": "Pb",
        "thresholds": [{"ppm": 1000}],
        "regions": None,
        "members": {"7439-92-1"},
    }
    return {**base, **overrides}


def test_identical_lists_have_no_differences():
    assert diff_lists({"T1-3": _group()}, {"T1-3": _group()}).is_empty


def test_changed_threshold_and_members_are_reported():
    diff = diff_lists(
        {"T1-3": _group()},
        {"T1-3": _group(thresholds=[{"ppm": 500}], members={"7439-92-1", "1317-36-8"})},
    )
    (change,) = diff.changes
    assert change.change == "changed" and change.fields == ("thresholds",)
    assert change.members_added == ("1317-36-8",) and change.members_removed == ()


def test_added_and_removed_groups_in_table_order():
    diff = diff_lists({"T1-10": _group(), "T2-1": _group()}, {"T1-2": _group(), "T1-10": _group()})
    assert [(c.code, c.change) for c in diff.changes] == [("T1-2", "added"), ("T2-1", "removed")]
