from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from cases.scale import seed_district


class Command(BaseCommand):
    help = (
        "Generate a synthetic district (villages, cooperatives, households, members, projects, "
        "cases, visits, votes, ballots) for scale tests. Uses COPY on PostgreSQL. Invented data."
    )

    def add_arguments(self, parser):
        parser.add_argument("--households", type=int, required=True)
        parser.add_argument("--visits-per-household", type=int, default=5)
        parser.add_argument("--seed", type=int, default=7)

    def handle(self, *args, households, visits_per_household, seed, **options):
        if households < 1 or visits_per_household < 0:
            raise CommandError("--households must be at least 1 and visits per household ≥ 0.")
        if connection.vendor != "postgresql" and households > 50_000:
            raise CommandError(
                "Over 50,000 households, use PostgreSQL (DATABASE_URL=postgres://…)."
            )
        self.stdout.write(
            f"Seeding {households:,} households, ~{visits_per_household} visits each "
            f"on {connection.vendor}…"
        )
        try:
            counts = seed_district(
                households=households,
                visits_per_household=visits_per_household,
                seed=seed,
                write=self.stdout.write,
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        summary = ", ".join(f"{k} {v:,}" for k, v in counts.items())
        self.stdout.write(self.style.SUCCESS(f"Done: {summary}"))
