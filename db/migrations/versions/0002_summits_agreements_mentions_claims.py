"""summits, agreements, mentions, claims

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('summits',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('key', sa.Text(), nullable=False),
    sa.Column('series_key', sa.Text(), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('edition', sa.Integer(), nullable=True),
    sa.Column('year', sa.Integer(), nullable=True),
    sa.Column('start_date', sa.Date(), nullable=True),
    sa.Column('end_date', sa.Date(), nullable=True),
    sa.Column('city', sa.Text(), nullable=True),
    sa.Column('country', sa.Text(), nullable=True),
    sa.Column('status', sa.Text(), nullable=True),
    sa.Column('articles', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('first_reported', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_reported', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_summits')),
    sa.UniqueConstraint('key', name=op.f('uq_summits_key'))
    )
    op.create_index(op.f('ix_summits_series_key'), 'summits', ['series_key'], unique=False)
    op.create_index(op.f('ix_summits_year'), 'summits', ['year'], unique=False)
    op.create_table('agreements',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('key', sa.Text(), nullable=False),
    sa.Column('title', sa.Text(), nullable=True),
    sa.Column('type', sa.Text(), nullable=False),
    sa.Column('count', sa.Integer(), server_default=sa.text('1'), nullable=False),
    sa.Column('status', sa.Text(), nullable=True),
    sa.Column('summit_id', sa.BigInteger(), nullable=True),
    sa.Column('summit_ref', sa.Text(), nullable=True),
    sa.Column('signed_on', sa.Date(), nullable=True),
    sa.Column('articles', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('first_reported', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_reported', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['summit_id'], ['summits.id'], name=op.f('fk_agreements_summit_id_summits'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agreements')),
    sa.UniqueConstraint('key', name=op.f('uq_agreements_key'))
    )
    op.create_index(op.f('ix_agreements_signed_on'), 'agreements', ['signed_on'], unique=False)
    op.create_index(op.f('ix_agreements_summit_id'), 'agreements', ['summit_id'], unique=False)
    op.create_index(op.f('ix_agreements_type'), 'agreements', ['type'], unique=False)
    op.create_table('summit_participants',
    sa.Column('summit_id', sa.BigInteger(), nullable=False),
    sa.Column('code', sa.Text(), nullable=False),
    sa.Column('articles', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['summit_id'], ['summits.id'], name=op.f('fk_summit_participants_summit_id_summits'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('summit_id', 'code', name=op.f('pk_summit_participants'))
    )
    op.create_index(op.f('ix_summit_participants_code'), 'summit_participants', ['code'], unique=False)
    op.create_table('summit_people',
    sa.Column('summit_id', sa.BigInteger(), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('kind', sa.Text(), nullable=False),
    sa.Column('role', sa.Text(), nullable=True),
    sa.Column('country', sa.Text(), nullable=True),
    sa.Column('articles', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['summit_id'], ['summits.id'], name=op.f('fk_summit_people_summit_id_summits'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('summit_id', 'name', name=op.f('pk_summit_people'))
    )
    op.create_table('agreement_parties',
    sa.Column('agreement_id', sa.BigInteger(), nullable=False),
    sa.Column('code', sa.Text(), nullable=False),
    sa.Column('articles', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['agreement_id'], ['agreements.id'], name=op.f('fk_agreement_parties_agreement_id_agreements'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('agreement_id', 'code', name=op.f('pk_agreement_parties'))
    )
    op.create_index(op.f('ix_agreement_parties_code'), 'agreement_parties', ['code'], unique=False)
    op.create_table('agreement_sectors',
    sa.Column('agreement_id', sa.BigInteger(), nullable=False),
    sa.Column('sector', sa.Text(), nullable=False),
    sa.Column('articles', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['agreement_id'], ['agreements.id'], name=op.f('fk_agreement_sectors_agreement_id_agreements'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('agreement_id', 'sector', name=op.f('pk_agreement_sectors'))
    )
    op.create_table('claims',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('summit_id', sa.BigInteger(), nullable=True),
    sa.Column('agreement_id', sa.BigInteger(), nullable=True),
    sa.Column('field', sa.Text(), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.Column('articles', sa.Integer(), nullable=False),
    sa.Column('chosen', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['agreement_id'], ['agreements.id'], name=op.f('fk_claims_agreement_id_agreements'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['summit_id'], ['summits.id'], name=op.f('fk_claims_summit_id_summits'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_claims'))
    )
    op.create_index('ix_claims_agreement_id', 'claims', ['agreement_id'], unique=False)
    op.create_index('ix_claims_summit_id', 'claims', ['summit_id'], unique=False)
    op.create_table('mentions',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('article_id', sa.BigInteger(), nullable=False),
    sa.Column('kind', sa.Text(), nullable=False),
    sa.Column('ordinal', sa.Integer(), nullable=False),
    sa.Column('summit_id', sa.BigInteger(), nullable=True),
    sa.Column('agreement_id', sa.BigInteger(), nullable=True),
    sa.Column('record', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('evidence', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('values', postgresql.JSONB(astext_type=sa.Text()), server_default='[]', nullable=False),
    sa.Column('confidence', sa.Double(), nullable=False),
    sa.Column('extractor', sa.Text(), nullable=False),
    sa.Column('extractor_version', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['agreement_id'], ['agreements.id'], name=op.f('fk_mentions_agreement_id_agreements'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['article_id'], ['articles.id'], name=op.f('fk_mentions_article_id_articles'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['summit_id'], ['summits.id'], name=op.f('fk_mentions_summit_id_summits'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mentions')),
    sa.UniqueConstraint('article_id', 'kind', 'ordinal', name=op.f('uq_mentions_article_id_kind_ordinal'))
    )
    op.create_index('ix_mentions_agreement_id', 'mentions', ['agreement_id'], unique=False)
    op.create_index('ix_mentions_summit_id', 'mentions', ['summit_id'], unique=False)
    op.add_column('articles', sa.Column('extractor', sa.Text(), nullable=True))
    op.add_column('articles', sa.Column('extractor_version', sa.Text(), nullable=True))
    op.add_column('articles', sa.Column('extracted_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column('articles', 'extracted_at')
    op.drop_column('articles', 'extractor_version')
    op.drop_column('articles', 'extractor')
    op.drop_index('ix_mentions_summit_id', table_name='mentions')
    op.drop_index('ix_mentions_agreement_id', table_name='mentions')
    op.drop_table('mentions')
    op.drop_index('ix_claims_summit_id', table_name='claims')
    op.drop_index('ix_claims_agreement_id', table_name='claims')
    op.drop_table('claims')
    op.drop_table('agreement_sectors')
    op.drop_index(op.f('ix_agreement_parties_code'), table_name='agreement_parties')
    op.drop_table('agreement_parties')
    op.drop_table('summit_people')
    op.drop_index(op.f('ix_summit_participants_code'), table_name='summit_participants')
    op.drop_table('summit_participants')
    op.drop_index(op.f('ix_agreements_type'), table_name='agreements')
    op.drop_index(op.f('ix_agreements_summit_id'), table_name='agreements')
    op.drop_index(op.f('ix_agreements_signed_on'), table_name='agreements')
    op.drop_table('agreements')
    op.drop_index(op.f('ix_summits_year'), table_name='summits')
    op.drop_index(op.f('ix_summits_series_key'), table_name='summits')
    op.drop_table('summits')
