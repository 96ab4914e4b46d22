"""The demo's pipeline on the bundled sample site: records come out, a re-run changes nothing."""

from pathlib import Path

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey
from prefect.client.schemas.sorting import ArtifactSort
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from db.models import Agreement, AgreementParty, Summit, SummitParticipant
from flows.ingest import ingest
from flows.sample_server import SAMPLE_SITE, serve_sample_site
from tests.rows import row_counts

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("prefect_server")]

CENTRAL_ASIA_AND_CHINA = {"CN", "KZ", "KG", "TJ", "TM", "UZ"}


def latest_artifact(key: str) -> str:
    """The newest version of an artifact, as the Prefect UI would show it."""
    with get_client(sync_client=True) as client:
        (artifact,) = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[key])),
            sort=ArtifactSort.CREATED_DESC, limit=1)
    return str(artifact.data)


def test_sample_site_yields_the_astana_summit_and_its_agreements(
    pipeline_env: str, tmp_path: Path
) -> None:
    engine = create_engine(pipeline_env)
    with serve_sample_site() as base_url:
        feeds = tmp_path / "feeds.toml"
        feeds.write_text((SAMPLE_SITE / "feeds.toml").read_text().replace("{{BASE_URL}}", base_url))
        result = ingest(feeds_file=str(feeds))
        assert result["total"]["failed"] == 0, result["feeds"]  # every record stored
        with Session(engine) as session:
            first = row_counts(session)
            summit = session.scalars(select(Summit).where(
                Summit.name == "China-Central Asia Summit", Summit.edition == 2)).one()
            assert (summit.city, summit.country, summit.articles) == ("Astana", "KZ", 2)
            participants = set(session.scalars(select(SummitParticipant.code).where(
                SummitParticipant.summit_id == summit.id)))
            assert participants == CENTRAL_ASIA_AND_CHINA
            linked = session.scalars(select(Agreement).where(Agreement.summit_id == summit.id)).all()
            kinds = {(a.title, a.type, a.count) for a in linked}
            assert ("Astana Declaration", "declaration", 1) in kinds
            assert (None, "agreement", 12) in kinds
            assert any(t and t.startswith("Treaty of Permanent Good-Neighbo") for t, _, _ in kinds)
            for agreement in linked:
                parties = set(session.scalars(select(AgreementParty.code).where(
                    AgreementParty.agreement_id == agreement.id)))
                assert parties <= CENTRAL_ASIA_AND_CHINA | {"SCO", "EU"}
            # nothing from the hard negatives (mountain, investor summit, wage deal, court, football)
            names = set(session.scalars(select(Summit.name)))
            assert not any("Digital Steppe" in n or "Khan Tengri" in n for n in names)
        assert "China-Central Asia Summit" in latest_artifact("ingest-new-records")
        assert "steppe-courier" in latest_artifact("ingest-summary")
        assert float(latest_artifact("ingest-progress")) == 100.0
        ingest(feeds_file=str(feeds), force=True)
        with Session(engine) as session:
            assert row_counts(session) == first
        assert "Nothing new in this run." in latest_artifact("ingest-new-records")
    engine.dispose()
