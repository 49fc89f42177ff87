"""Synthetic article pages for throughput benchmarks: deterministic, each with its own content.

Each page is 300-600 words of plausible diplomatic or economic news prose, dated at a random
moment between January and mid-March 2026 (older than the curated content) and listed in
extra sitemap children. Like real news from one outlet, pages share phrases but rarely whole
sentences: every sentence template has a slot every few words (people, places, numbers, dates,
subjects), templates are drawn from a large pool in random order, and slot values are drawn
per sentence, so near-duplicates and same-event pairs are as rare as on a real site.
"""

from __future__ import annotations

import random

from archive.demo.authoring import newsru, tass
from archive.demo.model import Entry

# (genitive, nominative, locative "в ...", adjective stem for "...ой стороны")
COUNTRIES = (
    ("Индии", "Индия", "Индии", "индийской"), ("Египта", "Египет", "Египте", "египетской"),
    ("Бразилии", "Бразилия", "Бразилии", "бразильской"), ("Вьетнама", "Вьетнам", "Вьетнаме", "вьетнамской"),
    ("Сербии", "Сербия", "Сербии", "сербской"), ("Казахстана", "Казахстан", "Казахстане", "казахстанской"),
    ("Ирана", "Иран", "Иране", "иранской"), ("Монголии", "Монголия", "Монголии", "монгольской"),
    ("Алжира", "Алжир", "Алжире", "алжирской"), ("Лаоса", "Лаос", "Лаосе", "лаосской"),
    ("Кубы", "Куба", "Кубе", "кубинской"), ("Никарагуа", "Никарагуа", "Никарагуа", "никарагуанской"),
    ("Индонезии", "Индонезия", "Индонезии", "индонезийской"), ("Турции", "Турция", "Турции", "турецкой"),
    ("Эфиопии", "Эфиопия", "Эфиопии", "эфиопской"), ("Мали", "Мали", "Мали", "малийской"),
    ("Венесуэлы", "Венесуэла", "Венесуэле", "венесуэльской"), ("Армении", "Армения", "Армении", "армянской"),
    ("Узбекистана", "Узбекистан", "Узбекистане", "узбекской"), ("Таджикистана", "Таджикистан", "Таджикистане", "таджикской"),
    ("Мьянмы", "Мьянма", "Мьянме", "мьянманской"), ("Малайзии", "Малайзия", "Малайзии", "малайзийской"),
    ("Пакистана", "Пакистан", "Пакистане", "пакистанской"), ("Анголы", "Ангола", "Анголе", "ангольской"),
    ("Мозамбика", "Мозамбик", "Мозамбике", "мозамбикской"), ("Катара", "Катар", "Катаре", "катарской"),
    ("Омана", "Оман", "Омане", "оманской"), ("Иордании", "Иордания", "Иордании", "иорданской"),
    ("Чили", "Чили", "Чили", "чилийской"), ("Боливии", "Боливия", "Боливии", "боливийской"),
    ("Киргизии", "Киргизия", "Киргизии", "киргизской"), ("Азербайджана", "Азербайджан", "Азербайджане", "азербайджанской"),
)
CITIES = (
    "Москве", "Санкт-Петербурге", "Казани", "Сочи", "Владивостоке", "Новосибирске", "Екатеринбурге",
    "Нижнем Новгороде", "Калининграде", "Уфе", "Самаре", "Иркутске", "Хабаровске", "Ростове-на-Дону",
)
FIRST_NAMES = (
    "Михаил", "Сергей", "Александр", "Андрей", "Дмитрий", "Алексей", "Игорь", "Владимир", "Николай", "Павел",
    "Евгений", "Олег", "Юрий", "Виктор", "Константин", "Георгий", "Роман", "Артем", "Илья", "Максим",
)
LAST_NAMES = (
    "Галузин", "Рябков", "Грушко", "Руденко", "Вершинин", "Бородавкин", "Панкин", "Богданов", "Алимов",
    "Кузнецов", "Соколов", "Лебедев", "Морозов", "Волков", "Зайцев", "Павлов", "Семенов", "Голубев",
    "Виноградов", "Беляев", "Тарасов", "Белов", "Комаров", "Орлов", "Киселев", "Макаров", "Андреев",
    "Ковалев", "Ильин", "Гусев", "Титов", "Кудрявцев", "Баранов", "Куликов", "Алексеев", "Степанов",
)
POSTS = (
    "заместитель министра иностранных дел РФ", "директор департамента МИД России", "посол России в {cloc}",
    "глава российской делегации", "официальный представитель МИД РФ", "постпред России при ООН",
    "генеральный консул России в {cloc}", "заместитель директора департамента МИД РФ",
    "председатель межправкомиссии", "торговый представитель России в {cloc}",
)
SECTORS = (
    "энергетике", "атомной энергетике", "сельском хозяйстве", "фармацевтике", "судостроении", "авиастроении",
    "железнодорожном транспорте", "цифровых технологиях", "геологоразведке", "медицине", "образовании",
    "туризме", "рыболовстве", "космической отрасли", "нефтехимии", "горнодобывающей промышленности",
    "логистике", "банковской сфере", "производстве удобрений", "автомобилестроении",
)
TOPICS = (
    "торгово-экономического сотрудничества", "энергетического партнерства", "культурно-гуманитарных связей",
    "транспортной логистики", "взаимодействия в ООН", "сотрудничества в сфере образования",
    "военно-технического сотрудничества", "продовольственной безопасности", "миграционного сотрудничества",
    "информационной безопасности", "научно-технических связей", "межрегиональных контактов",
    "инвестиционного взаимодействия", "консульского взаимодействия", "борьбы с терроризмом", "морского сотрудничества",
)
DOCUMENTS = (
    "меморандум о взаимопонимании", "соглашение о взаимной защите инвестиций", "программу культурного обмена",
    "дорожную карту", "протокол о консультациях", "соглашение об упрощении визового режима",
    "план действий", "совместное заявление", "соглашение о воздушном сообщении", "контракт на поставку",
)
GOODS = (
    "зерна", "удобрений", "нефтепродуктов", "сжиженного газа", "металлопроката", "древесины", "лекарств",
    "автомобилей", "подсолнечного масла", "угля", "рыбной продукции", "электроники", "хлопка", "кофе",
)
FORUMS = (
    "БРИКС", "ШОС", "G20", "СНГ", "ЕАЭС", "АСЕАН", "Генассамблеи ООН", "Совета Безопасности ООН", "ОДКБ", "АТЭС",
)
MONTHS = ("января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября", "октября", "ноября", "декабря")
SAID = ("сообщил", "заявил", "отметил", "подчеркнул", "рассказал журналистам", "напомнил", "пояснил", "уточнил")
ADVERBS = ("заметно", "существенно", "почти вдвое", "на треть", "впервые", "уверенно", "стабильно", "значительно")

SENTENCES = (
    "Об этом {said} {person} по итогам встречи с делегацией {cgen} в {city}.",
    "По словам {person}, товарооборот с {cins} в {year} году вырос на {pct}% и превысил {amount} млрд долларов.",
    "{cnom} рассчитывает увеличить закупки {goods} у России на {pct}% до конца {year} года, {said} {person}.",
    "Стороны договорились провести следующий раунд консультаций в {city} {day} {month}.",
    "Как {said} {person}, в {sector} сейчас реализуются {small} совместных проектов на {amount} млрд рублей.",
    "Представители {adj} стороны предложили создать рабочую группу по {sector_dat} до {day} {month}.",
    "{day} {month} в {city} {cnom} и Россия подписали {document} сроком на {small} лет.",
    "В {cloc} работают {bigint} российских компаний, из них {small} в {sector}, {said} {person}.",
    "Число российских туристов, посетивших {cloc} в {year} году, достигло {bigint} человек.",
    "{person} обсудил с послом {cgen} подготовку к саммиту {forum} и вопросы {topic}.",
    "В {year} году поставки {goods} из России в {cloc} выросли {adverb}, до {bigint} тонн.",
    "Межправкомиссия соберется в {city} в {month_prep}, где стороны рассмотрят {small} новых инициатив.",
    "{cnom} поддерживает позицию России по вопросам {topic} в рамках {forum}, {said} {person}.",
    "На полях форума в {city} делегация {cgen} провела {small} двусторонних встреч.",
    "В вузах России по квоте правительства учатся {bigint} студентов из {cgen}, {said} {person}.",
    "Прямые рейсы между {city} и столицей {cgen} возобновятся с {day} {month}, {said} {person}.",
    "Доля расчетов в национальных валютах в торговле с {cins} достигла {pct}%.",
    "{person} напомнил, что в {year} году исполняется {small}0 лет установлению дипломатических отношений с {cins}.",
    "По данным таможни, экспорт {goods} в {cloc} за {small} месяцев составил {amount} млрд долларов.",
    "Российская сторона готова направить в {cloc} {small} группы специалистов по {sector_dat}.",
    "Министры обсудили {topic_acc} и договорились встретиться в {city} {day} {month}.",
    "В ходе визита в {cloc} {person} провел переговоры с главой МИД {cgen}.",
    "Эксперты оценивают потенциал сотрудничества в {sector} в {amount} млрд долларов к {year2} году.",
    "{person} выразил уверенность, что объем взаимной торговли к {year2} году удвоится.",
    "Стороны также затронули ситуацию вокруг {region} и вопросы {topic}.",
    "Совместный инвестфонд с {cins} профинансирует {small} проектов в {sector} на сумму {amount} млрд рублей.",
    "МИД России {day} {month} провел консультации с коллегами из {cgen} по {topic_dat}.",
    "Как {said} {person}, новый раунд переговоров с {cins} по {sector_dat} пройдет в {month_prep}.",
    "Делегация {cgen} из {small} человек посетит {city} и предприятия в {sector} с {day} {month}.",
    "В {cloc} в {month_prep} откроется {nth} российский культурный центр, {said} {person}.",
)
REGIONS = ("Ближнего Востока", "Сахеля", "Афганистана", "Корейского полуострова", "Южного Кавказа", "Красного моря",
           "Персидского залива", "Латинской Америки", "Центральной Азии", "Юго-Восточной Азии")
SECTOR_DAT = ("энергетике", "медицине", "образованию", "транспорту", "цифровизации", "сельскому хозяйству",
              "геологоразведке", "туризму", "логистике", "науке")
TOPIC_DAT = ("консульским вопросам", "миграционной политике", "информационной безопасности", "борьбе с терроризмом",
             "продовольственной безопасности", "ядерному нераспространению", "морскому праву", "климатической повестке")
TOPIC_ACC = ("торгово-экономическую повестку", "подготовку визита на высшем уровне", "сотрудничество в ООН",
             "ситуацию в регионе", "расширение транспортных коридоров", "энергетический диалог")
MONTH_PREP = ("январе", "феврале", "марте", "апреле", "мае", "июне", "сентябре", "октябре", "ноябре")
ORDINALS = ("второй", "третий", "четвертый", "пятый", "шестой")

TITLES = (
    "Россия и {cnom} обсудили развитие {topic}",
    "{person_short}: товарооборот с {cins} вырос на {pct}%",
    "МИД РФ провел консультации с {cins} по {topic_dat}",
    "Делегация {cgen} обсудила в {city} вопросы {topic}",
    "{cnom} увеличит закупки {goods} у России",
    "Россия и {cnom} подписали {document}",
    "{person_short} обсудил с послом {cgen} подготовку к саммиту {forum}",
)
LEADS = (
    "Стороны обсудили {topic_acc} и подготовку контактов на высшем уровне",
    "В {city} прошли переговоры о развитии {topic} с {cins}",
    "{person} рассказал о планах сотрудничества с {cins} в {sector}",
    "Объем торговли с {cins} может достичь {amount} млрд долларов",
)
# (instrumental), used after "с": "с Индией"
INSTRUMENTAL = {
    "Индия": "Индией", "Египет": "Египтом", "Бразилия": "Бразилией", "Вьетнам": "Вьетнамом", "Сербия": "Сербией",
    "Казахстан": "Казахстаном", "Иран": "Ираном", "Монголия": "Монголией", "Алжир": "Алжиром", "Лаос": "Лаосом",
    "Куба": "Кубой", "Индонезия": "Индонезией", "Турция": "Турцией", "Эфиопия": "Эфиопией",
    "Венесуэла": "Венесуэлой", "Армения": "Арменией", "Узбекистан": "Узбекистаном", "Таджикистан": "Таджикистаном",
    "Мьянма": "Мьянмой", "Малайзия": "Малайзией", "Пакистан": "Пакистаном", "Ангола": "Анголой",
    "Мозамбик": "Мозамбиком", "Катар": "Катаром", "Оман": "Оманом", "Иордания": "Иорданией",
    "Боливия": "Боливией", "Киргизия": "Киргизией", "Азербайджан": "Азербайджаном",
}
# About 11 weeks before the curated April content.
DAYS_SPREAD = 78
MONTH_DAYS = (31, 28, 31)


def generated_entries(count: int) -> list[Entry]:
    """`count` synthetic pages, alternating TASS and news.ru, each the same on every call."""
    return [_entry(number) for number in range(count)]


def _person(rng: random.Random, cloc: str) -> tuple[str, str]:
    """A full "post First Last" mention and the short "First Last" form."""
    name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
    return f"{rng.choice(POSTS).format(cloc=cloc)} {name}", name


_DRAWS = {
    "said": lambda rng: rng.choice(SAID), "city": lambda rng: rng.choice(CITIES),
    "year": lambda rng: str(rng.randint(2019, 2026)), "year2": lambda rng: str(rng.randint(2027, 2032)),
    "pct": lambda rng: str(rng.randint(3, 95)), "amount": lambda rng: f"{rng.randint(1, 40)},{rng.randint(0, 9)}",
    "small": lambda rng: str(rng.randint(2, 9)), "bigint": lambda rng: f"{rng.randint(120, 48000):,}".replace(",", " "),
    "day": lambda rng: str(rng.randint(1, 28)), "month": lambda rng: rng.choice(MONTHS),
    "month_prep": lambda rng: rng.choice(MONTH_PREP), "sector": lambda rng: rng.choice(SECTORS),
    "sector_dat": lambda rng: rng.choice(SECTOR_DAT), "topic": lambda rng: rng.choice(TOPICS),
    "topic_dat": lambda rng: rng.choice(TOPIC_DAT), "topic_acc": lambda rng: rng.choice(TOPIC_ACC),
    "goods": lambda rng: rng.choice(GOODS), "forum": lambda rng: rng.choice(FORUMS),
    "document": lambda rng: rng.choice(DOCUMENTS), "region": lambda rng: rng.choice(REGIONS),
    "adverb": lambda rng: rng.choice(ADVERBS), "nth": lambda rng: rng.choice(ORDINALS),
}


class _Slots(dict):
    """Slot values for one sentence: the article's country and person, any other slot drawn when
    the template first uses it (drawing all of them for every sentence would be wasted work)."""

    def __init__(self, rng: random.Random, country: tuple[str, str, str, str], people: list[tuple[str, str]]):
        cgen, cnom, cloc, adj = country
        person, person_short = rng.choice(people)
        super().__init__(cgen=cgen, cnom=cnom, cloc=cloc, adj=adj, cins=INSTRUMENTAL.get(cnom, cnom),
                         person=person, person_short=person_short)
        self.rng = rng

    def __missing__(self, key: str) -> str:
        value = self[key] = _DRAWS[key](self.rng)
        return value


def _body(rng: random.Random, country: tuple[str, str, str, str], people: list[tuple[str, str]]) -> list[str]:
    """Paragraphs of 2-4 sentences, templates in random order, until a 320-560 word target."""
    target = rng.randint(320, 560)
    templates: list[str] = []
    sentences: list[str] = []
    words = 0
    while True:
        if not templates:
            templates = list(SENTENCES)
            rng.shuffle(templates)
        sentence = templates.pop().format_map(_Slots(rng, country, people))
        sentence = sentence[0].upper() + sentence[1:]
        if words + len(sentence.split()) > target:
            break
        sentences.append(sentence)
        words += len(sentence.split())
    paragraphs = []
    while sentences:
        size = rng.randint(2, 4)
        paragraphs.append(" ".join(sentences[:size]))
        sentences = sentences[size:]
    return paragraphs


def _published(rng: random.Random) -> tuple[str, int, str]:
    """A random moment in the first DAYS_SPREAD days of 2026: "YYYY-MM-DD HH:MM", day, month name."""
    day_of_year = rng.randrange(DAYS_SPREAD)
    month = 0
    while day_of_year >= MONTH_DAYS[month]:
        day_of_year -= MONTH_DAYS[month]
        month += 1
    day = day_of_year + 1
    return f"2026-{month + 1:02d}-{day:02d} {rng.randint(6, 23):02d}:{rng.randint(0, 59):02d}", day, MONTHS[month]


def _entry(number: int) -> Entry:
    rng = random.Random(number)
    country = rng.choice(COUNTRIES)
    people = [_person(rng, country[2]) for _ in range(rng.randint(1, 3))]
    paragraphs = _body(rng, country, people)
    slots = _Slots(rng, country, people)
    title = rng.choice(TITLES).format_map(slots)
    lead = rng.choice(LEADS).format_map(slots)
    lead = lead[0].upper() + lead[1:]
    published, day, month_name = _published(rng)
    if number % 2 == 0:
        dateline = f"МОСКВА, {day} {month_name}. /ТАСС/. "
        blocks = [dateline + paragraphs[0], *paragraphs[1:]]
        return tass(29000000 + number, "mezhdunarodnaya-panorama", published, title, lead, blocks,
                    tags=("МИД России",), event=f"generated-{number}", mfa=True)
    return newsru("world", f"generated-{number}", published, title, lead, paragraphs,
                  tags=("МИД РФ",), event=f"generated-{number}", mfa=True)
