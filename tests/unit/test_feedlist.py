import tomllib
from pathlib import Path

import pytest

from flows.feedlist import FeedListError, FeedSpec, add_feed, read_feed_list, set_feed_enabled
from flows.settings import REPO_ROOT


def test_default_feed_list_is_valid_and_regional() -> None:
    specs = read_feed_list(REPO_ROOT / "feeds.toml")
    assert len(specs) >= 15
    regions = {s.region for s in specs}
    assert {"central-asia", "china", "russia-caucasus", "south-asia", "southeast-asia",
            "middle-east"} <= regions
    assert all(s.language == "en" for s in specs)


def test_add_and_disable_keep_comments(tmp_path: Path) -> None:
    path = tmp_path / "feeds.toml"
    path.write_text('# my feeds\n[[feeds]]\nname = "a"\nurl = "https://a.example/rss"\n')
    add_feed(path, FeedSpec(name="b", url="https://b.example/feed", region="china",
                            tags=("x",)))
    set_feed_enabled(path, "a", False)
    text = path.read_text()
    assert text.startswith("# my feeds")
    feeds = tomllib.loads(text)["feeds"]
    assert [f["name"] for f in feeds] == ["a", "b"]
    assert feeds[0]["enabled"] is False
    assert [s.enabled for s in read_feed_list(path)] == [False, True]


TWO_FEEDS_NAMED_A = (
    '[[feeds]]\nname = "a"\nurl = "https://a.example"\n'
    '[[feeds]]\nname = "a"\nurl = "https://b.example"\n'
)


@pytest.mark.parametrize(
    ("content", "message"),
    [('[[feeds]]\nurl = "https://a.example"\n', "'name'"),
     ('[[feeds]]\nname = "a"\nurl = "ftp://a.example"\n', r"not an http\(s\) URL"),
     ('[[feeds]]\nname = "a"\nurl = "https://a.example"\nregion = "mars"\n', "region"),
     (TWO_FEEDS_NAMED_A, "unique"),
     ("[[feeds]\n", "not valid TOML")],
)
def test_invalid_lists_say_what_is_wrong(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "feeds.toml"
    path.write_text(content)
    with pytest.raises(FeedListError, match=message):
        read_feed_list(path)


def test_duplicate_add_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "feeds.toml"
    add_feed(path, FeedSpec(name="a", url="https://a.example/rss"))
    with pytest.raises(FeedListError):
        add_feed(path, FeedSpec(name="a", url="https://other.example/rss"))
