"""What the household table's indexes cost a bulk write, measured with COPY alone.

    DATABASE_URL=postgres://root@127.0.0.1:5432/landreform .venv/bin/python \\
        benchmarks/copy_index_cost.py [--rows 100000] [--runs 2]

COPYs the same ``--rows`` household rows (the import benchmark's names, numbers and ID
numbers) into a scratch table ``bench_index_cost`` shaped like ``cases_household``, with:
no index; the three B-tree indexes of ``cases_household`` (primary key, unique
(cooperative, number), head name); those and its two trigram GIN indexes (head name and
number, which the searches at district scale need); the two GIN indexes alone. No foreign
key, no history: what the indexes alone take from COPY's speed, i.e. how far below bare COPY
any write into the real table must stay. Drops its table at the end. Needs ``pg_trgm``
(created if missing, as migration 0001 does).
"""

import argparse
import csv
import io
import os
import sys
import time

import psycopg2
from import_benchmark import head_name  # the same names as the import benchmark's

TABLE = "bench_index_cost"
BTREES = [
    f"CREATE UNIQUE INDEX ON {TABLE} (id)",
    f"CREATE UNIQUE INDEX ON {TABLE} (cooperative_id, number)",
    f"CREATE INDEX ON {TABLE} (head_name)",
]
GINS = [
    f"CREATE INDEX ON {TABLE} USING gin (head_name gin_trgm_ops)",
    f"CREATE INDEX ON {TABLE} USING gin (number gin_trgm_ops)",
]
VARIANTS = {
    "no index (bare COPY)": [],
    "3 B-tree indexes of cases_household": BTREES,
    "3 B-tree + 2 trigram GIN (all of cases_household's)": BTREES + GINS,
    "2 trigram GIN alone": GINS,
}


def rows_csv(rows: int) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for n in range(1, rows + 1):
        writer.writerow(
            [n, n % 100 + 1, str(n), head_name(n), f"4406051950{n % 12 + 1:02d}01{n % 1000:03d}X"]
            + [f"138{n:08d}", f"村{n % 50}巷{n % 30}号", "", "2026-11-28", "2026-11-28"]
        )
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=2)
    options = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit("Set DATABASE_URL=postgres://… : the benchmark runs on PostgreSQL.")
    data = rows_csv(options.rows)
    conn = psycopg2.connect(url)
    cursor = conn.cursor()
    cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    print(f"COPY of {options.rows:,} rows, {options.runs} runs each")
    print(f"{'indexes':<54} {'seconds':>16} {'rows/s':>10} {'of bare':>8}")
    bare = None
    try:
        for name, indexes in VARIANTS.items():
            seconds = []
            for _run in range(options.runs):
                cursor.execute(
                    f"DROP TABLE IF EXISTS {TABLE}; CREATE TABLE {TABLE} (id bigint, "
                    "cooperative_id bigint, number varchar(32), head_name varchar(50), "
                    "head_id_number varchar(18), phone varchar(20), address varchar(200), "
                    "notes text, created_at timestamptz, updated_at timestamptz)"
                )
                for statement in indexes:
                    cursor.execute(statement)
                conn.commit()
                start = time.perf_counter()
                cursor.copy_expert(
                    f"COPY {TABLE} FROM STDIN WITH (FORMAT csv, FORCE_NOT_NULL (notes))",
                    io.StringIO(data),
                )
                conn.commit()
                seconds.append(time.perf_counter() - start)
            best = min(seconds)
            bare = bare or best
            runs = " / ".join(f"{s:.2f}" for s in seconds)
            print(f"{name:<54} {runs:>16} {options.rows / best:>10,.0f} {bare / best:>8.2f}")
    finally:
        cursor.execute(f"DROP TABLE IF EXISTS {TABLE}")
        conn.commit()
        conn.close()
    print("rows/s and 'of bare' use each variant's fastest run.")


if __name__ == "__main__":
    main()
