"""A ballot's voter is on its vote's roll, in the database too.

The services refuse a ballot for a voter of another vote; nothing in the database did, so a
ballot written by any other path could count in a vote whose roll does not hold its voter.
``voter_id_vote_unique`` (id, vote) on the roll is what a ballot's (voter, vote) refers to:

- PostgreSQL: a composite foreign key, checked at once (``DEFERRABLE INITIALLY IMMEDIATE``: a
  loader that writes ballots before their voters may ``SET CONSTRAINTS … DEFERRED``);
- SQLite (development and the demo): it cannot add a foreign key to an existing table, so two
  triggers (insert, update) refuse the row with ``ballot_voter_of_its_vote``.
"""

from django.db import migrations, models

NAME = "ballot_voter_of_its_vote"

POSTGRESQL = (
    f"ALTER TABLE cases_ballot ADD CONSTRAINT {NAME} FOREIGN KEY (voter_id, vote_id) "
    "REFERENCES cases_voter (id, vote_id) DEFERRABLE INITIALLY IMMEDIATE",
)
POSTGRESQL_REVERSE = (f"ALTER TABLE cases_ballot DROP CONSTRAINT {NAME}",)
_SQLITE_CHECK = (
    "WHEN NOT EXISTS (SELECT 1 FROM cases_voter "
    "WHERE id = NEW.voter_id AND vote_id = NEW.vote_id) "
    f"BEGIN SELECT RAISE(ABORT, '{NAME}'); END"
)
SQLITE = (
    f"CREATE TRIGGER {NAME}_insert BEFORE INSERT ON cases_ballot {_SQLITE_CHECK}",
    f"CREATE TRIGGER {NAME}_update BEFORE UPDATE OF voter_id, vote_id ON cases_ballot "
    f"{_SQLITE_CHECK}",
)
SQLITE_REVERSE = (f"DROP TRIGGER {NAME}_insert", f"DROP TRIGGER {NAME}_update")


def _run(statements: dict):
    def run(apps, schema_editor):
        for sql in statements.get(schema_editor.connection.vendor, ()):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0011_visit_branch_protect"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name="voter",
            constraint=models.UniqueConstraint(fields=("id", "vote"), name="voter_id_vote_unique"),
        ),
        migrations.RunPython(
            _run({"postgresql": POSTGRESQL, "sqlite": SQLITE}),
            _run({"postgresql": POSTGRESQL_REVERSE, "sqlite": SQLITE_REVERSE}),
        ),
    ]
