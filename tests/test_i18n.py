"""The message catalogues (taskdef/text/messages/<language>.toml): every language has every key with the same
fields, Korean has no hedged particles and no English sentence, and what the team reads in Korean (the main
job's errors and warnings, permissions.md, explain) is Korean from end to end."""

from __future__ import annotations

import copy
import json
import pickle
import re

import pytest

from taskdef.account import explain
from taskdef.input.settings import ROOT
from taskdef.model.pipeline import JobError, prepare
from taskdef.output import permissions as report
from taskdef.text import i18n
from taskdef.text import language as language_module
from taskdef.text.i18n import Either, Text, fields_of, say, t

from .conftest import default_task_definition, plan_for
from .test_denials import PASTED, SHAPES

HEDGED = re.compile(r"을\(를\)|를\(을\)|이\(가\)|가\(이\)|은\(는\)|는\(은\)|와\(과\)|과\(와\)|\(으\)로|\(이\)")
HANGUL = re.compile(r"[가-힣]")
_CODE = re.compile(r"`[^`\n]*`")
_FIELD = re.compile(r"\{[A-Za-z_0-9]+\}")


def english_runs(text: str, *, words: int = 3) -> list[str]:
    """Runs of ``words`` or more plain English words in a row, outside code spans: English sentences.

    Identifiers are not words here: anything with a digit, a capital, ':', '/', '.', '_', '=' or '@' in it
    (ARNs, actions, JSON paths, Sids, file names, AWS product names)."""
    found = []
    for sentence in re.split(r"[.!?;:\n()]|\s-\s", _CODE.sub(" ", _FIELD.sub(" X ", text))):
        run: list[str] = []
        for token in sentence.split() + [""]:
            word = token.strip(",\"'")
            if re.fullmatch(r"[a-z]{2,}", word):
                run.append(word)
                continue
            if len(run) >= words:
                found.append(" ".join(run))
            run = []
    return found


def english_words(text: str) -> list[str]:
    """Plain English words outside code spans, one is enough: what a Korean reader should never meet.

    A word is lower-case letters only; identifiers (with a digit, capital, '.', ':', '/', '_', '-', '=' or '@')
    pass, and so do AWS product names (capitalised), a value as the input wrote it (quoted: ``"yes"``) and a
    JSON path before its message (``cpu: ...``). A Korean particle or noun written onto a word is cut off
    first (``apply가`` is ``apply``)."""
    found = []
    for token in _CODE.sub(" ", _FIELD.sub(" X ", text)).split():
        if token.lstrip("(").startswith(("'", '"')) or token.endswith(":"):
            continue
        word = re.sub(r"[가-힣].*$", "", token.strip("()[],\"'.:;!?")).strip("()[],\"'.:;!?")
        if re.fullmatch(r"[a-z]{2,}", word):
            found.append(word)
    return found


def test_english_words_finds_a_lone_word_and_passes_identifiers():
    assert english_words("apply 후") == ["apply"] and english_words("apply가 등록합니다") == ["apply"]
    assert english_words("settings deployer.run.wait: 기다립니다") == ["settings"]
    assert english_words("`verify` 명령, `true` 값, arn:aws:iam::1:role/x, ig-notification, AWS Organizations") == []
    assert english_words("cpu: 값이어야 합니다(지금 값: \"yes\"). 'awsvpc' 값을 뜻하셨습니까?") == []


def test_english_runs_finds_a_sentence_and_passes_identifiers():
    assert english_runs("the deployer registers revisions") == ["the deployer registers revisions"]
    assert english_runs("`npx cdktf deploy ig-notification-prod` 명령을 실행하십시오") == []
    assert english_runs("arn:aws:iam::575084400422:role/ecsTaskRole 역할의 iam:PassRole 작업") == []


def test_every_language_has_every_key_with_the_same_fields():
    assert i18n.LANGUAGES[0] == i18n.DEFAULT_LANGUAGE == "en" and "ko" in i18n.LANGUAGES
    english = i18n.catalog("en")
    for language in i18n.LANGUAGES:
        catalog = i18n.catalog(language)
        assert set(catalog) == set(english), (language, set(catalog) ^ set(english))
        for key, template in english.items():
            assert fields_of(catalog[key]) == fields_of(template), (language, key)


def test_korean_has_no_hedged_particle():
    hedged = {key: template for key, template in i18n.catalog("ko").items() if HEDGED.search(template)}
    assert hedged == {}


def test_every_korean_message_rendered_is_korean():
    """Each key, with a sample value for each field (an identifier, as fields are): no English sentence left,
    and every message that says anything in words says it in Korean."""
    english, korean = i18n.catalog("en"), i18n.catalog("ko")
    for key, template in korean.items():
        rendered = template.format(**{name: f"X{name}" for name in fields_of(template)})
        assert english_runs(rendered) == [], (key, rendered)
        assert english_words(rendered) == [], (key, rendered)
        if re.search(r"[a-z]{3,} [a-z]{3,}", _CODE.sub("", _FIELD.sub("", english[key]))):
            assert HANGUL.search(rendered), (key, rendered)


def test_the_locale_chooses_the_language_when_report_language_is_unset():
    assert language_module.language_from_env({"LANG": "ko_KR.UTF-8"}) == "ko"
    assert language_module.language_from_env({"LC_ALL": "ko_KR.UTF-8", "LANG": "en_US.UTF-8"}) == "ko"
    assert language_module.language_from_env({"LANG": "C.UTF-8"}) == "en"
    assert language_module.language_from_env({"LANG": "fr_FR.UTF-8"}) == "en"  # no French catalogue: English
    assert language_module.language_from_env({"REPORT_LANGUAGE": "en", "LANG": "ko_KR.UTF-8"}) == "en"
    assert language_module.language_from_env({}) == "en"


def test_a_text_is_english_until_said_in_another_language():
    text = t("loader.integer", got='"512"')
    assert text == 'must be an integer, got "512"' and isinstance(text, str)
    assert say(text, "ko") == '정수여야 합니다(지금 값: "512")'
    nested = t("common.located", where="x.json: memory", message=text)
    assert say(nested, "ko") == 'x.json: memory: 정수여야 합니다(지금 값: "512")'
    assert say(Either([t("loader.type_string"), "null"]), "ko") == "문자열 값 또는 null"
    for copied in (copy.deepcopy(text), pickle.loads(pickle.dumps(text))):
        assert isinstance(copied, Text) and say(copied, "ko") == say(text, "ko")


def test_a_field_may_be_called_key():
    assert say(t("rules.tags_3", key="'aws:x'"), "ko").endswith("'aws:x'")


def test_a_bad_file_is_reported_in_korean(tmp_path):
    data = default_task_definition()
    data["containerDefinitions"][0]["essential"] = "yes"
    data["networkMode"] = "awsvcp"
    data["cpu"] = "300"
    data["containerDefinition"] = 1
    data["tags"].append({"key": "aws:x", "value": "1"})
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(JobError) as raised:
        prepare({"IG_ENV": "prod", "TASK_DEFINITION_FILE": str(path), "REPORT_LANGUAGE": "ko"})
    lines = raised.value.lines
    assert len(lines) == 5 and all(HANGUL.search(line) for line in lines)
    assert all(english_runs(line) == [] and english_words(line) == [] for line in lines), lines
    assert lines[1].startswith(f"{path}: containerDefinitions[0].essential: ")  # identifiers stay as they are
    with pytest.raises(JobError) as english:
        prepare({"IG_ENV": "prod", "TASK_DEFINITION_FILE": str(path), "LANG": "C.UTF-8"})
    assert english.value.lines[1] == f'{path}: containerDefinitions[0].essential: must be true or false, got "yes"'


def test_warnings_and_permissions_md_are_korean():
    data = default_task_definition()
    data["containerDefinitions"][0]["image"] += "-latest"
    data["containerDefinitions"][0]["image"] = data["containerDefinitions"][0]["image"].rsplit(":", 1)[0]
    data["containerDefinitions"][0]["environment"].append({"name": "DB_PASSWORD", "value": "x"})
    data["containerDefinitions"][0]["readonlyRootFilesystem"] = False
    plan = plan_for(data)
    assert len(plan.warnings) >= 3
    assert all(HANGUL.search(say(w, "ko")) and not english_runs(say(w, "ko")) for w in plan.warnings)
    text = report.render_permissions(plan, "ko")
    lines = [line for line in _outside_fences(text) if line.strip()]  # prose and tables alike
    assert [line for line in lines if english_runs(line) or english_words(line)] == []


def test_explain_in_korean_has_no_english_sentence():
    plan = plan_for()
    log = "\n".join(text for text, *_ in [*SHAPES.values(), *PASTED.values()])
    rendered = explain.render_text(explain.explain(log, plan, language="ko"), plan, "ko")
    assert [line for line in rendered.splitlines() if english_runs(line) or english_words(line)] == []
    assert "apply" not in rendered.replace("`npx cdktf deploy", "") and "trust/#" not in rendered


# --- the glossary (docs/languages.md) ----------------------------------------------------------------------


def glossary() -> list[tuple[str, list[str], list[str]]]:
    """(English, Korean terms, terms not to use) from the table under "## Glossary" in docs/languages.md."""
    text = (ROOT / "docs" / "languages.md").read_text(encoding="utf-8").split("## Glossary", 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 3 or cells[0] in ("English", "") or set(cells[0]) <= set("-"):
            continue
        split = lambda cell: [x.strip() for x in cell.split(",") if x.strip()]  # noqa: E731
        rows.append((cells[0], split(cells[1]), split(cells[2])))
    return rows


def _korean_prose() -> dict[str, str]:
    """Each Korean template with its code spans and fields taken out: what is said in words."""
    return {key: _CODE.sub(" ", _FIELD.sub(" ", template)) for key, template in i18n.catalog("ko").items()}


def test_the_glossary_is_there_and_korean_uses_its_terms():
    rows = glossary()
    assert len(rows) >= 20 and ("task definition", ["태스크 정의"], ["작업 정의"]) in rows
    catalogue = "\n".join(i18n.catalog("ko").values())
    for english, terms, _ in rows:
        for term in terms:
            assert term in catalogue, (english, term)


@pytest.mark.parametrize("english, avoid", [(e, a) for e, _, avoids in glossary() for a in avoids])
def test_korean_never_uses_a_term_the_glossary_rules_out(english, avoid):
    """The AWS console's one word for each thing: 태스크 정의 (never 작업 정의) for a task definition, 작업 for an
    IAM action, 수임 for a role a service assumes, and no English word (apply, synth, settings) outside code."""
    pattern = rf"\b{re.escape(avoid)}\b" if avoid.isascii() else re.escape(avoid)
    used = {key: prose for key, prose in _korean_prose().items() if re.search(pattern, prose)}
    assert used == {}, (english, avoid)


def _outside_fences(markdown: str) -> list[str]:
    out, fenced = [], False
    for line in markdown.splitlines():
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced:
            out.append(line)
    return out
