"""Press reports of the ministry's documents (day1, written for the mirror), and what is known
about each press page's primary source and quotes.

The new TASS and news.ru pages here carry the quotation cases an analyst meets: a truncated
quote, a paraphrase printed as a quote, a dropped negation, a changed number and a quote
given to the wrong speaker. Faithful quotes are in the other TASS and news.ru pages, and a
quote with no primary text online is TASS's report of a Telegram post (ZAKHAROVA_LATVIA).

`PRIMARY_SOURCES` says, for every ministry-related press page of the mirror, which mid.ru
document (and which part of it, by its subheading) it reports, or None when the document is
not on the mirror: that includes the hard negatives, reports of the same spokeswoman on the
same topic at another briefing, of the same officials two months earlier, or of another
document of the same day.
"""

from __future__ import annotations

from . import content_day2 as d
from . import content_midru as m
from . import content_newsru as n
from . import content_tass as t
from .authoring import newsru, tass

ARMENIA_TRUNCATED = newsru(
    "world", "zaharova-prizvala-erevan-opredelitsya-s-chlenstvom-v-odkb", "2026-04-09 14:10",
    "Захарова призвала Ереван определиться с членством в ОДКБ",
    "В МИД России ждут от армянских властей ясного ответа",
    [
        "Официальный представитель МИД России Мария Захарова на брифинге призвала армянское руководство внести ясность в вопрос об участии республики в ОДКБ.",
        "«Хотелось бы, чтобы партнеры определились…» — сказала Захарова, отвечая на вопрос о противоречивых заявлениях армянских политиков.",
        "По ее словам, «партнерам давно пора определиться и прямо заявить о своем выборе, а не играть в двусмысленность».",
        "Армения заморозила участие в мероприятиях организации еще в 2024 году, однако официально из нее не вышла.",
    ],
    tags=("Армения", "ОДКБ", "Мария Захарова"), event="zakharova-armenia-csto-apr09", mfa=True,
)

ARMENIA_WRONG_SPEAKER = newsru(
    "vlast", "lavrov-moskva-zhdet-ot-erevana-yasnosti-po-odkb", "2026-04-09 15:05",
    "В Москве ждут от Еревана ясности по ОДКБ",
    "Российская дипломатия указала на противоречивые сигналы из Армении",
    [
        "Москва рассчитывает получить от Армении четкий ответ о ее будущем в Организации Договора о коллективной безопасности. С таким заявлением выступил министр иностранных дел России Сергей Лавров.",
        "«Мы слышим из Еревана взаимоисключающие сигналы», — заявил Лавров.",
        "Глава российского МИД добавил, что двери организации для Армении по-прежнему открыты.",
    ],
    tags=("Армения", "ОДКБ", "Сергей Лавров"), event="zakharova-armenia-csto-apr09", mfa=True,
)

NORWAY_NEGATION = tass(
    27401877, "mezhdunarodnaya-panorama", "2026-04-08 17:55",
    "Захарова назвала высылку российского дипломата из Норвегии недружественным шагом",
    "Официальный представитель МИД РФ пообещала ответные меры",
    [
        "МОСКВА, 8 апреля. /ТАСС/. Решение властей Норвегии выслать сотрудника российского посольства в Осло является недружественным шагом. Об этом говорится в комментарии официального представителя МИД РФ Марии Захаровой.",
        "\"Это очередной недружественный шаг, который останется без ответа\", - говорится в комментарии официального представителя МИД.",
        "Норвежские власти накануне объявили российского дипломата персоной нон грата.",
    ],
    tags=("Норвегия", "Мария Захарова"), event="norway-expulsion-apr08", mfa=True,
)

AUSTRALIA_NUMBER = newsru(
    "world", "rossiya-zakryla-vezd-eshche-tridcati-dvum-avstralijcam", "2026-04-11 21:15",
    "Россия закрыла въезд еще 32 австралийцам",
    "МИД ответил на новые санкции Канберры",
    [
        "Министерство иностранных дел России расширило список граждан Австралии, которым запрещен въезд в страну. Решение стало ответом на очередной пакет санкций Канберры.",
        "«Принято решение о закрытии въезда в Российскую Федерацию еще для 32 граждан этой страны», — говорится в заявлении МИД России.",
        "В стоп-лист попали военные, руководители оборонных компаний и журналисты.",
    ],
    tags=("Австралия", "санкции", "МИД РФ"), event="australia-stop-list-apr11", mfa=True,
)

EGYPT_JOINT_STATEMENT = tass(
    27416160, "mezhdunarodnaya-panorama", "2026-04-14 15:55",
    "Россия и Египет договорились ускорить строительство АЭС \"Эль-Дабаа\"",
    "Министры иностранных дел двух стран приняли совместное заявление",
    [
        "МОСКВА, 14 апреля. /ТАСС/. Министры иностранных дел России и Египта Сергей Лавров и Бадр Абдель Ати приняли по итогам переговоров в Москве совместное заявление. Текст документа опубликован на сайте МИД РФ.",
        "\"Стороны договорились ускорить строительство атомной электростанции \"Эль-Дабаа\" и создание российской промышленной зоны в районе Суэцкого канала\", - говорится в заявлении.",
        "Министры также призвали к немедленному прекращению огня в секторе Газа.",
    ],
    tags=("Египет", "Сергей Лавров", "АЭС"), event="russia-egypt-joint-statement-apr14", mfa=True,
)

ENTRIES = [ARMENIA_TRUNCATED, ARMENIA_WRONG_SPEAKER, NORWAY_NEGATION, AUSTRALIA_NUMBER, EGYPT_JOINT_STATEMENT]

# Press page path -> (mid.ru document path, subheading of the part it reports or None for a
# document without parts or a report of the whole document), or None: no document online.
PRIMARY_SOURCES: dict[str, tuple[str, str | None] | None] = {
    t.ZAKHAROVA_KURILS_FEB.path: (m.BRIEFING_FEB26.path, "О заявлениях японских политиков по так называемым «северным территориям»"),
    t.RYABKOV_MARCH.path: (m.INTERVIEW_RYABKOV_MARCH.path, None),
    n.RYABKOV_MARCH_REWRITE.path: (m.INTERVIEW_RYABKOV_MARCH.path, None),
    t.GALUZIN_TASHKENT_APR.path: (m.NEWS_GALUZIN_ALOYEV.path, None),
    n.NORWAY_EXPULSION.path: (m.COMMENT_NORWAY.path, None),
    NORWAY_NEGATION.path: (m.COMMENT_NORWAY.path, None),
    # The spokeswoman's comment on the same restrictions the day before is a candidate too.
    t.ZAKHAROVA_MOLDOVA.path: (m.BRIEFING_APR09.path, "О ситуации вокруг Приднестровья"),
    n.MOLDOVA_REWRITE.path: (m.BRIEFING_APR09.path, "О ситуации вокруг Приднестровья"),
    t.ZAKHAROVA_ARMENIA.path: (m.BRIEFING_APR09.path, "Об участии Армении в Организации Договора о коллективной безопасности"),
    ARMENIA_TRUNCATED.path: (m.BRIEFING_APR09.path, "Об участии Армении в Организации Договора о коллективной безопасности"),
    ARMENIA_WRONG_SPEAKER.path: (m.BRIEFING_APR09.path, "Об участии Армении в Организации Договора о коллективной безопасности"),
    t.ESTONIA_NOTE.path: (m.NEWS_ESTONIA.path, None),
    n.ESTONIA_REWRITE.path: (m.NEWS_ESTONIA.path, None),
    t.CHINA_UN_CONSULTATIONS.path: (m.NEWS_CHINA_UN.path, None),
    n.LITHUANIA_CP1251.path: (m.ANSWER_LITHUANIA.path, None),
    t.AUSTRALIA_STOP_LIST.path: (m.STATEMENT_AUSTRALIA.path, None),
    n.AUSTRALIA_REPRINT.path: (m.STATEMENT_AUSTRALIA.path, None),
    AUSTRALIA_NUMBER.path: (m.STATEMENT_AUSTRALIA.path, None),
    t.LAVROV_FIDAN_PREVIEW.path: (m.NEWS_FIDAN_PREVIEW.path, None),
    t.LAVROV_FIDAN.path: (m.SPEECH_FIDAN_PRESSER.path, None),
    n.LAVROV_FIDAN_REWRITE.path: (m.SPEECH_FIDAN_PRESSER.path, None),
    t.GRUSHKO_BALTIC.path: (m.INTERVIEW_GRUSHKO.path, None),
    n.GRUSHKO_REWRITE.path: (m.INTERVIEW_GRUSHKO.path, None),
    EGYPT_JOINT_STATEMENT.path: (m.JOINT_STATEMENT_EGYPT.path, None),
    d.MOLDOVA_AMBASSADOR.path: (d.NEWS_MOLDOVA_AMBASSADOR.path, None),  # day2
    d.MOLDOVA_AMBASSADOR_REWRITE.path: (d.NEWS_MOLDOVA_AMBASSADOR.path, None),  # day2
    # Hard negatives: the same people or topic, but no document of theirs on the mirror.
    t.GALUZIN_TASHKENT_FEB.path: None,  # the February consultations in Tashkent, not April's talks
    t.LAVROV_PRESSER.path: None,  # Lavrov's press conference, not the joint statement of the same day
    n.LAVROV_LIVE.path: None,
    t.GRUSHKO_FEB.path: None,  # Grushko on NATO two months before his April interview
    t.RYABKOV_MISSILES.path: None,  # Ryabkov to journalists, not his March interview
    n.RYABKOV_MISSILES_REWRITE.path: None,
    t.ZAKHAROVA_LATVIA.path: None,  # Zakharova's Telegram post
    n.ZAKHAROVA_LONDON.path: None,
    t.EMBASSY_LONDON_VISAS.path: None,
    t.EMBASSY_WASHINGTON.path: None,
    n.WASHINGTON_REPRINT.path: None,
    t.POLAND_CONSULAR_VISIT.path: None,
    n.GALUZIN_ARMENIA.path: None,
    n.GALUZIN_TAJIKISTAN.path: None,
    n.THAILAND_EMBASSY.path: None,
    n.TRAVEL_LONG.path: None,
}

# Press page path -> its quotations of the ministry as (the quoted words as printed, speaker,
# expected verdict, what changes the meaning or None). Verdicts: verbatim, near, not_found,
# or None when the quote has no primary text to be checked against.
QUOTE_CASES: dict[str, list[tuple[str, str | None, str | None, str | None]]] = {
    t.ESTONIA_NOTE.path: [(
        "Эстонской стороне заявлен решительный протест в связи с незаконными действиями в отношении судна, "
        "следовавшего транзитом в российский порт. Потребовали незамедлительно освободить судно и членов экипажа",
        "МИД России", "verbatim", None,
    )],
    ARMENIA_TRUNCATED.path: [
        ("Хотелось бы, чтобы партнеры определились…", "Захарова", "verbatim", None),
        ("партнерам давно пора определиться и прямо заявить о своем выборе, а не играть в двусмысленность",
         "Захарова", "not_found", None),
    ],
    NORWAY_NEGATION.path: [("Это очередной недружественный шаг, который останется без ответа", "Захарова", "not_found", "negation")],
    AUSTRALIA_NUMBER.path: [(
        "Принято решение о закрытии въезда в Российскую Федерацию еще для 32 граждан этой страны",
        "МИД России", "not_found", "number",
    )],
    ARMENIA_WRONG_SPEAKER.path: [("Мы слышим из Еревана взаимоисключающие сигналы", "Лавров", "verbatim", "speaker")],
    t.ZAKHAROVA_LATVIA.path: [(
        "Рижские политики годами пугают собственное население мнимой угрозой с Востока, чтобы оправдать "
        "провалы в экономике и отъезд молодежи из страны",
        "Захарова", None, None,
    )],
}
