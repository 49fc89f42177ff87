"""The `mfa` flag: inflected forms, exclusions, other countries' ministries, a broken rules file."""

import json

import pytest

from archive.errors import ConfigError
from archive.models import Article
from archive.classify.relevance import classify
from conftest import shared_path


def _classify(text: str, title: str = "", rules=None):
    article = Article(url="https://example.ru/1", source="example.ru", title=title, text=text)
    return classify(article) if rules is None else classify(article, rules)


def test_inflected_names_and_bodies_count():
    verdict = _classify("Брифинг провела официальный представитель МИД РФ. Слова Захаровой привели СМИ.")
    assert verdict.mfa
    assert "person:Захарова" in verdict.reasons
    assert "phrase:официальный представитель МИД" in verdict.reasons


def test_ministry_spelled_out_in_another_case():
    verdict = _classify("Посол Польши был вызван в здание министерства иностранных дел России, где ему вручили ноту.")
    assert verdict.mfa
    assert "body:МИД России" in verdict.reasons


def test_kremlin_statement_is_not_ministry_news():
    verdict = _classify(
        "Пресс-секретарь президента Дмитрий Песков заявил, что Кремль сожалеет о решении Варшавы. "
        "Ранее в МИД пообещали ответные меры."
    )
    assert not verdict.mfa
    assert "exclude:Кремль" in verdict.reasons


def test_another_countrys_ministry_does_not_count():
    verdict = _classify("Официальный представитель МИД КНР заявил, что Пекин вводит безвизовый режим для россиян.")
    assert not verdict.mfa


def test_unrelated_news_has_no_reasons():
    verdict = _classify("В Петербурге в выходные ожидается мокрый снег и порывистый ветер.")
    assert verdict == type(verdict)(mfa=False, reasons=[])


def test_broken_rules_file_is_a_one_line_config_error(tmp_path):
    rules = tmp_path / "relevance.toml"
    rules.write_text('[[rule]]\nkind = "person"\nname = "Лавров"\nmatch = "лавров"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        _classify("Лавров прибыл в Каир", rules=rules)
    assert "match must be a non-empty list" in str(caught.value)
    assert "\n" not in str(caught.value)
    rules.write_text("[[rule]\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid TOML"):
        _classify("Лавров прибыл в Каир", rules=rules)


def test_edited_rules_file_takes_effect(tmp_path):
    rules = tmp_path / "relevance.toml"
    rules.write_text('[[rule]]\nkind = "person"\nname = "Иванов"\nmatch = ["иванов", "иванова"]\n', encoding="utf-8")
    assert _classify("Замминистра Иванов и Иванова приехали.", rules=rules).mfa
    rules.write_text('[decision]\nthreshold = 100\n[[rule]]\nkind = "person"\nname = "Иванов"\nmatch = ["иванов"]\n',
                     encoding="utf-8")
    import os
    os.utime(rules, (rules.stat().st_atime, rules.stat().st_mtime + 5))
    assert not _classify("Замминистра Иванов и Иванова приехали.", rules=rules).mfa


def test_devset_precision_and_recall():
    devset = shared_path("devset", "stories.jsonl")
    truth, predicted = [], []
    for line in devset.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        truth.append(record["mfa"])
        predicted.append(_classify(record["text"], record["title"] or "").mfa)
    true_positive = sum(t and p for t, p in zip(truth, predicted))
    assert true_positive / sum(predicted) >= 0.97
    assert true_positive / sum(truth) >= 0.97
