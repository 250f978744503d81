"""one_line: names and titles without controls or bidi overrides."""

from likewatch.web.text import one_line


def test_bidi_overrides_and_isolates_are_removed():
    assert one_line("abc\u202egnp.exe") == "abcgnp.exe"
    assert one_line("\u2066x\u2069 \u200fy") == "x y"


def test_matched_first_strong_isolates_stay_and_stray_ones_go():
    # The server isolates a page's name in an Arabic sentence (likewatch.formatting.isolate):
    # a closed pair cannot reorder anything outside it; a stray one could.
    sentence = "\u2068MarocTelecom\u2069: انخفاض قدره \u2068\u22124,104\u2069"
    assert one_line(sentence) == sentence
    assert one_line("\u2068open \u2069x\u2069 \u2068y") == "\u2068open \u2069x y"


def test_controls_become_spaces_and_whitespace_collapses():
    assert one_line("a\x00b\n\tc   d\x7f") == "a b c d"


def test_joiners_that_scripts_need_are_kept():
    assert one_line("می\u200cخواهم") == "می\u200cخواهم"


def test_nothing_gives_an_empty_string():
    assert one_line(None) == "" and one_line("") == ""
