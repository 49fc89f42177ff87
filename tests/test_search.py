"""Morphology-aware search: inflections, names, phrases, hyphens, ё/е, bad queries, filters, CLI.

The texts are small invented Russian news items, written for these tests.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from archive.store import transaction

from archive.cli import main
from archive.models import Article
from archive.pipeline import add_article
from archive.dates import parse_day
from archive.errors import QueryError
from archive.search import engine
from archive.search.index import index_pending
from archive.search.query import build_match
from archive.search.schema import PENDING_TABLE
from archive.store.filters import ArticleFilter
from archive.schema import open_archive

REPO = Path(__file__).resolve().parent.parent

ARTICLES = {
    "galuzin": dict(
        source="tass", published="2025-03-01T10:00:00+03:00", mfa=True,
        title="Галузин обсудил с послом Армении освобождение россиянина",
        text="Заместитель главы МИД России Михаил Галузин встретился с армянским послом. Стороны обсудили "
        "освобождение россиянина, задержанного в Ереване. Встречу перенесли из-за непогоды.",
    ),
    "release": dict(
        source="newsru", published="2025-03-05T12:30:00+03:00", mfa=True,
        title="МИД добивается освобождения россиян",
        text="Официальный представитель МИД заявила, что ведомство добивается освобождения россиян, "
        "задержанных за рубежом. С Галузиным связались родственники. Ещё одна встреча пройдёт в Ростове-на-Дону.",
    ),
    "weather": dict(
        source="tass", published="2025-04-10T09:00:00+03:00", mfa=False,
        title="Жара на юге",
        text="В бакинском аэропорту рейсы задерживаются из-за жары. Синоптики говорят, что еще неделя будет жаркой.",
    ),
    "rostov": dict(
        source="tass", published="2025-05-01T08:00:00+03:00", mfa=True,
        title="Визит дипломатов в Ростов-на-Дону",
        text="Дипломаты прибыли в Ростов-на-Дону. Освобождение заложников не обсуждалось, но россиянина "
        "из плена ждут дома.",
    ),
}


def search(db, query, *, source=None, since=None, until=None, all_articles=False, **options):
    """engine.search with the filters given as the CLI gives them."""
    filters = ArticleFilter(
        source=source, all_articles=all_articles,
        since=parse_day(since, "--since") if since else None, until=parse_day(until, "--until") if until else None,
    )
    return engine.search(db, query, filters=filters, **options)


def _add(db, key: str, story_id: int | None = None) -> int:
    """Store one test article through the real write path, with its relevance label pinned.

    The label is pinned so these tests check search filters, not the classifier.
    """
    spec = dict(ARTICLES[key])
    mfa = spec.pop("mfa")
    article = Article(url=f"https://example.org/{key}", **spec)
    article_id = add_article(db, article).article_id
    with transaction(db):
        db.execute("UPDATE articles SET mfa = ?, story_id = coalesce(?, story_id) WHERE id = ?", [int(mfa), story_id, article_id])
    return article_id


@pytest.fixture
def archive_db(tmp_path):
    db = open_archive(tmp_path / "a.db")
    ids = {key: _add(db, key) for key in ARTICLES}
    return tmp_path / "a.db", db, ids


def _found(db, query: str, **filters) -> set[str]:
    urls = {h.url for h in search(db, query, all_articles=True, **filters)}
    return {key for key in ARTICLES if f"https://example.org/{key}" in urls}


def test_other_inflections_of_nouns_are_found(archive_db):
    _, db, _ = archive_db
    assert {"galuzin", "release"} <= _found(db, "освобождения россиян")
    assert {"galuzin", "release"} <= _found(db, "освобождение россиянина")


def test_surnames_match_in_every_case(archive_db):
    _, db, _ = archive_db
    for form in ("Галузин", "Галузина", "Галузиным", "галузину"):
        assert _found(db, form) == {"galuzin", "release"}, form


def test_place_adjectives_find_the_place(archive_db):
    _, db, _ = archive_db
    assert _found(db, "Баку") == {"weather"}
    assert "galuzin" in _found(db, "Армения")  # the text says only "армянским"


def test_quoted_phrase_needs_the_words_together_in_any_form(archive_db):
    _, db, _ = archive_db
    assert _found(db, '"освобождения россиян"') == {"galuzin", "release"}
    assert "rostov" in _found(db, "освобождения россиян")  # unquoted: the words anywhere


def test_articles_with_every_word_rank_first(archive_db):
    _, db, _ = archive_db
    hits = search(db, "Галузин освобождение Ереван", all_articles=True)
    assert hits[0].url.endswith("/galuzin")


def test_hyphenated_words(archive_db):
    _, db, _ = archive_db
    assert _found(db, "из-за") == {"galuzin", "weather"}
    assert _found(db, "Ростов-на-Дону") == {"release", "rostov"}
    assert _found(db, "Ростове-на-Дону") == {"release", "rostov"}


def test_yo_and_ye_are_the_same_letter(archive_db):
    _, db, _ = archive_db
    assert _found(db, "еще") == {"release", "weather"}
    assert _found(db, "ещё") == {"release", "weather"}
    assert _found(db, "пройдет") == {"release"}


def test_snippet_marks_the_matched_forms(archive_db):
    _, db, _ = archive_db
    hit = search(db, "Галузина", all_articles=True, limit=1)[0]
    assert "[Галузин" in hit.snippet
    assert "\x02" not in hit.snippet


@pytest.mark.parametrize("query", ['"освобождение', "AND", "OR освобождение", "С.Шойгу", "(санкции", "covid-19", "NOT NEAR"])
def test_fts_syntax_in_queries_is_made_safe(archive_db, query, capsys):
    path, _, _ = archive_db
    assert main(["search", query, "--db", str(path), "--all"]) == 0
    assert "error" not in capsys.readouterr().err


@pytest.mark.parametrize("query", ["*", "-", '"', "()", "  "])
def test_queries_without_words_are_refused_in_one_line(archive_db, query, capsys):
    path, _, _ = archive_db
    assert main(["search", query, "--db", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err and "search" in err


@pytest.mark.parametrize(
    "args", [["--since", "yesterday"], ["--until", "2025-13-01"], ["--limit", "0"], ["--db", "/nonexistent/a.db"]]
)
def test_bad_options_give_one_line_and_exit_2(archive_db, args, capsys):
    path, _, _ = archive_db
    argv = ["search", "Галузин", "--db", str(path), *args] if "--db" not in args else ["search", "Галузин", *args]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_build_match_never_passes_user_syntax_through():
    expression = build_match('Шойгу AND "(санкции" * -')
    assert "AND" not in expression.replace('"and"', "")
    with pytest.raises(QueryError):
        build_match("* - ()")


def test_ministry_news_only_unless_all(archive_db):
    _, db, _ = archive_db
    assert {h.url for h in search(db, "еще")} == {"https://example.org/release"}
    assert len(search(db, "еще", all_articles=True)) == 2


def test_source_and_date_filters(archive_db):
    _, db, _ = archive_db
    assert _found(db, "россиянина", source="newsru") == {"release"}
    assert _found(db, "россиянина", since="2025-03-02") == {"release", "rostov"}
    assert _found(db, "россиянина", until="2025-03-05") == {"galuzin", "release"}  # the whole last day
    assert _found(db, "россиянина", since="2025-03-02", until="2025-04-30") == {"release"}


def test_json_lines_carry_the_documented_fields(archive_db, capsys):
    path, _, ids = archive_db
    assert main(["search", "Галузиным", "--db", str(path), "--json"]) == 0
    lines = capsys.readouterr().out.splitlines()
    hits = [json.loads(line) for line in lines]
    assert {h["url"] for h in hits} == {"https://example.org/galuzin", "https://example.org/release"}
    for hit in hits:
        assert {"url", "title", "source", "published", "story_id", "snippet", "score"} <= set(hit)
        assert hit["score"] > 0
    assert hits[0]["score"] >= hits[1]["score"]


def test_text_output_lists_hits(archive_db, capsys):
    path, _, _ = archive_db
    assert main(["search", "Галузин", "--db", str(path), "--limit", "1"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("1. 2025-03-0") and "example.org" in out and out.count("example.org") == 1


def test_by_story_shows_each_story_once_with_its_outlets(tmp_path):
    db = open_archive(tmp_path / "s.db")
    first = _add(db, "galuzin", story_id=7001)
    _add(db, "release", story_id=7001)
    _add(db, "rostov", story_id=None)
    hits = search(db, "россиянина", by_story=True)
    story_hits = [h for h in hits if h.story_id == 7001]
    assert len(story_hits) == 1
    assert sorted(story_hits[0].outlets) == ["newsru", "tass"]
    assert len(hits) == 1 + len({h.story_id for h in hits if h.story_id not in (None, 7001)}) + sum(
        1 for h in hits if h.story_id is None
    )
    with transaction(db):
        db.execute("DROP TABLE IF EXISTS stories")  # early archives have none
    assert any(h.id == first or h.story_id == 7001 for h in search(db, "россиянина", by_story=True))


def test_sqlite_utils_search_still_uses_the_plain_index(archive_db):
    path, db, _ = archive_db
    result = subprocess.run(
        [str(REPO / ".venv" / "bin" / "sqlite-utils"), "search", str(path), "articles", "Галузин", "-c", "url"],
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert [row["url"] for row in json.loads(result.stdout)] == ["https://example.org/galuzin"]


def test_lemma_index_follows_updates_and_deletes_from_any_writer(archive_db):
    _, db, ids = archive_db
    assert _found(db, "Галузин") == {"galuzin", "release"}
    with transaction(db):  # a writer that knows nothing about the lemma index
        db.execute("UPDATE articles SET text = 'Синоптики обещают прохладу в Астрахани.' WHERE id = ?", [ids["release"]])
        db.execute("DELETE FROM articles WHERE id = ?", [ids["galuzin"]])
    assert _found(db, "Астрахани") == {"release"}
    assert _found(db, "Галузин") == set()


def test_index_pending_inside_the_write_transaction_leaves_nothing_queued(tmp_path):
    db = open_archive(tmp_path / "a.db")
    with transaction(db):
        article_id = _add_without_pipeline(db, "galuzin")
        assert db.execute(f"SELECT id FROM {PENDING_TABLE}").fetchall() == [(article_id,)]
        assert index_pending(db) == 1
    assert db.execute(f"SELECT count(*) FROM {PENDING_TABLE}").fetchone()[0] == 0
    assert db.execute("SELECT text FROM articles_morph WHERE id = ?", [article_id]).fetchone()[0].startswith("заместитель глава мид россия")


def test_an_archive_made_before_the_lemma_index_is_indexed_on_first_search(archive_db):
    path, db, _ = archive_db
    with transaction(db):
        for name in ("articles_morph_fts", "articles_morph", PENDING_TABLE):
            db.execute(f"DROP TABLE IF EXISTS {name}")
        for (trigger,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'articles_morph%'").fetchall():
            db.execute(f"DROP TRIGGER {trigger}")
        db.execute("UPDATE meta SET value = '0' WHERE key = 'schema_version'")
    db.conn.close()
    assert _found(open_archive(path), "Галузиным") == {"galuzin", "release"}


def _add_without_pipeline(db, key: str) -> int:
    from archive.store.articles import upsert_article

    spec = dict(ARTICLES[key])
    mfa = spec.pop("mfa")
    return upsert_article(db, Article(url=f"https://example.org/{key}", **spec), mfa=mfa, mfa_reasons=[])[0]


def test_index_follows_article_updates(archive_db):
    _, db, ids = archive_db
    from archive.store.articles import upsert_article

    changed = Article(
        url="https://example.org/weather", source="tass", title="Жара на юге",
        text="Синоптики обещают прохладу в Астрахани.", published="2025-04-10T09:00:00+03:00",
    )
    with transaction(db):
        upsert_article(db, changed, mfa=False, mfa_reasons=[])
    assert _found(db, "Астрахань") == {"weather"}
    assert "weather" not in _found(db, "бакинский")


def test_a_very_common_query_is_ranked_among_its_newest_matches(archive_db, monkeypatch):
    _, db, ids = archive_db
    everywhere = _found(db, "россиянина")
    assert len(everywhere) == 3
    monkeypatch.setattr("archive.search.engine.MAX_RANKED", 2)
    newest = sorted(everywhere, key=lambda key: ids[key])[-2:]
    assert _found(db, "россиянина") == set(newest)


def test_snippets_read_the_stored_lemmas_and_match_lemmatizing_afresh(archive_db):
    from archive.search.lemmas import index_text
    from archive.search.snippets import make_snippet

    _, db, _ = archive_db
    match = build_match("освобождение россиянина Ереван")
    for spec in ARTICLES.values():
        text = spec["text"]
        fresh = make_snippet(text, match)
        assert make_snippet(text, match, indexed=index_text(text)) == fresh
        assert make_snippet(text, match, indexed="не те слова") == fresh  # misaligned keys are not trusted
    hit = search(db, "освобождение россиянина Ереван", all_articles=True, limit=1)[0]
    assert "[" in hit.snippet


@pytest.mark.parametrize("limit", [1, 2])
def test_filters_reach_past_the_first_ranked_batch(archive_db, limit):
    _, db, _ = archive_db
    ranked = [h.url for h in search(db, "россиянина Ростов", all_articles=True)]
    assert len(ranked) == 3
    for source in ("tass", "newsru"):
        wanted = [h.url for h in search(db, "россиянина Ростов", all_articles=True, source=source)]
        assert wanted, source
        assert [h.url for h in search(db, "россиянина Ростов", all_articles=True, source=source, limit=limit)] == wanted[:limit]
    assert [h.url for h in search(db, "россиянина Ростов", all_articles=True, limit=limit)] == ranked[:limit]


def test_word_form_keys_are_kept_in_the_archive_and_dropped_when_the_analyzer_changes(tmp_path):
    """A new process reads the keys of forms already seen from the archive (pymorphy3 is slow
    on a cold start); keys made by another pymorphy3 or dictionary version are not trusted."""
    from archive.search import lemmas as search_module

    db = open_archive(tmp_path / "a.db")
    _add(db, "galuzin")
    assert db.execute("SELECT key FROM morph_keys WHERE form = 'армянским'").fetchone() == ("армянский",)
    # A stand-in key, so the test can tell a key read from the table from a recomputed one.
    with transaction(db):
        db.execute("UPDATE morph_keys SET key = 'ключизархива' WHERE form = 'армянским'")
    search_module._key_memos.pop(db)  # as in a new process
    _add(db, "weather")  # "бакинском", not yet seen
    with transaction(db):
        db.execute("UPDATE articles SET text = text || ' Армянским дипломатам.' WHERE url LIKE '%weather'")
    index_pending(db)
    assert "ключизархива" in db.execute("SELECT text FROM articles_morph WHERE id = (SELECT id FROM articles WHERE url LIKE '%weather')").fetchone()[0]

    with transaction(db):
        db.execute("UPDATE meta SET value = 'pymorphy3 0.1' WHERE key = 'morph_keys_version'")
        db.execute("UPDATE articles SET text = text || ' Ещё раз.' WHERE url LIKE '%weather'")
    search_module._key_memos.pop(db)
    index_pending(db)
    weather = db.execute("SELECT text FROM articles_morph WHERE id = (SELECT id FROM articles WHERE url LIKE '%weather')").fetchone()[0]
    assert "ключизархива" not in weather and "армянский" in weather
    assert db.execute("SELECT key FROM morph_keys WHERE form = 'армянским'").fetchone() == ("армянский",)


def _segments(db, index: str) -> int:
    return db.execute(f"SELECT count(DISTINCT segid) FROM {index}_idx").fetchone()[0]


def _merge_settings(db, index: str) -> tuple[int, int]:
    config = dict(db.execute(f"SELECT k, v FROM {index}_config").fetchall())
    return config.get("automerge"), config.get("crisismerge")


def test_both_full_text_indexes_merge_sixteen_segments_at_a_time_on_new_and_upgraded_archives(tmp_path):
    """Each article's commit adds a segment to both FTS5 indexes. SQLite's defaults merge a
    level at 4 segments, rewriting each article's postings more often, and merge all of a
    level inside one commit at 16 (crisismerge), which made single commits slow."""
    db = open_archive(tmp_path / "a.db")
    for index in ("articles_fts", "articles_morph_fts"):
        assert _merge_settings(db, index) == (16, 64), index
    spec = {k: v for k, v in ARTICLES["galuzin"].items() if k != "mfa"}
    for n in range(20):
        add_article(db, Article(url=f"https://example.org/galuzin-{n}", **spec))
    for index in ("articles_fts", "articles_morph_fts"):
        assert _segments(db, index) == 20, f"{index} merged a level inside a commit (crisismerge)"

    with transaction(db):
        for index in ("articles_fts", "articles_morph_fts"):
            db.execute(f"DELETE FROM {index}_config WHERE k IN ('automerge', 'crisismerge')")
        db.execute("UPDATE meta SET value = '3' WHERE key = 'schema_version'")
    db.conn.close()
    upgraded = open_archive(tmp_path / "a.db")
    for index in ("articles_fts", "articles_morph_fts"):
        assert _merge_settings(upgraded, index) == (16, 64), index


# Derived adjectives and other names: invented texts, one mechanism each (not devset text).
NAMED = {
    "kiev": "Киевские власти объявили о новых ограничениях для журналистов.",
    "putin": "Путинская инициатива о зерновой сделке обсуждалась на встрече министров.",
    "syria": "В Сирии открылись два новых пункта пропуска на границе.",
    "baltic": "Учения на Балтике продлятся до конца месяца, сообщили военные.",
    "irkutsk": "Иркутский аэропорт закрыт из-за тумана.",
    "un": "Организация Объединённых Наций призвала стороны к перемирию.",
    "eu": "Евросоюз утвердил новый пакет санкций.",
    "eu_full": "Европейский союз продлил мандат миссии.",
    "minfin": "Министерство финансов разместило облигации на внутреннем рынке.",
    "duma": "Государственная дума приняла закон в первом чтении.",
    "smolenskaya": "На Смоленской площади прокомментировали заявление посла.",
    "cis": "Главы правительств Содружества Независимых Государств встретятся в Минске.",
    "city": "Городские власти закрыли мост на ремонт.",
    "imf": "МВФ повысил прогноз роста мировой экономики.",
    "october": "Консультации дипломатов прошли 27 октября в Женеве.",
    "czech": "Премьер Чехии прибыл в Братиславу на переговоры.",
    "kamchatka": "Камчатские вулканологи зафиксировали выброс пепла.",
    "frg": "Посла ФРГ вызвали в МИД для беседы.",
}


@pytest.fixture
def named_db(tmp_path):
    db = open_archive(tmp_path / "n.db")
    for key, text in NAMED.items():
        add_article(db, Article(url=f"https://example.org/{key}", source="tass", title="", text=text,
                                published="2025-06-01T10:00:00+03:00"))
    return db


def _named(db, query: str) -> set[str]:
    urls = {h.url for h in search(db, query, all_articles=True)}
    return {key for key in NAMED if f"https://example.org/{key}" in urls}


@pytest.mark.parametrize("query, expected", [
    ("Киев", {"kiev"}), ("Путин", {"putin"}), ("сирийская граница", {"syria"}), ("балтийские учения", {"baltic"}),
    ("Иркутск", {"irkutsk"}), ("путинский", {"putin"}), ("октябрьские", {"october"}),
    ("чешский", {"czech"}), ("Камчатка", {"kamchatka"}),
])
def test_adjectives_of_names_and_names_of_adjectives_find_each_other(named_db, query, expected):
    assert expected <= _named(named_db, query)


def test_an_adjective_of_a_common_noun_is_not_taken_for_a_name(named_db):
    """`городской` is made from `город`, which is no name: it finds only itself."""
    from archive.search.derivation import names_of_adjective

    assert names_of_adjective("городской") == ()
    assert names_of_adjective("советский") != ("совет",)
    assert _named(named_db, "город") == set()


@pytest.mark.parametrize("query, expected", [
    ("ООН", {"un"}), ("ЕС", {"eu", "eu_full"}), ("Европейский союз", {"eu", "eu_full"}), ("Минфин", {"minfin"}),
    ("Госдума", {"duma"}), ("МИД", {"smolenskaya"}), ("СНГ", {"cis"}),
    # A place whose other name and adjective no pattern makes, listed in settings/synonyms.toml.
    ("немецкий посол", {"frg"}),
    # Not in settings/synonyms.toml: the initials of a name that pymorphy3 knows as an abbreviation.
    ("Международный валютный фонд", {"imf"}),
])
def test_other_names_of_institutions_find_each_other(named_db, query, expected):
    assert expected <= _named(named_db, query)


def test_a_malformed_synonyms_file_is_one_line(tmp_path):
    from archive.errors import ConfigError
    from archive.search.synonyms import load_groups

    path = tmp_path / "synonyms.toml"
    path.write_text('[[names]]\nsame = ["ООН"]\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="at least two names"):
        load_groups(path)
