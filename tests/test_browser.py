"""A reader's path in a real headless browser against a running `mfa-archive serve`: the home
page, a search for an inflected name, an article from the results, its story and another
outlet's version. Asserts on what the pages say and link to, checks that a 1400x900 window
shows the results and the article's text without scrolling, and keeps a screenshot of every
step in a folder that pytest keeps after the run (its path is printed when the test fails).

Not skipped: without Debian's chromium and chromium-driver it fails and says how to install
them (.ci/run does). The browser talks to 127.0.0.1 only.
"""

from __future__ import annotations

import pytest

from tests.support.browser import browser_missing, chromium, fresh_profile, png_size, rect, save_screenshot, serving
from tests.support.webarchive import build_web_archive


@pytest.fixture
def screenshots(tmp_path_factory):
    folder = tmp_path_factory.mktemp("browser-screenshots")
    print(f"browser screenshots: {folder}")  # pytest shows it when the test fails
    return folder


def test_search_an_inflected_name_read_the_article_and_follow_its_story(tmp_path, screenshots):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as loaded
    from selenium.webdriver.support.ui import WebDriverWait

    missing = browser_missing()
    assert missing is None, missing
    archive = build_web_archive(tmp_path / "archive.db")
    with serving(archive.path) as url, chromium(fresh_profile(tmp_path)) as browser:
        step = 0

        def shot(name: str):
            nonlocal step
            step += 1
            return save_screenshot(browser, screenshots / f"{step}-{name}.png")

        wait = WebDriverWait(browser, 30)
        try:
            browser.get(url + "/")
            box = wait.until(loaded.presence_of_element_located((By.NAME, "q")))
            assert browser.title == "mfa-archive search"
            assert "every word matches in all its forms" in browser.find_element(By.TAG_NAME, "body").text.lower()
            assert png_size(shot("home")) == (1400, 900)

            box.send_keys("Галузиным", Keys.ENTER)
            wait.until(loaded.presence_of_element_located((By.CSS_SELECTOR, "ol.hits li")))
            assert browser.find_element(By.NAME, "q").get_attribute("value") == "Галузиным"
            results = browser.find_elements(By.CSS_SELECTOR, "ol.hits li")
            headlines = [r.find_element(By.CSS_SELECTOR, "a.title").text for r in results]
            assert headlines == [
                "Галузин и Алоев обсудили график визитов на высшем уровне",
                "Галузин и замглавы МИД Узбекистана сверили график визитов",
                "Галузин и замглавы МИД Узбекистана сверили график визитов на высшем уровне",
            ]
            marks = [m.text for m in browser.find_elements(By.CSS_SELECTOR, "ol.hits mark")]
            assert "Галузиным" in marks and "Галузин" in marks  # every form, highlighted
            assert "3 matching articles" in browser.find_element(By.CSS_SELECTOR, ".summary").text
            # All three results, snippets included, fit in the first screen.
            assert rect(browser, results[-1])["bottom"] <= 900, rect(browser, results[-1])
            shot("results")

            tass = browser.find_element(By.CSS_SELECTOR, f'ol.hits a.title[href="/-/article/{archive.tass_id}"]')
            tass.click()
            wait.until(loaded.title_contains("Галузин и замглавы МИД Узбекистана сверили график визитов на высшем уровне"))
            page = browser.find_element(By.TAG_NAME, "body").text
            assert "8 Apr 2026, 17:25 MSK" in page and "Редакция сайта ТАСС" in page
            assert "Встреча прошла в Москве, через два месяца после консультаций в Ташкенте" in page
            assert "names a ministry official: Галузин" in page
            paragraphs = browser.find_elements(By.CSS_SELECTOR, "article.reading .body p")
            assert len(paragraphs) == 3 and paragraphs[0].text.startswith("МОСКВА, 8 апреля. /ТАСС/.")
            # The headline, the lead and the start of the text, without scrolling.
            assert rect(browser, paragraphs[0])["bottom"] <= 900, rect(browser, paragraphs[0])
            original = browser.find_element(By.PARTIAL_LINK_TEXT, "original on tass.ru")
            assert original.get_attribute("href") == "https://tass.ru/politika/27398873"
            shot("article")

            story_link = browser.find_element(By.CSS_SELECTOR, "section.story h2 a")
            story_href = story_link.get_attribute("href")
            story_link.click()
            wait.until(loaded.url_to_be(story_href))
            page = browser.find_element(By.TAG_NAME, "body").text
            assert "outlets: newsru, regnews.example.ru, tass" in page
            rows = browser.find_elements(By.CSS_SELECTOR, "table.members tbody tr")
            outlets = [row.find_elements(By.TAG_NAME, "td")[0].text for row in rows]
            assert sorted(outlets) == ["newsru", "regnews.example.ru", "tass"]
            reprint_row = rows[outlets.index("regnews.example.ru")]
            assert f"reprint of article {archive.tass_id}" in reprint_row.text
            shot("story")

            other = rows[outlets.index("newsru")].find_element(By.CSS_SELECTOR, "td:nth-child(3) a")
            assert other.get_attribute("href").endswith(f"/-/article/{archive.newsru_id}")
            other.click()
            wait.until(loaded.title_contains("Галузин и Алоев обсудили график визитов"))
            assert "рассказал Галузин" in browser.find_element(By.CSS_SELECTOR, "article.reading").text
            shot("other-outlet")
        except Exception:
            shot("failure")
            raise
