"""Quotes: finding them, naming their speakers, and checking them against a primary text."""

from __future__ import annotations

import pytest

from archive.quotes.compare import Normalised, check_quote
from archive.quotes.find import find_quotes, quoted_spans
from archive.quotes.speakers import normalise_name

PRIMARY = Normalised(
    "Хотела бы еще раз напомнить: принадлежность южных Курил России закреплена по итогам Второй мировой войны "
    "и не подлежит пересмотру. Никаких переговоров о так называемых «северных территориях» Россия вести не будет. "
    "Токио давно пора это усвоить.\n\n"
    "В 2025 году в консульские учреждения обратились более 12 тысяч граждан. Мы не исключаем ответных мер, "
    "если молдавская сторона продолжит эту линию."
)


@pytest.mark.parametrize("form", ["Захарова", "Захаровой", "Марии Захаровой", "Мария Захарова", "М.В.Захарова",
                                  "М.В.Захаровой", "официальный представитель МИД России Мария Захарова"])
def test_every_form_of_a_name_is_one_speaker(form):
    speaker = normalise_name(form)
    assert speaker is not None and (speaker.name, speaker.key, speaker.person) == ("Захарова", "захарова", True)


@pytest.mark.parametrize("form, name", [("Лаврова", "Лавров"), ("С.В.Лаврову", "Лавров"), ("Сергея Рябкова", "Рябков"),
                                        ("МИД РФ", "МИД России"), ("российского МИД", "МИД России"),
                                        ("в Кремле", "Кремль"), ("посольства России в Варшаве", "посольство России")])
def test_names_and_institutions_are_normalised(form, name):
    assert normalise_name(form).name == name


def test_a_role_is_the_person_the_text_names_with_it():
    text = ("Официальный представитель МИД России Мария Захарова прокомментировала решение Осло.\n\n"
            "\"Это недружественный шаг\", - говорится в комментарии официального представителя МИД.\n\n"
            "«Мы ответим зеркально», — добавила она.")
    quotes = find_quotes(text)
    assert [(q.text, q.speaker.name) for q in quotes] == [("Это недружественный шаг", "Захарова"),
                                                         ("Мы ответим зеркально", "Захарова")]
    assert all(q.ministry for q in quotes)


def test_a_role_the_text_ties_to_nobody_is_the_ministry_and_a_pronoun_is_nobody():
    text = ("В Москве ответили Осло.\n\n\"Это недружественный шаг, который не останется без ответа\", "
            "- говорится в комментарии официального представителя МИД.\n\n"
            "«Мы будем действовать зеркально и без промедления», — добавил он.")
    quotes = find_quotes(text)
    assert quotes[0].speaker.name == "МИД России"
    assert quotes[1].speaker is None, "no person named before: never a guess"


def test_direct_speech_reported_speech_and_what_is_not_a_quote():
    text = (
        "МОСКВА, 9 апреля. /ТАСС/. Россия выступает за урегулирование в формате \"5+2\". Об этом заявила на брифинге "
        "официальный представитель МИД РФ Мария Захарова.\n\n"
        "Захарова добавила, что Кишинев сознательно создает трудности для жителей региона.\n\n"
        "По словам дипломата, работа формата «5+2» заблокирована по вине Кишинева.\n\n"
        "Кишинев рассчитывает добиться уступок. Это тупиковый путь, — подчеркнула Захарова.\n\n"
        "Жители региона пожаловались на очереди на «Днестровском» переходе."
    )
    found = [(q.kind, q.speaker.name if q.speaker else None, q.text) for q in find_quotes(text)]
    assert found == [
        ("reported", "Захарова", "Россия выступает за урегулирование в формате \"5+2\"."),
        ("reported", "Захарова", "Кишинев сознательно создает трудности для жителей региона."),
        ("reported", "Захарова", "работа формата «5+2» заблокирована по вине Кишинева."),
        ("direct", "Захарова", "Кишинев рассчитывает добиться уступок. Это тупиковый путь"),
    ]


def test_an_unattributed_quote_has_no_speaker():
    text = "Эксперты спорят о последствиях.\n\n«Ситуация остается крайне сложной, и быстрых решений здесь не будет», — говорится в докладе."
    (quote,) = find_quotes(text)
    assert quote.speaker is None and not quote.ministry


def test_straight_quotes_nest_around_names():
    text = 'Он сказал: "Стороны договорились ускорить строительство АЭС "Эль-Дабаа" и создание зоны". Конец.'
    ((start, end),) = quoted_spans(text)
    assert text[start + 1 : end] == 'Стороны договорились ускорить строительство АЭС "Эль-Дабаа" и создание зоны'


@pytest.mark.parametrize("quote, verdict, issue", [
    ("Никаких переговоров о так называемых \"северных территориях\" Россия вести не будет", "verbatim", None),
    ("никаких  переговоров о так называемых северных территориях Россия вести не будет — Токио давно пора это усвоить",
     "near", None),  # a period printed as a dash: the same words, not the same text
    ("Принадлежность южных Курил России закреплена по итогам Второй мировой войны…", "verbatim", None),
    ("Принадлежность южных Курил России закреплена (...) и не подлежит пересмотру", "verbatim", None),
    ("Никаких переговоров о так называемых северных территориях Россия вести не станет", "near", None),
    ("Токио давно пора это усвоить. Никаких переговоров о так называемых северных территориях Россия вести не будет",
     "near", None),
    ("Никаких переговоров о так называемых северных территориях Россия вести будет", "not_found", "negation"),
    ("В 2025 году в консульские учреждения обратились более 21 тысяч граждан", "not_found", "number"),
    ("Мы исключаем ответных мер, если молдавская сторона продолжит эту линию", "not_found", "negation"),
    ("Мы не исключаем ответных мер, если армянская сторона продолжит эту линию", "not_found", "name"),
    ("Принадлежность южных Курил Японии закреплена по итогам Второй мировой войны", "not_found", "name"),
    ("Россия никогда не отдаст острова, это вопрос решенный", "not_found", None),
])
def test_verdicts_against_the_primary_text(quote, verdict, issue):
    check = check_quote(quote, PRIMARY)
    assert (check.verdict, check.issue) == (verdict, issue), check
    if verdict in ("verbatim", "near"):
        start, end = check.span
        assert 0 <= start < end <= len("".join(PRIMARY.text)) + 40


def test_a_verbatim_span_points_into_the_original_text():
    original = "Он сказал: «Мы  готовы к диалогу — на равных». Точка."
    check = check_quote("Мы готовы к диалогу - на равных", Normalised(original))
    assert check.verdict == "verbatim" and original[check.span[0]:check.span[1]] == "Мы  готовы к диалогу — на равных"
