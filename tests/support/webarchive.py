"""A small archive for the web tests, built through the real path (add_article: classify, store,
link, index), with everything the reading pages show: one event reported by three outlets (an
original, a rewrite and a reprint), another ministry story, non-ministry news, and an article
the site changed after it was archived. Texts are invented for the tests."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from archive.models import Article
from archive.pipeline import add_article
from archive.schema import open_archive

QUOTE = ("«Мы сверили график предстоящих визитов на высшем уровне и договорились "
         "продолжить регулярные межмидовские консультации в Ташкенте»")
TASS_TEXT = (
    "МОСКВА, 8 апреля. /ТАСС/. Заместитель министра иностранных дел РФ Михаил Галузин провел в Москве "
    "переговоры с первым заместителем министра иностранных дел Узбекистана Бахромжоном Алоевым. "
    "Об этом сообщили в МИД России.\n\n"
    f"{QUOTE}, — сказал Галузин журналистам после встречи.\n\n"
    "Стороны также обсудили вопросы трудовой миграции и защиты прав граждан обеих стран."
)
REPRINT_TEXT = (
    "Заместитель министра иностранных дел РФ Михаил Галузин провел в Москве переговоры с первым "
    "заместителем министра иностранных дел Узбекистана Бахромжоном Алоевым, передает ТАСС. Об этом "
    "сообщили в МИД России.\n\n"
    f"{QUOTE}, — сказал Галузин журналистам после встречи.\n\n"
    "Стороны также обсудили вопросы трудовой миграции и защиты прав граждан обеих стран."
)
NEWSRU_TEXT = (
    "Первый замминистра иностранных дел Узбекистана Бахромжон Алоев провел в Москве переговоры с "
    "Михаилом Галузиным, который курирует в МИД России отношения со странами СНГ.\n\n"
    f"{QUOTE}, — рассказал Галузин. Дипломаты затронули трудовую миграцию и права граждан.\n\n"
    "Алоев пригласил российского коллегу посетить Ташкент летом."
)
VIETNAM_TEXT = (
    "Министр иностранных дел России Сергей Лавров провел в Москве переговоры с главой МИД Вьетнама "
    "Буй Тхань Соном. Стороны обсудили поставки удобрений и строительство атомной станции.\n\n"
    "«Мы договорились ускорить работу над соглашением о свободной торговле», — сказал Лавров."
)
KREMLIN_TEXT = (
    "Пресс-секретарь президента России Дмитрий Песков заявил журналистам, что в Кремле высоко оценивают "
    "развитие отношений с Вьетнамом. Песков не стал уточнять сроки возможного визита."
)
WEATHER_TEXT = "Синоптики пообещали жителям Екатеринбурга метель и мороз до минус 25 градусов в выходные."
ZAKHAROVA_FIRST = (
    "Официальный представитель МИД России Мария Захарова прокомментировала заявление главы МИД Латвии. "
    "По ее словам, Рига ищет внешнего врага."
)
ZAKHAROVA_EDITED = (
    "Официальный представитель МИД России Мария Захарова прокомментировала заявление главы МИД Латвии "
    "о «российской угрозе».\n\nПо ее словам, Рига ищет внешнего врага, чтобы отвлечь внимание от своих проблем."
)


@dataclass(frozen=True)
class WebArchive:
    path: Path
    tass_id: int  # the Галузин original
    newsru_id: int  # its rewrite by another outlet
    reprint_id: int  # its verbatim copy on a third site
    vietnam_id: int
    kremlin_id: int
    weather_id: int
    edited_id: int  # changed after it was archived: one earlier version


def _article(url: str, source: str, title: str, text: str, published: str, **extra) -> Article:
    return Article(url=url, source=source, title=title, text=text, published=published, **extra)


def build_web_archive(path: Path) -> WebArchive:
    db = open_archive(path)
    try:
        def add(article: Article) -> int:
            return add_article(db, article).article_id

        tass_id = add(_article(
            "https://tass.ru/politika/27398873", "tass",
            "Галузин и замглавы МИД Узбекистана сверили график визитов на высшем уровне", TASS_TEXT,
            "2026-04-08T17:25:00+03:00", lead="Встреча прошла в Москве, через два месяца после консультаций в Ташкенте",
            authors=["Редакция сайта ТАСС"], tags=["Узбекистан", "Михаил Галузин"], section="Международная панорама",
        ))
        reprint_id = add(_article(
            "https://regnews.example.ru/world/galuzin-aloev", "regnews.example.ru",
            "Галузин и замглавы МИД Узбекистана сверили график визитов", REPRINT_TEXT, "2026-04-08T18:05:00+03:00",
        ))
        newsru_id = add(_article(
            "https://news.ru/world/galuzin-i-aloev-obsudili-grafik-vizitov/", "newsru",
            "Галузин и Алоев обсудили график визитов на высшем уровне", NEWSRU_TEXT, "2026-04-08T19:10:00+03:00",
            tags=["Михаил Галузин", "Узбекистан"], section="Мир",
        ))
        vietnam_id = add(_article(
            "https://tass.ru/politika/100001", "tass", "Лавров провел переговоры с главой МИД Вьетнама",
            VIETNAM_TEXT, "2026-03-12T14:05:00+03:00",
        ))
        kremlin_id = add(_article(
            "https://news.ru/politics/kreml-vietnam/", "newsru", "В Кремле оценили отношения с Вьетнамом",
            KREMLIN_TEXT, "2026-03-12T16:00:00+03:00",
        ))
        weather_id = add(_article(
            "https://news.ru/society/metel/", "newsru", "Метель в Екатеринбурге", WEATHER_TEXT, "2026-03-13",
        ))
        edited_url = "https://tass.ru/mezhdunarodnaya-panorama/27416033"
        edited_title = "Захарова ответила на слова главы МИД Латвии"
        edited_id = add(_article(edited_url, "tass", edited_title, ZAKHAROVA_FIRST, "2026-04-14T14:50:00+03:00"))
        add(_article(edited_url, "tass", edited_title + " о «российской угрозе»", ZAKHAROVA_EDITED,
                     "2026-04-14T14:50:00+03:00"))
    finally:
        db.close()
    return WebArchive(path, tass_id, newsru_id, reprint_id, vietnam_id, kremlin_id, weather_id, edited_id)
