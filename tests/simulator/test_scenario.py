"""The bundled 2016 scenario reproduces what the press reported, and scenarios fail clearly."""

import json

import pytest

from likewatch.simulator.scenario import ScenarioError, load


def test_the_2016_scenario_matches_the_reported_first_day(scenario):
    # Arabi21: in less than a day more than 60,000 left Maroc Telecom's page, 40,000
    # Meditel's and 45,000 Inwi's.
    reported = {"MarocTelecom": 60_000, "meditel": 40_000, "inwi.ma": 45_000}
    for username, at_least in reported.items():
        page = scenario.page(username)
        lost = page.count("likes", 0) - page.count("likes", 24)
        assert lost > at_least, username


def test_the_wave_builds_peaks_and_fades(scenario):
    page = scenario.page("MarocTelecom")

    def pace(hour: float) -> int:
        return page.count("likes", hour) - page.count("likes", hour + 1)

    assert pace(1) < pace(7) > pace(20)


def test_bought_likes_arrive_as_a_burst(scenario):
    page = scenario.page("MarocTelecom")
    during = page.count("likes", 16.5) - page.count("likes", 16)
    assert during > 2_000


def test_a_page_is_found_by_username_case_insensitively(scenario):
    assert scenario.page("MAROCTELECOM").id == "110380648982071"


def test_a_missing_scenario_file_is_a_clear_error(tmp_path):
    with pytest.raises(ScenarioError, match="cannot read"):
        load(tmp_path / "nope.json")


def test_a_malformed_scenario_names_the_problem(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"pages": [{"id": "1"}]}))
    with pytest.raises(ScenarioError, match="neither followers nor likes"):
        load(path)
    path.write_text("{not json")
    with pytest.raises(ScenarioError, match="not valid JSON"):
        load(path)
