from __future__ import annotations

import pytest

from incidentkit.errors import ValidationError
from incidentkit.records.labels import SeverityLabels, severity_level


@pytest.mark.parametrize(
    ("label", "level"),
    [
        ("SEV1", 1),
        ("SEV-1", 1),
        ("sev 1", 1),
        ("Sev_2", 2),
        ("P1", 1),
        ("p-3", 3),
        ("SEV0", 0),
        ("sev 0", 0),
        ("Severity 2", 2),
        ("critical", 1),
        ("Major", 2),
        ("minor", 3),
        (" SEV4 ", 4),
    ],
)
def test_known_labels(label, level):
    assert severity_level(label) == level


@pytest.mark.parametrize("label", ["whatever", "", "SEV", "SEV42", "S1", None, 1])
def test_unknown_labels_give_none(label):
    assert severity_level(label) is None


def test_team_words_and_numbering_can_be_replaced():
    labels = SeverityLabels(names={"Blocker": 0, "annoying": 4}, numbered=False)
    assert severity_level("blocker", labels) == 0
    assert severity_level("ANNOYING", labels) == 4
    assert severity_level("SEV1", labels) is None


def test_labels_cannot_change_under_a_shared_policy():
    labels = SeverityLabels(names={"critical": 1})
    with pytest.raises(TypeError):
        labels.names["critical"] = 3  # type: ignore[index]
    assert hash(labels) == hash(SeverityLabels(names={"Critical": 1}))


# --- bad arguments --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"names": {"critical": "b"}},
            "names['critical']: a level must be an int ('b')",
        ),
        (
            {"names": {"critical": True}},
            "names['critical']: a level must be an int (True)",
        ),
        ({"names": {1: 2}}, "names[1]: a label must be a string (1)"),
        ({"names": 5}, "names: expected a mapping of label to level (5)"),
        ({"max_level": "9"}, "max_level: must be an int ('9')"),
        ({"numbered": "yes"}, "numbered: expected a bool, got str"),
    ],
)
def test_bad_labels_are_rejected_at_construction(
    kwargs: dict[str, object], message: str
) -> None:
    with pytest.raises(ValidationError) as info:
        SeverityLabels(**kwargs)  # type: ignore[arg-type]
    assert info.value.errors == [message]


@pytest.mark.parametrize(
    "label",
    [
        " " * 32_000 + "x",
        "sev" + " " * 100_000 + "x",
        "-" * 100_000 + "1x",
        "SEV" + "_" * 40 + "1",
    ],
)
def test_long_labels_are_unknown(label):
    # Numbered labels are short; a long one is not a level, and is refused
    # without a scan that could backtrack over its length.
    assert severity_level(label) is None


def test_padded_label_is_still_numbered():
    assert severity_level("\t SEV-2 \n") == 2
    assert severity_level("SEV \u00a0 3") == 3
