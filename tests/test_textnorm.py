"""Russian normalization: what reprints differ by must disappear, what events differ by must stay."""

from archive.textnorm import normalize, stem_phrase, stems, words


def test_tass_dateline_and_attribution_are_removed():
    text = "МОСКВА, 10 декабря. /ТАСС/. Захарова заявила об этом журналистам, передает ТАСС."
    assert normalize(text) == "захарова заявила об этом журналистам."


def test_ria_and_correspondent_datelines_are_removed():
    assert normalize("МОСКВА, 10 дек — РИА Новости. Лавров прибыл в Каир").startswith("лавров прибыл")
    assert normalize("ВЛАДИВОСТОК, 1 сентября. /Корр. ТАСС Иван Петров/. Текст").startswith("текст")


def test_a_dateline_in_the_middle_is_kept():
    text = "Лавров сказал: МОСКВА, 10 декабря, будет решать сама."
    assert "москва" in normalize(text)


def test_quotes_dashes_and_yo_are_unified():
    assert normalize("«Ёлка» — „её“ выбор") == normalize('"Елка" - "ее" выбор')


def test_hyphenated_words_stay_whole():
    assert words(normalize("Из-за погоды рейс в Ростов-на-Дону задержан")) == [
        "из-за", "погоды", "рейс", "в", "ростов-на-дону", "задержан",
    ]


def test_inflected_phrases_share_stems():
    assert stem_phrase("министерства иностранных дел") == stem_phrase("министерством иностранных дел")
    assert stems(["посольства"]) == stems(["посольство"])
