"""The back-off policy after a poll (pure; polling itself is covered end to end)."""

from datetime import UTC, datetime, timedelta

from flows.polling import BACKOFF, FeedState, PollResult, next_feed_state

NOW = datetime(2025, 6, 17, 2, 0, tzinfo=UTC)


def test_success_resets_failures_and_keeps_validators() -> None:
    result = PollResult(outcome="ok", http_status=200, etag='"v2"', last_modified="Tue",
                        body_hash="h2")
    values = next_feed_state(result, FeedState(url="u", consecutive_failures=3), NOW,
                             max_failures=10)
    assert values["consecutive_failures"] == 0
    assert values["next_poll_at"] is None
    assert (values["etag"], values["last_modified"], values["body_hash"]) == ('"v2"', "Tue", "h2")
    assert values["last_success_at"] == NOW


def test_each_failure_waits_longer_then_the_feed_is_disabled() -> None:
    waits = []
    failures = 0
    for _ in range(6):
        values = next_feed_state(PollResult(outcome="failed", error="HTTP 500"),
                                 FeedState(url="u", consecutive_failures=failures), NOW,
                                 max_failures=6)
        failures = int(str(values["consecutive_failures"]))
        assert isinstance(values["next_poll_at"], datetime)
        waits.append(values["next_poll_at"] - NOW)
    assert waits == sorted(waits) and waits[0] == BACKOFF[0] and waits[-1] == BACKOFF[-1]
    assert values["enabled"] is False
    assert "6 consecutive failures" in str(values["disabled_reason"])
    assert "HTTP 500" in str(values["disabled_reason"])


def test_a_failure_forgets_validators_so_the_next_poll_reads_the_whole_feed() -> None:
    values = next_feed_state(PollResult(outcome="failed", error="x"),
                             FeedState(url="u", etag='"v1"', body_hash="h"), NOW, max_failures=5)
    assert values["etag"] is None and values["body_hash"] is None
    assert values["next_poll_at"] == NOW + timedelta(hours=1)
