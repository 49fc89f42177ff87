"""Site furniture shared by every mirror page: menus, trending topics, feed fillers, notices.

Written for the mirror (not copied from the real sites); the seed pages may override the
news.ru blocks with their own lines at run time.
"""

from __future__ import annotations

import hashlib

TASS_RUBRICS = {
    "politika": "Политика",
    "mezhdunarodnaya-panorama": "Международная панорама",
    "ekonomika": "Экономика и бизнес",
    "sport": "Спорт",
    "obschestvo": "Общество",
    "v-strane": "В стране",
    "armiya-i-opk": "Армия и ОПК",
    "video": "Видео",
}
TASS_SECTION_PAGES = ("politika", "mezhdunarodnaya-panorama", "ekonomika", "sport")
# RSS <category> values per rubric: the real feed carries several, e.g. "В мире" and the rubric.
TASS_FEED_CATEGORIES = {
    "politika": ["Политика", "В России"],
    "mezhdunarodnaya-panorama": ["В мире", "Международная панорама"],
    "ekonomika": ["Экономика и бизнес"],
    "sport": ["Спорт"],
    "obschestvo": ["Общество"],
    "v-strane": ["В стране"],
    "armiya-i-opk": ["Армия и ОПК"],
    "video": ["Видео"],
}

NEWSRU_SECTIONS = {
    "vlast": "Власть",
    "world": "Мир",
    "economics": "Экономика",
    "sport": "Спорт",
    "society": "Общество",
    "tag": "Теги",
}
NEWSRU_SECTION_PAGES = ("vlast", "world", "economics", "sport")
# news.ru category feeds: feed path -> sections it carries.
NEWSRU_CATEGORY_FEEDS = {
    "/rss/category/post/world/": ("world",),
    "/rss/category/post/economics/": ("economics",),
}

TASS_BYLINE = "Редакция сайта ТАСС"
NEWSRU_PROMO = "Подписывайтесь на нас в MAX"
NEWSRU_FEED_TITLE = "ЛЕНТА НОВОСТЕЙ"
NEWSRU_FEED_MORE = "Дальше"
NEWSRU_POPULAR_TITLE = "Самое популярное"
NEWSRU_COOKIE = (
    "Используя сайт news.ru, вы соглашаетесь с использованием файлов cookie, в порядке, "
    "описанном в Политике обработки персональных данных."
)
NEWSRU_TRENDING = (
    "Переговоры по Украине",
    "Эвакуация россиян из Ирана",
    "Ключевая ставка ЦБ",
)
# Headlines that fill the news.ru "ЛЕНТА НОВОСТЕЙ" after the site's own latest articles.
NEWSRU_FEED_FILLERS = (
    "В Подмосковье открыли движение по новой развязке на Рублевском шоссе",
    "Синоптики пообещали Петербургу мокрый снег до конца недели",
    "Суд арестовал бывшего замглавы районной администрации в Тверской области",
    "В Самаре задержали подростков, поджигавших релейные шкафы",
    "Росавиация продлила ограничения на полеты в аэропорты юга России",
    "Врачи рассказали, как пережить весеннее обострение аллергии",
    "Жители Хабаровска пожаловались на перебои с горячей водой",
    "В Казани стартовал прием заявок на городские летние лагеря",
)
NEWSRU_POPULAR = (
    ("Сырники без муки, которые не разваливаются: рецепт для ленивого утра", "Общество"),
    ("Как сложилась жизнь звезды сериала «Кадетство» после ухода из профессии", "Культура"),
    ("Пять комнатных растений, которые переживут даже отпуск хозяина", "Общество"),
)
TASS_FOOTER = (
    "Информационное агентство России ТАСС. Свидетельство о регистрации СМИ "
    "№ 03247 выдано 02 апреля 1999 г. Государственным комитетом Российской Федерации по печати."
)
NEWSRU_FOOTER = "© 2026 NEWS.ru. Сетевое издание «NEWS.ru». Все права защищены. 18+"

MONTHS_GENITIVE = (
    "января", "февраля", "марта", "апреля", "мая", "июня",
    "июля", "августа", "сентября", "октября", "ноября", "декабря",
)


def css_class(name: str) -> str:
    """A CSS-module class name with a deterministic pseudo-hash suffix, like Next.js builds emit."""
    digest = hashlib.sha1(name.encode()).digest()
    alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    return name + "-" + "".join(alphabet[b % len(alphabet)] for b in digest[:5])


def russian_date(iso: str, *, year: bool = True) -> str:
    """'2026-02-15T15:38:00+03:00' -> '15 февраля 2026 в 15:38' (news.ru date line)."""
    day, month, yyyy, hhmm = int(iso[8:10]), int(iso[5:7]), iso[:4], iso[11:16]
    text = f"{day} {MONTHS_GENITIVE[month - 1]}"
    return f"{text} {yyyy} в {hhmm}" if year else f"{text}, {hhmm}"

# mid.ru (1C-Bitrix templates): the menu, the page furniture, the sections and their list pages.
MIDRU_MENU = ("Министерство", "Внешняя политика", "Пресс-служба", "Консульская служба", "Документы", "Контакты")
MIDRU_LANGUAGES = ("English", "Deutsch", "Français", "Español", "Português")
MIDRU_SITE_NAME = "Министерство иностранных дел Российской Федерации"
MIDRU_VISION = "Версия для слабовидящих"
MIDRU_PRINT = "Версия для печати"
MIDRU_SHARE = "Поделиться"
MIDRU_NEWS_TITLE = "Новости"
MIDRU_RELATED_TITLE = "Материалы по теме"
MIDRU_TOC_TITLE = "Содержание"
MIDRU_BACK_TO_TOC = "Назад к оглавлению"
MIDRU_ATTACHMENT = "Дополнительные материалы"
MIDRU_FOOTER = (
    "© 2026 Министерство иностранных дел Российской Федерации",
    "119200, Москва, Смоленская-Сенная площадь, д. 32/34",
    "Справочная служба: +7 (499) 244-16-06",
    "При использовании материалов сайта ссылка на www.mid.ru обязательна",
)
# Section path -> (breadcrumb trail, list page title). Every document lives under one of them.
MIDRU_SECTIONS = {
    "/ru/foreign_policy/news/": (("Внешняя политика", "Новости"), "Новости"),
    "/ru/press_service/spokesman/briefings/": (("Пресс-служба", "Официальный представитель", "Брифинги"), "Брифинги официального представителя"),
    "/ru/press_service/spokesman/official_statement/": (("Пресс-служба", "Официальный представитель", "Заявления"), "Официальные заявления"),
    "/ru/press_service/spokesman/kommentarii/": (("Пресс-служба", "Официальный представитель", "Комментарии"), "Комментарии официального представителя"),
    "/ru/press_service/spokesman/answers/": (("Пресс-служба", "Официальный представитель", "Ответы на вопросы СМИ"), "Ответы на вопросы СМИ"),
    "/ru/press_service/minister_speeches/": (("Пресс-служба", "Выступления Министра"), "Выступления и интервью Министра"),
    "/ru/press_service/deputy_ministers_speeches/": (("Пресс-служба", "Выступления заместителей Министра"), "Выступления и интервью заместителей Министра"),
}
# Small pages, so the mirror's lists have the ?PAGEN_1=N pages the real lists have.
MIDRU_LIST_PAGE_SIZE = 5
MIDRU_ALL_NEWS = "/ru/foreign_policy/news/"  # the general list: every kind of document appears in it
