"""Stories: rewrites join, hard negatives stay apart, and the partition never depends on runs or order."""

import json
from dataclasses import replace as dataclass_replace

from archive.link.linking import recluster
from archive.pipeline.ingest import ingest_file
from archive.schema import open_archive
from conftest import run_cli
from newsfixtures import event_records


def _write(path, records):
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


def _partition(db) -> set[frozenset[str]]:
    groups: dict[int, set[str]] = {}
    for url, story_id in db.execute("SELECT url, story_id FROM articles"):
        assert story_id is not None
        groups.setdefault(story_id, set()).add(url)
    return {frozenset(g) for g in groups.values()}


def _ingest(tmp_path, name, batches) -> tuple:
    db = open_archive(tmp_path / f"{name}.db")
    for number, batch in enumerate(batches):
        ingest_file(db, _write(tmp_path / f"{name}-{number}.jsonl", batch))
    return db


def test_rewrites_join_and_hard_negatives_stay_apart(tmp_path):
    records = event_records()
    db = _ingest(tmp_path, "one", [records])
    urls = [r["url"] for r in records]
    event = frozenset(urls[:4])
    partition = _partition(db)
    assert event in partition, "original, reprint, truncated copy and rewrite are one story"
    assert frozenset([urls[4]]) in partition, "same people two months later is another story"
    assert frozenset([urls[5]]) in partition, "the Kremlin the same day is another story"
    story = db.execute("SELECT title, size, sources, mfa FROM stories WHERE size = 4").fetchone()
    assert story[0] == records[0]["title"]
    assert json.loads(story[2]) == sorted({"tass.ru", "example-news.ru", "aggregator.example.com", "gazeta.example.org"})
    assert story[3] == 4


def test_same_result_in_one_run_several_runs_and_reverse_order(tmp_path):
    records = event_records()
    one = _partition(_ingest(tmp_path, "one", [records]))
    several = _partition(_ingest(tmp_path, "several", [[r] for r in records[3:]] + [records[:3]]))
    backward = _partition(_ingest(tmp_path, "backward", [list(reversed(records))]))
    assert one == several == backward


def test_recluster_reproduces_the_incremental_result(tmp_path):
    records = event_records()
    db = _ingest(tmp_path, "inc", [records[::2], records[1::2]])
    before = _partition(db)
    reprints_before = db.execute("SELECT url, reprint_of IS NULL FROM articles ORDER BY url").fetchall()
    stats = recluster(db)
    assert _partition(db) == before
    assert db.execute("SELECT url, reprint_of IS NULL FROM articles ORDER BY url").fetchall() == reprints_before
    assert stats.articles == len(records) and stats.stories == len(before)


def test_stories_command_lists_ministry_stories_newest_first(tmp_path):
    records = event_records()
    db_path = tmp_path / "cli.db"
    _ingest(tmp_path, "cli", [records]).conn.close()
    result = run_cli("stories", "--db", str(db_path), "--json")
    assert result.returncode == 0, result.stderr
    stories = [json.loads(line) for line in result.stdout.splitlines()]
    assert [s["size"] for s in stories] == [1, 4], "the May call first; Kremlin and weather hidden"
    assert {a["url"] for a in stories[1]["articles"]} == {r["url"] for r in records[:4]}
    everything = run_cli("stories", "--db", str(db_path), "--all", "--since", "2025-03-01", "--until", "2025-03-31")
    assert everything.returncode == 0
    assert "Метель в Екатеринбурге" in everything.stdout and "Кремле" in everything.stdout
    assert "телефонный разговор" not in everything.stdout
    bad = run_cli("stories", "--db", str(db_path), "--since", "вчера")
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1


def test_recluster_command(tmp_path):
    db_path = tmp_path / "r.db"
    _ingest(tmp_path, "r", [event_records()]).conn.close()
    result = run_cli("recluster", "--db", str(db_path))
    assert result.returncode == 0, result.stderr
    assert "articles 7, stories 4" in result.stdout


def test_story_features_survive_encoding_exactly():
    from archive.link.stories import StoryFeatures, features
    from newsfixtures import ORIGINAL

    original = features("Лавров и Буй Тхань Сон", ORIGINAL, 480_000)
    decoded = StoryFeatures.decode(480_000, original.encode())
    assert decoded == original
    assert decoded.quote_ngrams and decoded.names and len(decoded.terms) > 20
    assert decoded.keys() == original.keys()


def test_an_edited_article_alone_in_its_story_leaves_no_empty_story(tmp_path):
    """Re-linking the only member of a story (the site changed the article) makes a new story;
    the old one must go, or the stories list shows a story with no articles."""
    from archive.models import Article
    from archive.pipeline import add_article

    db = open_archive(tmp_path / "a.db")
    url = "https://tass.ru/mezhdunarodnaya-panorama/1"
    for text in ("Официальный представитель МИД России Мария Захарова ответила Риге.",
                 "Официальный представитель МИД России Мария Захарова ответила Риге. Рига ищет врага."):
        add_article(db, Article(url=url, source="tass", title="Захарова ответила Риге", text=text,
                                published="2026-04-14T14:50:00+03:00"))
    assert db.execute("SELECT count(*) FROM stories").fetchone() == (1,)
    assert db.execute("SELECT count(*) FROM stories s WHERE NOT EXISTS "
                      "(SELECT 1 FROM articles a WHERE a.story_id = s.id)").fetchone() == (0,)
def test_undated_articles_join_by_copy_and_dateline_and_never_bridge(tmp_path):
    from newsfixtures import undated_records

    records, undated = event_records(), undated_records()
    db = _ingest(tmp_path, "undated", [records + undated])
    urls = [r["url"] for r in records]
    partition = _partition(db)
    assert frozenset(urls[:4] + [undated[0]["url"]]) in partition, "a truncated copy joins at any distance in time"
    assert frozenset([urls[4], undated[1]["url"]]) in partition, "the dateline's day and month date the rewrite"
    assert frozenset([undated[2]["url"]]) in partition, "a dateline of another day keeps the same people apart"
    assert frozenset([undated[3]["url"]]) in partition
    sources = dict(db.execute("SELECT url, date_source || ' ' || coalesce(inferred_date, '-') FROM articles"))
    assert sources[undated[0]["url"]] == "reprint 2025-03-12"
    assert sources[undated[1]["url"]] == "dateline 2025-05-14"
    assert sources[undated[2]["url"]].startswith("dateline ")
    assert sources[undated[3]["url"]] == "none -"
    assert sources[urls[0]] == "page -"
    published = dict(db.execute("SELECT url, published FROM articles"))
    assert all(published[r["url"]] is None for r in undated), "published keeps what the page said"


def test_undated_articles_group_the_same_in_any_order(tmp_path):
    from newsfixtures import undated_records

    everything = event_records() + undated_records()
    forward = _partition(_ingest(tmp_path, "fwd", [everything]))
    # Undated first: every dated article that arrives later must re-date them (`_move`).
    undated_first = _partition(_ingest(tmp_path, "undated-first", [everything[7:], everything[:7]]))
    backward = _partition(_ingest(tmp_path, "back", [[r] for r in reversed(everything)]))
    shuffled = everything[5:] + everything[:2] + everything[2:5]
    mixed = _partition(_ingest(tmp_path, "mixed", [shuffled[::2], shuffled[1::2]]))
    assert forward == undated_first == backward == mixed
    db = _ingest(tmp_path, "re", [everything])
    recluster(db)
    assert _partition(db) == forward


def _story_rows_agree(db) -> bool:
    """Every stories row counts its articles, and no row is left without any."""
    return db.execute(
        "SELECT count(*) FROM stories s WHERE size != (SELECT count(*) FROM articles a WHERE a.story_id = s.id) "
        "OR size = 0").fetchone()[0] == 0


def test_moving_and_updating_articles_leave_no_empty_story_behind(tmp_path):
    """An undated article moved to a better-dated story, and an updated article alone in its
    story, each leave their old story: its row must go with them."""
    from newsfixtures import undated_records

    everything = event_records() + undated_records()
    db = _ingest(tmp_path, "moves", [everything[7:], everything[:7]])
    assert _story_rows_agree(db)
    alone = dict(everything[4], text=everything[4]["text"] + " Министры договорились созвониться вновь.")
    _ingest_into(db, tmp_path, "update", [alone])
    assert _story_rows_agree(db)


def _ingest_into(db, tmp_path, name, records):
    ingest_file(db, _write(tmp_path / f"{name}.jsonl", records))


def test_an_archive_linked_before_schema_9_relinks_without_harm(tmp_path):
    """Articles linked before the story keys existed have no row there: updating one must not
    'delete' a row that is not there (which corrupts a contentless FTS5 index)."""
    records = event_records()
    db = _ingest(tmp_path, "old", [records])
    db.execute("INSERT INTO story_keys (story_keys) VALUES ('delete-all')")  # as before schema 9
    changed = dict(records[4], text=records[4]["text"] + " Министры договорились созвониться вновь.")
    _ingest_into(db, tmp_path, "changed", [changed])
    db.execute("INSERT INTO story_keys (story_keys, rank) VALUES ('integrity-check', 0)")
    assert _story_rows_agree(db)


def test_an_undated_article_joins_by_content_only_when_its_event_stands_out(tmp_path):
    """Without a date, content alone joins the closest event only by a margin over the same
    people's events of other days: the rewrite of the seizure joins it, and the piece as close to
    the closure a week later as to the seizure joins neither."""
    from newsfixtures import narva_records

    records = narva_records()
    urls = [r["url"] for r in records]
    db = _ingest(tmp_path, "narva", [records])
    partition = _partition(db)
    assert frozenset([urls[0], urls[1], urls[3]]) in partition, "the undated rewrite stands out for the seizure"
    assert frozenset([urls[2]]) in partition, "the closure a week later is another story"
    assert frozenset([urls[4]]) in partition, "as close to both events: no date to tell which, so neither"
    sources = dict(db.execute("SELECT url, date_source || ' ' || coalesce(inferred_date, '-') FROM articles"))
    assert sources[urls[3]] == "content 2025-09-03"
    assert sources[urls[4]] == "none -"


def test_the_margin_gives_the_same_stories_in_any_order_and_after_an_edit(tmp_path):
    """The ambiguous piece joins the seizure while the closure has not arrived, and must leave
    when it does; an edit that takes the closure off the topic lets it join again. Every order,
    one run or many, and `recluster` give the same stories."""
    from newsfixtures import narva_records

    records = narva_records()
    urls = [r["url"] for r in records]
    forward = _partition(_ingest(tmp_path, "fwd", [records]))
    closure_last = _partition(_ingest(tmp_path, "closure-last", [[r] for r in records[:2] + records[3:] + records[2:3]]))
    undated_first = _partition(_ingest(tmp_path, "undated-first", [records[3:], records[:3]]))
    backward = _partition(_ingest(tmp_path, "back", [[r] for r in reversed(records)]))
    assert forward == closure_last == undated_first == backward
    db = _ingest(tmp_path, "re", [records])
    recluster(db)
    assert _partition(db) == forward

    edited = dict(records[2], text="Синоптики обещают в Таллине снег и гололед в выходные.", title="Снег в Таллине")
    _ingest_into(db, tmp_path, "edit", [edited])
    after_edit = _partition(db)
    assert frozenset([urls[0], urls[1], urls[3], urls[4]]) in after_edit, "no rival left: it joins the seizure"
    assert after_edit == _partition(_ingest(tmp_path, "edited-fresh", [records[:2] + [edited] + records[3:]]))
    assert _story_rows_agree(db)


# An announcement of talks in the morning, the talks reported in the afternoon by two outlets,
# and an outcome stated in the future tense after them (invented, in the manner of wire copy).
_TALKS = [
    ("https://tass.example.ru/anons", "2025-04-09T09:00:00+03:00",
     "Лавров проведет в Москве переговоры с главой МИД Египта",
     "В среду в Москве состоятся переговоры министра иностранных дел России Сергея Лаврова и главы МИД "
     "Египта Бадра Абдель Ати. Как сообщили в министерстве, на встрече будут обсуждаться ситуация в секторе "
     "Газа, поставки российской пшеницы в Египет и строительство атомной электростанции в Эль-Дабаа."),
    ("https://ria.example.ru/talks", "2025-04-09T15:00:00+03:00",
     "Лавров провел в Москве переговоры с главой МИД Египта",
     "Министр иностранных дел России Сергей Лавров провел в Москве переговоры с главой МИД Египта Бадром "
     "Абдель Ати. Стороны обсудили ситуацию в секторе Газа, поставки российской пшеницы в Египет и "
     "строительство атомной электростанции в Эль-Дабаа, сообщили в министерстве."),
    ("https://news.example.org/gaza-npp", "2025-04-09T16:00:00+03:00",
     "Лавров и Абдель Ати обсудили Газу и АЭС в Эль-Дабаа",
     "Глава МИД России Сергей Лавров и его египетский коллега Бадр Абдель Ати на переговорах в Москве "
     "обсудили обстановку в секторе Газа и ход строительства АЭС в Эль-Дабаа. Министры также затронули "
     "поставки российской пшеницы в Египет."),
    ("https://gazeta.example.org/npp", "2025-04-09T17:00:00+03:00",
     "Россия и Египет ускорят строительство АЭС в Эль-Дабаа",
     "Россия и Египет ускорят строительство атомной электростанции в Эль-Дабаа, договорились по итогам "
     "переговоров в Москве министр иностранных дел России Сергей Лавров и глава МИД Египта Бадр Абдель Ати. "
     "Министры обсудили также ситуацию в секторе Газа и поставки пшеницы."),
]


def test_title_tense_reads_the_predicate():
    from archive.link.stories import PREVIEW, REPORT, UNKNOWN, title_tense

    assert title_tense("Лавров проведет в Москве переговоры с главой МИД Египта") == PREVIEW
    assert title_tense("В Москве пройдут консультации по Ближнему Востоку") == PREVIEW
    assert title_tense("Глава МИД Египта посетит Москву") == PREVIEW
    assert title_tense("Лавров провел в Москве переговоры с главой МИД Египта") == REPORT
    # What a speaker said is reported, whatever its tense.
    assert title_tense("Лавров: саммит состоится через месяц") == REPORT
    assert title_tense("Захарова заявила, что Москва ответит на высылку дипломатов") == REPORT
    assert title_tense("Москва и Каир готовят соглашение о пшенице") == UNKNOWN
    assert title_tense("Переговоры в Москве") == UNKNOWN
    assert title_tense("") == UNKNOWN


def test_an_announcement_is_another_story_than_the_event_it_announces(tmp_path):
    from archive.link import stories
    from archive.link.stories import features

    records = [{"url": u, "published": p, "title": t, "text": x} for u, p, t, x in _TALKS[:3]]
    expected = {frozenset([records[0]["url"]]), frozenset(r["url"] for r in records[1:])}
    db = _ingest(tmp_path, "talks", [records])
    assert _partition(db) == expected
    assert _partition(_ingest(tmp_path, "backward", [[r] for r in reversed(records)])) == expected
    recluster(db)
    assert _partition(db) == expected
    announcement, report, outcome = (features(_TALKS[i][2], _TALKS[i][3], hour) for i, hour in ((0, 0), (1, 6), (3, 8)))
    # Without their titles, the texts alone make them one story: it is the titles' tenses that part them.
    assert stories.same_story(features("", _TALKS[0][3], 0), features("", _TALKS[1][3], 6))
    assert not stories.same_story(announcement, report)
    # A title in the future tense published after the report states an outcome, not an announcement.
    assert stories.same_story(outcome, report)
    assert not stories.same_story(dataclass_replace(outcome, hour=6), report)


def test_story_features_stored_before_the_title_tense_decode_as_unknown():
    from archive.link.stories import PREVIEW, UNKNOWN, StoryFeatures, features

    title, _, _, text = _TALKS[0][2], None, None, _TALKS[0][3]
    stored = features(title, text, 480_000)
    assert stored.tense == PREVIEW
    assert StoryFeatures.decode(480_000, stored.encode()) == stored
    old = StoryFeatures.decode(480_000, stored.encode()[:-1])  # the blob of story rule 3
    assert old.tense == UNKNOWN and old.terms == stored.terms and old.quote_ngrams == stored.quote_ngrams


def test_the_batched_similarities_equal_the_pairwise_cosine_bit_for_bit():
    """`docs.similarities` replaces one `cosine` a pair in linking, so it must give the very
    same floats: the decisions compare them with thresholds."""
    import random
    from array import array as _array

    from archive.link import stories
    from archive.link.docs import Doc, similarities

    rng = random.Random(7)

    def doc(n_terms: int) -> Doc:
        ids = rng.sample(range(300), n_terms)
        weights = _array("f", (rng.random() ** 3 * 10 ** rng.randint(-3, 0) for _ in ids))
        return Doc(0, "", "", False, "", 0, _array("I"),
                   stories.StoryFeatures(0, dict(zip(ids, weights)), frozenset(), frozenset()))

    for _ in range(500):
        one = doc(rng.choice([0, 1, 5, 80]))
        others = [doc(rng.choice([0, 1, 40, 80])) for _ in range(rng.randint(0, 30))]
        got = similarities(one, others)
        assert got == [stories.cosine(one.story.terms, o.story.terms) for o in others]
        assert got == [stories.cosine(o.story.terms, one.story.terms) for o in others]


# Background sentences: invented texts, not devset ones.
_EVENT = ("Министр иностранных дел России Сергей Лавров провел в Ханое переговоры с главой МИД "
          "Вьетнама Буй Тхань Соном. Стороны обсудили поставки удобрений и строительство АЭС.")


def test_background_sentences_do_not_count_in_the_story_features():
    """A report with a "Ранее ..." or "Напомним, ..." sentence about another event has the
    features of the report without it: another outlet's background, or the event a follow-up
    follows, says nothing about which event this is."""
    from archive.link.stories import features

    title, after = "Лавров провел переговоры в Ханое", "Итоги подведут позже."
    plain = features(title, f"{_EVENT} {after}", 480_000)
    for background in ("Ранее Мария Захарова заявила о визите Ким Чен Ына в Пекин.",
                       "Напомним, в апреле Лавров посетил Анкару и встретился с Эрдоганом."):
        for text in (f"{_EVENT} {background} {after}", f"{background}\n{_EVENT}\n{after}",
                     f"{_EVENT}\n{background}\n{after}"):
            assert features(title, text, 480_000) == plain, text
    assert features(title, f"{_EVENT} Ранее Захарова заявила о визите. {after}", 480_000) != \
        features(title, f"{_EVENT} Захарова заявила о визите. {after}", 480_000)


def test_only_sentences_that_open_with_the_markers_are_background():
    from archive.link.stories import news_core

    kept = [
        _EVENT + " Как заявил ранее министр, визит был важен.",  # "ранее" inside a sentence
        _EVENT + ' "Ранее мы такого не видели", - сказал Лавров.',  # a quotation
        _EVENT + " «Мы довольны. Ранее такого не было», — сказал Лавров.",  # inside a quotation
        _EVENT + "\n— Ранее мы такого не видели, — сказал Лавров.",  # direct speech after a dash
        "Ранее.",  # nothing else: the text stays whole
    ]
    for text in kept:
        assert news_core(text) == text
    after = "Визит продлится два дня."
    for background in ("Ранее он был в Лаосе.", "Ранее В. В. Путин побывал в г. Вьентьяне.",
                       "Ранее он спросил: «Кто виноват?»", "Напомним, визит был объявлен (в мае)."):
        assert news_core(f"{_EVENT} {background} {after}") == f"{_EVENT} {after}", background
