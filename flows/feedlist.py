"""The feed list: a TOML file the user edits, read and (for add/disable) rewritten in place."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

import tomlkit

from flows.urls import InvalidUrlError, canonical_url

REGIONS = (
    "central-asia", "china", "russia-caucasus", "south-asia", "southeast-asia",
    "middle-east", "global",
)


class FeedListError(ValueError):
    """The feed list file is missing or malformed; the message says where."""


@dataclass(frozen=True, slots=True, kw_only=True)
class FeedSpec:
    name: str
    url: str
    region: str | None = None
    language: str | None = "en"
    tags: tuple[str, ...] = ()
    enabled: bool = True


def read_feed_list(path: Path) -> list[FeedSpec]:
    """Read and validate every ``[[feeds]]`` table of ``path``.

    Raises:
        FeedListError: the file is missing, not TOML, or a feed is invalid.
    """
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise FeedListError(f"feed list not found: {path}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise FeedListError(f"{path}: not valid TOML: {exc}") from exc
    specs = [_spec(path, i, table) for i, table in enumerate(data.get("feeds", []))]
    names = [s.name for s in specs]
    if dupes := sorted({n for n in names if names.count(n) > 1}):
        raise FeedListError(f"{path}: feed names must be unique, repeated: {', '.join(dupes)}")
    return specs


def add_feed(path: Path, spec: FeedSpec) -> None:
    """Append ``spec`` to the file, keeping the user's comments and layout."""
    existing = read_feed_list(path) if path.exists() else []
    if any(s.name == spec.name or s.url == spec.url for s in existing):
        raise FeedListError(f"a feed named {spec.name!r} or with that URL is already listed")
    _spec(path, len(existing), {"name": spec.name, "url": spec.url})  # validates
    doc = tomlkit.parse(path.read_text(encoding="utf-8")) if path.exists() else tomlkit.document()
    table = tomlkit.table()
    table["name"] = spec.name
    table["url"] = spec.url
    if spec.region:
        table["region"] = spec.region
    if spec.language:
        table["language"] = spec.language
    table["tags"] = list(spec.tags)
    doc.setdefault("feeds", tomlkit.aot()).append(table)
    path.write_text(tomlkit.dumps(doc), encoding="utf-8")


def set_feed_enabled(path: Path, name: str, enabled: bool) -> None:
    """Set ``enabled`` on the named feed in the file."""
    doc = tomlkit.parse(path.read_text(encoding="utf-8"))
    for table in doc.get("feeds", []):
        if table.get("name") == name:
            table["enabled"] = enabled
            path.write_text(tomlkit.dumps(doc), encoding="utf-8")
            return
    raise FeedListError(f"no feed named {name!r} in {path}")


def _spec(path: Path, index: int, table: dict[str, object]) -> FeedSpec:
    where = f"{path}: feed #{index + 1}"
    name, url = table.get("name"), table.get("url")
    if not isinstance(name, str) or not name.strip():
        raise FeedListError(f"{where}: 'name' must be a non-empty string")
    if not isinstance(url, str):
        raise FeedListError(f"{where} ({name}): 'url' must be a string")
    try:
        canonical_url(url)
    except InvalidUrlError as exc:
        raise FeedListError(f"{where} ({name}): {exc}") from exc
    region = table.get("region")
    if region is not None and region not in REGIONS:
        raise FeedListError(f"{where} ({name}): region must be one of {', '.join(REGIONS)}")
    tags = table.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise FeedListError(f"{where} ({name}): 'tags' must be a list of strings")
    language = table.get("language", "en")
    return FeedSpec(
        name=name.strip(), url=url.strip(), region=region if isinstance(region, str) else None,
        language=language if isinstance(language, str) else None, tags=tuple(tags),
        enabled=bool(table.get("enabled", True)),
    )
