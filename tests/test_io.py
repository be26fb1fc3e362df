from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pytest

import incidentkit as ik
from conftest import EXAMPLE_PATH, SHARED
from incidentkit.records.io import iter_sources, parse_json


def test_example_is_the_canonical_document_unchanged():
    canonical_file = SHARED / "examples" / "payment-gateway-sev1.json"
    if not canonical_file.exists():
        pytest.skip(f"the shared example is not at {canonical_file}")
    assert canonical_file.read_bytes() == ik.example_path().read_bytes()


def test_load_from_path_and_file_objects():
    by_path = ik.load(EXAMPLE_PATH)
    with EXAMPLE_PATH.open("rb") as binary:
        by_binary = ik.load(binary)
    with EXAMPLE_PATH.open(encoding="utf-8") as text:
        by_text = ik.load(text)
    assert by_path == by_binary == by_text == ik.example()


def test_load_errors_name_the_file(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"incident": 1}')
    with pytest.raises(ik.ValidationError) as caught:
        ik.load(bad)
    assert caught.value.errors == [
        f"{bad}: incident: expected a JSON object, got 1 (int)"
    ]


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        (b"", "empty document"),
        (b"   \n", "empty document"),
        (b"\xff\xfe{}", "not UTF-8"),
        (b'{"incident": ', "not valid JSON"),
        (
            b"[1, 2]",
            "a JSON array of 2 documents, not one incident; read it with load_many",
        ),
        (b"null", "expected a JSON object"),
        (b"[" * 100_000, "nested too deeply"),
        (b'{"a": ' + b"1" * 5000 + b"}", "not readable JSON"),
    ],
)
def test_bytes_that_are_no_record(raw, words):
    with pytest.raises(ik.ValidationError) as caught:
        ik.loads(raw)
    assert caught.value.errors[0].startswith("$: ")
    assert words in caught.value.errors[0]


def test_nan_and_infinity_in_json_text_are_located(example_doc):
    text = json.dumps(example_doc).replace('"value": 95', '"value": NaN', 1)
    text = text.replace('"alert_count": 12', '"alert_count": Infinity')
    with pytest.raises(ik.ValidationError) as caught:
        ik.loads(text.encode())
    paths = sorted(error.split(": ")[0] for error in caught.value.errors)
    assert paths == ["events[0].metadata.value", "signals.alert_count"]


def test_a_byte_order_mark_is_skipped():
    raw = EXAMPLE_PATH.read_bytes()
    assert ik.loads(b"\xef\xbb\xbf" + raw) == ik.example()
    assert ik.loads("\ufeff" + raw.decode()) == ik.example()


def test_duplicate_keys_keep_the_last_value_like_every_json_parser():
    raw = EXAMPLE_PATH.read_text().replace(
        '"title": "Payment Service Degradation"',
        '"title": "first", "title": "Payment Service Degradation"',
    )
    assert ik.loads(raw).incident.title == "Payment Service Degradation"


def test_parse_json_rejects_non_text():
    with pytest.raises(ik.ValidationError, match="data: expected JSON text"):
        parse_json(42)  # type: ignore[arg-type]


def test_dump_and_dumps(tmp_path):
    rec = ik.example()
    target = tmp_path / "out.json"
    ik.dump(rec, target)
    assert ik.load(target) == rec
    buffer = io.StringIO()
    ik.dump(rec, buffer, indent=None)
    assert ik.loads(buffer.getvalue()) == rec
    assert "\n  " in ik.dumps(rec, indent=2)
    assert ik.loads(ik.dumps(rec, indent=4)) == rec


def test_dump_keeps_lone_surrogates(tmp_path, example_doc):
    example_doc["incident"]["title"] = "bad \ud800 text"
    rec = ik.from_dict(example_doc)
    target = tmp_path / "out.json"
    ik.dump(rec, target)
    assert ik.load(target) == rec


def test_big_integers_in_metadata_survive(example_doc):
    example_doc["events"][0]["metadata"]["huge"] = 2**80
    rec = ik.from_dict(example_doc)
    assert ik.loads(ik.dumps(rec)).events[0].metadata["huge"] == 2**80


def test_to_dict_rejects_other_objects():
    with pytest.raises(ik.ValidationError, match="expected an IncidentRecord"):
        ik.to_dict({"incident": {}})  # type: ignore[arg-type]


def test_unknown_format_is_named():
    with pytest.raises(ik.ValidationError, match="format: unknown format 'csv'"):
        ik.loads(EXAMPLE_PATH.read_bytes(), format="csv")


# --- many records -------------------------------------------------------------------


def _write_corpus(folder: Path, example_doc: dict) -> list[str]:
    ids = []
    for number in range(5):
        doc = json.loads(json.dumps(example_doc))
        doc["incident"]["id"] = f"INC-{number}"
        ids.append(doc["incident"]["id"])
        (folder / f"{number}.json").write_text(json.dumps(doc))
    return ids


def test_load_many_from_a_folder(tmp_path, example_doc):
    ids = _write_corpus(tmp_path, example_doc)
    (tmp_path / "notes.txt").write_text("not a record")
    result = ik.load_many(tmp_path)
    assert [rec.incident.id for rec in result.records] == ids
    assert result.sources == [str(tmp_path / f"{n}.json") for n in range(5)]
    assert result.errors == []


def test_collect_keeps_every_good_record_and_names_each_bad_file(tmp_path, example_doc):
    ids = _write_corpus(tmp_path, example_doc)
    (tmp_path / "1.json").write_bytes(b"\x00garbage")
    (tmp_path / "3.json").write_text('{"incident": {"id": "x"}}')
    result = ik.load_many(tmp_path, errors="collect")
    assert [rec.incident.id for rec in result.records] == [ids[0], ids[2], ids[4]]
    assert [exc.source for exc in result.errors] == [
        str(tmp_path / "1.json"),
        str(tmp_path / "3.json"),
    ]
    assert result.errors[1].errors[0] == (
        f"{tmp_path / '3.json'}: incident.title: required field is missing"
    )


def test_raise_stops_at_the_first_bad_file(tmp_path, example_doc):
    _write_corpus(tmp_path, example_doc)
    # Not "[]": an empty array is an empty list of documents, no error.
    (tmp_path / "2.json").write_text("3")
    with pytest.raises(ik.ValidationError) as caught:
        ik.load_many(tmp_path)
    assert caught.value.source == str(tmp_path / "2.json")


def test_jsonl_errors_name_the_line(tmp_path, example_doc):
    lines = [json.dumps(example_doc), "", "{broken", json.dumps(example_doc)]
    path = tmp_path / "all.jsonl"
    path.write_text("\n".join(lines) + "\n")
    result = ik.load_many(path, errors="collect")
    assert len(result.records) == 2
    assert result.sources == [f"{path}:1", f"{path}:4"]
    assert [exc.source for exc in result.errors] == [f"{path}:3"]


def test_iterable_of_paths_and_unreadable_files(tmp_path, example_doc):
    good = tmp_path / "good.json"
    good.write_text(json.dumps(example_doc))
    missing = tmp_path / "missing.json"
    result = ik.load_many([good, missing], errors="collect")
    assert len(result.records) == 1
    assert result.errors[0].errors[0].startswith(f"{missing}: $: cannot read")


def test_iter_sources_streams_jsonl_lines(tmp_path):
    path = tmp_path / "x.jsonl"
    path.write_bytes(b'{"a": 1}\n\n{"b": 2}\n')
    assert list(iter_sources(path)) == [
        (f"{path}:1", b'{"a": 1}\n'),
        (f"{path}:3", b'{"b": 2}\n'),
    ]


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"errors": "ignore"}, "errors: expected 'raise' or 'collect'"),
        ({"format": "xml"}, "format: unknown format"),
    ],
)
def test_load_many_arguments_are_checked(tmp_path, kwargs, words):
    with pytest.raises(ik.ValidationError, match=words):
        ik.load_many(tmp_path, **kwargs)


def test_missing_source_is_named(tmp_path):
    with pytest.raises(ik.ValidationError, match="source: no such file or folder"):
        ik.load_many(tmp_path / "nowhere")


@pytest.mark.parametrize(
    ("call", "words"),
    [
        (
            lambda: ik.loads(b"{}", assume_utc="yes"),
            "assume_utc: expected True or False, got 'yes'",
        ),
        (
            lambda: ik.loads(b"{}", strict=[]),
            "strict: expected True or False, got [] (list)",
        ),
        (
            lambda: ik.from_dict({}, assume_utc=None),
            "assume_utc: expected True or False",
        ),
        (
            lambda: ik.load(EXAMPLE_PATH, strict=1),
            "strict: expected True or False, got 1",
        ),
        (
            lambda: ik.load_many([EXAMPLE_PATH], assume_utc=2),
            "assume_utc: expected True or False",
        ),
        (lambda: ik.load(5), "source: expected a path or an open file, got 5 (int)"),
        (
            lambda: ik.load_many(5),
            "source: expected a folder, a file or a list of paths",
        ),
        (
            lambda: ik.load_many(b"x.json"),
            "source: expected a folder, a file or a list",
        ),
        (lambda: ik.load_many([EXAMPLE_PATH, 5]), "source[1]: expected a path, got 5"),
    ],
)
def test_bad_arguments_are_named(call, words):
    with pytest.raises(ik.ValidationError) as caught:
        call()
    assert words in caught.value.errors[0]


def test_a_file_that_cannot_be_read_is_named(tmp_path):
    missing = tmp_path / "missing.json"
    with pytest.raises(ik.ValidationError) as caught:
        ik.load(missing)
    assert caught.value.errors == [
        f"{missing}: $: cannot read (No such file or directory)"
    ]
    with pytest.raises(ik.ValidationError) as caught:
        ik.load(tmp_path)
    assert caught.value.errors == [f"{tmp_path}: $: cannot read (Is a directory)"]


# --- folder walks with limits ----------------------------------------------------


def _good(folder: Path, name: str = "a.json") -> Path:
    path = folder / name
    path.write_bytes(EXAMPLE_PATH.read_bytes())
    return path


def _walk(source: object, **kwargs: object) -> list[tuple[str, object]]:
    return [
        (where, raw if isinstance(raw, bytes) else raw.errors)
        for where, raw in iter_sources(source, **kwargs)  # type: ignore[arg-type]
    ]


def test_link_loops_are_not_followed(tmp_path):
    _good(tmp_path)
    (tmp_path / "loop.json").symlink_to(tmp_path)
    (tmp_path / "sub.json").mkdir()
    (tmp_path / "sub.json" / "back.json").symlink_to(tmp_path)
    walked = _walk(tmp_path)
    # The document once, the two links back named, nothing read twice.
    assert [where for where, raw in walked if isinstance(raw, bytes)] == [
        str(tmp_path / "a.json")
    ]
    refused = {where: raw for where, raw in walked if not isinstance(raw, bytes)}
    assert set(refused) == {
        str(tmp_path / "loop.json"),
        str(tmp_path / "sub.json" / "back.json"),
    }
    assert all("links back to a folder" in raw[0] for raw in refused.values())


def test_links_out_of_the_folder_are_not_followed(tmp_path):
    inside, outside = tmp_path / "in", tmp_path / "out"
    inside.mkdir()
    outside.mkdir()
    secret = _good(outside, "secret.json")
    (inside / "leak.json").symlink_to(secret)
    (inside / "dir.json").symlink_to(outside)
    _good(inside, "b.json")
    (inside / "same.json").symlink_to(inside / "b.json")
    walked = dict(_walk(inside))
    assert isinstance(walked[str(inside / "b.json")], bytes)
    assert isinstance(walked[str(inside / "same.json")], bytes)  # inside: read
    for name in ("leak.json", "dir.json"):
        (message,) = walked[str(inside / name)]
        assert message.startswith("$: links outside the folder")
        assert "not followed" in message


def test_a_fifo_in_a_folder_is_named_not_read(tmp_path):
    os.mkfifo(tmp_path / "pipe.json")
    _good(tmp_path)
    walked = dict(_walk(tmp_path))
    assert walked[str(tmp_path / "pipe.json")] == [
        "$: a FIFO, not a regular file; not read"
    ]
    assert isinstance(walked[str(tmp_path / "a.json")], bytes)


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero")
def test_a_device_is_never_read_whole(tmp_path):
    # In a folder, a link to it points outside; named, it is read up to the cap.
    (tmp_path / "zero.json").symlink_to("/dev/zero")
    (message,) = dict(_walk(tmp_path))[str(tmp_path / "zero.json")]
    assert "links outside the folder" in message
    (error,) = dict(_walk(["/dev/zero"], max_bytes=1000)).values()
    assert error == [
        "$: document larger than max_bytes=1,000 bytes (1,001 bytes or more); "
        "pass a larger max_bytes= to read it"
    ]


def test_files_over_the_cap_are_refused_before_reading(tmp_path):
    big = _good(tmp_path)
    size = big.stat().st_size
    with pytest.raises(ik.ValidationError) as caught:
        ik.load_many(tmp_path, max_bytes=size - 1)
    assert caught.value.errors == [
        f"{big}: $: document larger than max_bytes={size - 1:,} bytes "
        f"({size:,} bytes or more); pass a larger max_bytes= to read it"
    ]
    assert len(ik.load_many(tmp_path, max_bytes=size).records) == 1
    assert ik.records.io.MAX_DOCUMENT_BYTES == 256 * 2**20


def test_jsonl_lines_over_the_cap_are_skipped_and_named(tmp_path):
    path = tmp_path / "x.jsonl"
    path.write_bytes(b'{"a": 1}\n' + b" " * 50 + b"\n" + b'{"b": 2}')
    assert _walk(path, max_bytes=20) == [
        (f"{path}:1", b'{"a": 1}\n'),
        (
            f"{path}:2",
            [
                "$: document larger than max_bytes=20 bytes (21 bytes or more); "
                "pass a larger max_bytes= to read it"
            ],
        ),
        (f"{path}:3", b'{"b": 2}'),
    ]


@pytest.mark.parametrize("max_bytes", [0, -1, 1.5, "10", True, None])
def test_max_bytes_is_checked(tmp_path, max_bytes):
    with pytest.raises(ik.ValidationError, match="max_bytes: expected a positive"):
        ik.load_many(tmp_path, max_bytes=max_bytes)


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("bad\x00name.json", "not a usable path (embedded null byte)"),
        ("x" * 300 + ".json", "not a usable path (File name too long)"),
    ],
)
def test_bad_paths_are_validation_errors(tmp_path, name, reason):
    path = str(tmp_path / name)
    with pytest.raises(ik.ValidationError, match=r"^1 problem:\n  source: ") as one:
        ik.load_many(path)
    assert reason in one.value.errors[0]
    with pytest.raises(ik.ValidationError) as listed:
        ik.load_many([path])
    assert listed.value.errors[0].endswith("$: cannot read (" + reason.split("(")[1])
    with pytest.raises(ik.ValidationError) as single:
        ik.load(path)
    assert "cannot read" in single.value.errors[0]


def test_an_unlistable_folder_is_an_error_not_empty(tmp_path, monkeypatch):
    # Simulated: the tests may run as root, who may list any folder.
    _good(tmp_path)

    def refuse(path: object) -> object:
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(os, "scandir", refuse)
    result = ik.load_many(tmp_path, errors="collect")
    assert result.records == []
    assert [error.errors for error in result.errors] == [
        [f"{tmp_path}: $: cannot list the folder (Permission denied)"]
    ]
    with pytest.raises(ik.ValidationError, match="cannot list the folder"):
        ik.load_many(tmp_path)


def _tree(root, names):
    for name in names:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"{}")


def test_recursive_walk_descends_in_name_order(tmp_path):
    _tree(tmp_path, ["b.json", "a/x.json", "a/b/y.json", "c/z.txt", "a.json"])
    shallow = [where for where, _ in iter_sources(tmp_path)]
    deep = [where for where, _ in iter_sources(tmp_path, recursive=True)]
    assert shallow == [str(tmp_path / "a.json"), str(tmp_path / "b.json")]
    # Sorted by name at every level: "a" < "a.json" < "b.json" < "c".
    assert deep == [
        str(tmp_path / "a" / "b" / "y.json"),
        str(tmp_path / "a" / "x.json"),
        str(tmp_path / "a.json"),
        str(tmp_path / "b.json"),
    ]


def test_exclude_matches_names_and_relative_paths(tmp_path):
    _tree(
        tmp_path,
        [".git/h.json", "a/.hidden.json", "a/x.json", "old/2019/y.json", "old/z.json"],
    )

    def walked(exclude):
        found = iter_sources(tmp_path, recursive=True, exclude=exclude)
        return [Path(where).relative_to(tmp_path).as_posix() for where, _ in found]

    assert walked(()) == [
        ".git/h.json",
        "a/.hidden.json",
        "a/x.json",
        "old/2019/y.json",
        "old/z.json",
    ]
    assert walked([".*"]) == ["a/x.json", "old/2019/y.json", "old/z.json"]
    assert walked(".*") == walked([".*"])  # a lone pattern is one pattern
    assert walked([".*", "old/2019"]) == ["a/x.json", "old/z.json"]
    # A file named explicitly is read even when a pattern matches it.
    named = iter_sources([tmp_path / ".git" / "h.json"], exclude=[".*"])
    assert [where for where, _ in named] == [str(tmp_path / ".git" / "h.json")]


def test_recursive_walk_keeps_the_link_limits(tmp_path):
    _tree(tmp_path, ["pm/a/x.json", "outside/secret.json"])
    (tmp_path / "pm" / "loop").symlink_to(tmp_path / "pm")
    (tmp_path / "pm" / "out").symlink_to(tmp_path / "outside")
    found = dict(iter_sources(tmp_path / "pm", recursive=True))
    assert found[str(tmp_path / "pm" / "a" / "x.json")] == b"{}"
    assert "links back to a folder" in found[str(tmp_path / "pm" / "loop")].errors[0]
    assert "links outside the folder" in found[str(tmp_path / "pm" / "out")].errors[0]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"recursive": "yes"}, "recursive: expected True or False, got 'yes'"),
        ({"exclude": 3}, "exclude: expected glob patterns such as ['.*'], got 3 (int)"),
        (
            {"exclude": [".*", 3]},
            "exclude[1]: expected a glob pattern (text), got 3 (int)",
        ),
    ],
)
def test_walk_options_are_validated(tmp_path, options, message):
    with pytest.raises(ik.ValidationError) as caught:
        list(iter_sources(tmp_path, **options))
    assert caught.value.errors == [message]


def test_load_many_walks_recursively_on_request(tmp_path, example_doc):
    _tree(tmp_path, ["sub/placeholder.txt"])
    (tmp_path / "sub" / "inc.json").write_text(json.dumps(example_doc))
    assert len(ik.load_many(tmp_path)) == 0
    assert len(ik.load_many(tmp_path, recursive=True)) == 1
    assert len(ik.load_many(tmp_path, recursive=True, exclude=["sub"])) == 0


# --- API list responses (issue 13) --------------------------------------------

_FIXTURES = Path(__file__).parent / "fixtures"


def test_a_pagerduty_list_response_is_many_documents(tmp_path):
    # The OpenAPI example of GET /incidents: one bare incident, PT4KHLK.
    source = tmp_path / "incidents.json"
    source.write_bytes(
        (_FIXTURES / "pagerduty" / "lists" / "openapi-list-incidents.json").read_bytes()
    )
    result = ik.load_many(source, format="pagerduty")
    assert result.sources == [f"{source}[0]"]
    assert [r.incident.id for r in result.records] == ["PT4KHLK"]
    assert len(ik.load_table(source, format="pagerduty")) == 1


def test_an_incidentio_list_response_is_many_documents(tmp_path):
    source = tmp_path / "incidents.json"
    source.write_bytes(
        (
            _FIXTURES / "incidentio" / "lists" / "openapi-list-incidents.json"
        ).read_bytes()
    )
    (rec,) = ik.load_many(source, format="incidentio").records
    assert rec.incident.id == "01FDAG4SAP5TYPT98WGR2N7W91"


def test_a_statuspage_incidents_json_keeps_its_page(tmp_path):
    # Two real incidents in the shape of a page's incidents.json.
    documents = [
        json.loads((_FIXTURES / "statuspage" / f"{name}.json").read_text("utf-8"))
        for name in ("00km0kwpz23b", "lc8s9rtyjmgq")
    ]
    source = tmp_path / "incidents.json"
    source.write_text(
        json.dumps(
            {
                "page": documents[0]["page"],
                "incidents": [doc["incident"] for doc in documents],
            }
        )
    )
    result = ik.load_many(source, format="statuspage")
    assert [r.incident.id for r in result.records] == ["00km0kwpz23b", "lc8s9rtyjmgq"]
    assert {r.incident.extra["statuspage"]["page_name"] for r in result.records} == {
        "GitHub"
    }


def test_each_element_of_an_array_is_a_document_and_errors_name_its_index(tmp_path):
    good = json.loads(ik.dumps(ik.example()))
    source = tmp_path / "array.json"
    source.write_text(json.dumps([good, {"incident": {"id": "X"}}, good]))
    result = ik.load_many(source, errors="collect")
    assert result.sources == [f"{source}[0]", f"{source}[2]"]
    (error,) = result.errors
    assert error.errors[0].startswith(f"{source}[1]: incident.title:")
    table = ik.load_table(source, errors="collect")
    assert len(table) == 2
    with pytest.raises(ik.ValidationError, match=r"array\.json\[1\]"):
        ik.load_many(source)


def test_load_on_a_list_says_to_use_load_many(tmp_path):
    source = tmp_path / "array.json"
    source.write_text(json.dumps([json.loads(ik.dumps(ik.example()))] * 3))
    with pytest.raises(ik.ValidationError) as caught:
        ik.load(source)
    assert caught.value.errors == [
        f"{source}: $: a JSON array of 3 documents, not one incident; read it "
        "with load_many or load_table, which take each element as a document"
    ]
    with pytest.raises(ik.ValidationError, match="load_many"):
        ik.from_dict({"incidents": []}, format="pagerduty")


def test_an_empty_list_response_is_no_incident(tmp_path):
    source = tmp_path / "empty.json"
    source.write_text('{"incidents": []}')
    assert ik.load_many(source, format="incidentio").records == []


def test_a_load_result_prints_its_counts_and_first_problems(tmp_path):
    # Two bad lines (4 missing fields; not JSON) and 11 more lines missing
    # their title: 13 documents failed, 4 + 1 + 11 = 16 problems, 10 shown.
    good = ik.dumps(ik.example()).replace("\n", "")
    lines = [good, '{"incident": {"id": "x"}}', "not json", good]
    missing_title = json.loads(good)
    del missing_title["incident"]["title"]
    lines += [json.dumps(missing_title)] * 11
    path = tmp_path / "mixed.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    printed = str(ik.load_many(path, errors="collect")).splitlines()
    assert printed[0] == "2 records loaded, 13 documents failed"
    assert printed[1] == f"  {path}:2: incident.title: required field is missing"
    assert len(printed) == 1 + 10 + 1
    assert printed[-1] == "  … and 6 more problems (see .errors)"
