"""Scale benchmark of the participation section (issue 5).

Targets: a Pabulib file of 100,000 voters x 300 projects is read and yields every vote
indicator in under 10 s; the benchmark table of 35,000 communes (every French commune) is
ranked and rendered in under 10 s.

Run it from the repository root::

    python benchmarks/participation.py                     # 100,000 x 300, 35,000 communes
    python benchmarks/participation.py --voters 20000      # a quicker run
    python benchmarks/participation.py --keep /tmp/bench   # keep the generated .pb file

A deterministic generator (NumPy, fixed seed) first writes, in a temporary folder, a
Pabulib approval vote (``vote_type`` approval, 1 to 5 projects per ballot, the projects of
one's own district favoured): 300 projects spread over 20 districts with a cost, and per
voter an age (years, sometimes ``None``), a sex (``F``, ``M``, sometimes ``None``), a
``voting_method`` (``internet``, ``paper``) and a ``district``. The voter's district is a
column of the VOTES section, the district where they live, as some Pabulib files have it;
for a file without it, the district of the first chosen project would be the fallback (a
proxy: people also vote for projects elsewhere). The generator also makes the city's
population margins (total, per district, per age band of residents aged 16 and over, per
sex) and a table of communes (35,000 by default, populations log-normal; about 1,500 of
them, larger ones more likely, run a participatory budget and have a ``turnout_rate``,
some for two years; the others are listed without a scheme or a figure).

Then, timed with ``time.perf_counter`` (the generation is not):

1. Pabulib: ``read_pabulib``; ``pabulib_vote_counts``; ``participation_rate`` per
   district; ``territorial_equity`` with the projects a greedy rule funds; ``diversity``
   by age band and by sex against the population margins; ``channel_shares`` by
   ``voting_method``; the turnout (``participation_rate`` against the total population).
2. Benchmark: ``load_reference`` concatenated with the communes; ``peer_group`` of a
   client (in the population band with the most communes running a participatory budget: the largest
   peer group); ``compare`` (percentile rank, z-score) of the client; the ranking of every commune
   within its band (``peer_group`` + ``compare`` per band, merged back onto all the communes);
   ``anonymise``; ``benchmark_chart`` saved to PNG by ``civeval.presentation.report.figure``; the
   whole anonymised peer table rendered by ``civeval.presentation.report.table_html``. The ranked
   table of every commune is also rendered, for information: it is not part of the target (a report
   shows the peer table), so its time is printed apart and not counted.

It prints each step's time, each part's total against its 10 s budget and the peak memory
(``ru_maxrss``, which includes the generator). The exit status is 1 when either total
exceeds its budget, so the benchmark can serve as a check.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from timing import Timer, peak_memory_mb, print_peak_memory, within_budget

from civeval import benchmark
from civeval.participation import (
    channel_shares,
    diversity,
    pabulib_vote_counts,
    participation_rate,
    read_pabulib,
    territorial_equity,
)
from civeval.presentation import charts, report

BUDGET_SECONDS = 10.0
SEED = 20250405
POPULATION = 2_100_000  # total INSEE population (a city of Paris's size), minors included
DISTRICTS = 20
BUDGET_EUROS = 8_000_000
MISSING_AGE_SHARE = 0.04
MISSING_SEX_SHARE = 0.03
BALLOT_LENGTHS = (1, 2, 3, 4, 5)
BALLOT_SHARES = (0.14, 0.16, 0.20, 0.20, 0.30)
OWN_DISTRICT_BOOST = 6.0  # a voter is this many times likelier to pick a project nearby

# Age bands of residents aged 16 and over (the voting age), voters' and residents' shares.
AGE_BANDS = ("16-29", "30-44", "45-59", "60-74", "75+")
AGE_EDGES = (16, 30, 45, 60, 75, 120)
AGE_SAMPLE = (0.17, 0.31, 0.26, 0.18, 0.08)
AGE_POPULATION = (0.26, 0.25, 0.22, 0.17, 0.10)
ADULTS = 1_780_000  # residents aged 16 and over: the total of the age and sex margins
SEXES = ("F", "M")
SEX_SAMPLE = (0.56, 0.44)
SEX_POPULATION = (0.52, 0.48)
METHODS = ("internet", "paper")
METHOD_SHARES = (0.78, 0.22)

SCHEME = "budget participatif"
INDICATOR = "turnout_rate"
CLIENT = "Ville cliente"
CLIENT_VALUE = 0.071
PUBLIC_SHARE = 0.25  # communes whose figure is published; the others come from studies
SECOND_YEAR_SHARE = 0.3  # communes with a participatory budget and two years of figures


@dataclass(frozen=True)
class City:
    """The generated vote and the population it is measured against."""

    path: Path
    voters: int
    projects: int
    ballots: int  # approvals in all
    districts: pd.Series  # inhabitants per district, index named "district"
    ages: pd.Series  # residents aged 16+ per age band
    sexes: pd.Series  # residents aged 16+ per sex
    budget: int


# --- the Pabulib file -----------------------------------------------------------------------

def _counts(shares, total: int) -> np.ndarray:
    """Whole counts in proportion to ``shares`` that add up to ``total`` exactly
    (largest remainders)."""
    exact = np.asarray(shares, dtype=float) / np.sum(shares) * total
    counts = np.floor(exact).astype(int)
    counts[np.argsort(counts - exact)[: total - counts.sum()]] += 1
    return counts


def _ballots(rng: np.random.Generator, voter_district: np.ndarray, project_district: np.ndarray,
             popularity: np.ndarray, lengths: np.ndarray) -> list[str]:
    """Each voter's approvals, ``,``-joined: ``lengths[i]`` distinct projects drawn with
    probability proportional to popularity, boosted in the voter's district (Gumbel top-k:
    a weighted draw without replacement, one district's voters at a time)."""
    cells = np.empty(len(voter_district), dtype=object)
    ids = np.arange(1, len(popularity) + 1).astype(str)
    for district in range(DISTRICTS):
        rows = np.flatnonzero(voter_district == district)
        if not len(rows):
            continue
        weights = popularity * np.where(project_district == district, OWN_DISTRICT_BOOST, 1.0)
        keys = np.log(weights) + rng.gumbel(size=(len(rows), len(popularity)))
        top = np.argsort(-keys, axis=1)[:, : max(BALLOT_LENGTHS)]
        for row, choice in zip(rows, top, strict=True):
            cells[row] = ",".join(ids[choice[: lengths[row]]])
    return cells.tolist()


def _with_missing(rng: np.random.Generator, values: np.ndarray, share: float) -> np.ndarray:
    values = values.astype(str).astype(object)
    values[rng.random(len(values)) < share] = "None"  # how Pabulib writes an unknown value
    return values


def generate_pabulib(folder: Path, voters: int, projects: int, seed: int = SEED) -> City:
    """Write ``vote.pb`` into ``folder``; return it with the population margins."""
    rng = np.random.default_rng(seed)
    names = [f"Quartier {number:02d}" for number in range(1, DISTRICTS + 1)]
    inhabitants = _counts(rng.dirichlet(np.full(DISTRICTS, 8.0)), POPULATION)
    propensity = rng.uniform(0.4, 1.6, DISTRICTS)  # some districts vote more than others

    project_district = rng.integers(0, DISTRICTS, size=projects)
    costs = np.clip(np.round(rng.lognormal(11.4, 0.8, projects), -3), 5_000, 1_500_000)
    popularity = rng.lognormal(0.0, 0.9, projects)

    voter_district = rng.choice(DISTRICTS, size=voters,
                                p=inhabitants * propensity / np.sum(inhabitants * propensity))
    band = rng.choice(len(AGE_BANDS), size=voters, p=AGE_SAMPLE)
    age = rng.integers(np.take(AGE_EDGES[:-1], band), np.take((30, 45, 60, 75, 96), band))
    sex = np.asarray(SEXES)[rng.choice(len(SEXES), size=voters, p=SEX_SAMPLE)]
    method = np.asarray(METHODS)[rng.choice(len(METHODS), size=voters, p=METHOD_SHARES)]
    lengths = rng.choice(BALLOT_LENGTHS, size=voters, p=BALLOT_SHARES)
    ballots = _ballots(rng, voter_district, project_district, popularity, lengths)

    # The published counts, and the greedy winners, as Pabulib files carry them.
    chosen = np.fromiter((int(p) - 1 for cell in ballots for p in cell.split(",")), dtype=int,
                         count=int(lengths.sum()))
    votes = np.bincount(chosen, minlength=projects)
    selected = _greedy(votes, costs, BUDGET_EUROS)

    lines = ["META", "key;value", "description;Budget participatif synthétique (benchmark)",
             "country;France", "unit;Ville de Synthèse", "instance;2025",
             f"num_projects;{projects}", f"num_votes;{voters}", f"budget;{BUDGET_EUROS}",
             "vote_type;approval", "rule;greedy", "date_begin;2025-03-01",
             "date_end;2025-03-31", "min_length;1", f"max_length;{max(BALLOT_LENGTHS)}",
             "language;fr", "PROJECTS", "project_id;cost;votes;name;district;selected"]
    lines += [f"{number};{int(costs[number - 1])};{votes[number - 1]};Projet {number};"
              f"{names[project_district[number - 1]]};{int(selected[number - 1])}"
              for number in range(1, projects + 1)]
    lines += ["VOTES", "voter_id;vote;age;sex;voting_method;district"]
    ages = _with_missing(rng, age, MISSING_AGE_SHARE)
    sexes = _with_missing(rng, sex, MISSING_SEX_SHARE)
    district_names = np.asarray(names, dtype=object)[voter_district]
    lines += [f"v{number:06d};{ballot};{a};{s};{m};{d}" for number, (ballot, a, s, m, d) in
              enumerate(zip(ballots, ages, sexes, method, district_names, strict=True),
                        start=1)]
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "vote.pb"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return City(path, voters, projects, int(lengths.sum()),
                pd.Series(inhabitants, index=pd.Index(names, name="district"), name="population"),
                pd.Series(_counts(AGE_POPULATION, ADULTS), index=list(AGE_BANDS)),
                pd.Series(_counts(SEX_POPULATION, ADULTS), index=list(SEXES)), BUDGET_EUROS)


def _greedy(votes: np.ndarray, costs: np.ndarray, budget: float) -> np.ndarray:
    """Projects funded by the greedy rule: by votes, each one that still fits."""
    selected = np.zeros(len(votes), dtype=bool)
    left = budget
    for position in np.argsort(-votes, kind="stable"):
        if costs[position] <= left:
            selected[position] = True
            left -= costs[position]
    return selected


# --- the table of communes ------------------------------------------------------------------

def generate_communes(communes: int, with_scheme: int, seed: int = SEED) -> pd.DataFrame:
    """One row per commune in the benchmark table's long format; the communes running a
    participatory budget have a ``turnout_rate`` (some for two years), the others are
    listed without scheme, indicator nor value."""
    rng = np.random.default_rng(seed + 1)
    population = np.maximum(1, np.rint(rng.lognormal(6.2, 1.35, communes))).astype(int)
    codes = np.char.zfill(np.arange(1_001, communes + 1_001).astype(str), 5)
    names = np.char.add("Commune de synthèse ", codes).astype(object)
    weights = population.astype(float) ** 0.9  # larger communes run more schemes
    schemes = np.sort(rng.choice(communes, size=min(with_scheme, communes), replace=False,
                                 p=weights / weights.sum()))
    table = pd.DataFrame({
        "name": names, "kind": "commune", "population": population, "population_year": 2021,
        "scheme_type": pd.Series(pd.NA, index=range(communes), dtype="string"),
        "year": pd.Series(pd.NA, index=range(communes), dtype="Int64"),
        "indicator": pd.Series(pd.NA, index=range(communes), dtype="string"),
        "statistic": "value", "value": np.nan,
        "source": pd.Series(pd.NA, index=range(communes), dtype="string"),
        "note": pd.Series(pd.NA, index=range(communes), dtype="string"),
        "public": False, "insee_code": codes.astype(object)})
    table.loc[schemes, "scheme_type"] = SCHEME
    table.loc[schemes, "indicator"] = INDICATOR
    table.loc[schemes, "year"] = rng.integers(2021, 2025, size=len(schemes))
    table.loc[schemes, "value"] = rng.beta(2.0, 28.0, size=len(schemes))
    table.loc[schemes, "public"] = rng.random(len(schemes)) < PUBLIC_SHARE
    table.loc[schemes, "source"] = "synthetic (benchmarks/participation.py)"
    earlier = table.loc[schemes[rng.random(len(schemes)) < SECOND_YEAR_SHARE]].copy()
    earlier["year"] = earlier["year"] - 1
    earlier["value"] = np.clip(earlier["value"] * rng.normal(1.0, 0.2, len(earlier)), 0, 1)
    return pd.concat([table, earlier], ignore_index=True)


def client_population(communes: pd.DataFrame) -> float:
    """A population in the band holding the most communes with a figure (the largest peer
    group: the worst case), the median of that band's communes."""
    figures = communes.loc[communes["indicator"] == INDICATOR].drop_duplicates("name")
    sizes = figures["population"].astype(float)
    counts = [((sizes >= low) & (sizes < high)).sum() for low, high in benchmark.BANDS]
    low, high = benchmark.BANDS[int(np.argmax(counts))]
    return float(sizes[(sizes >= low) & (sizes < high)].median())


# --- the timed run --------------------------------------------------------------------------

def run_pabulib(city: City, timer: Timer) -> dict:
    """Read the vote and compute every vote indicator, timing each step."""
    group = "pabulib"
    size = city.path.stat().st_size / 1024**2
    with timer.step(group, f"read_pabulib ({city.voters:,} voters x {city.projects} projects, "
                           f"{size:.1f} MB)"):
        election = read_pabulib(city.path)
    votes = election.votes

    with timer.step(group, f"pabulib_vote_counts ({city.ballots:,} approvals)"):
        counts = pabulib_vote_counts(election)

    with timer.step(group, f"participation_rate by district ({DISTRICTS} districts)"):
        by_district = participation_rate(votes, city.districts, by="district")

    with timer.step(group, "territorial_equity, greedy winners' cost per district"):
        selected = _greedy(counts["voters"].to_numpy(), election.projects["cost"].to_numpy(),
                           election.budget)
        funded = election.projects.loc[selected, ["district", "cost"]]
        equity = territorial_equity(votes, city.districts, funded,
                                    district_column="district",
                                    amount_column="cost")

    with timer.step(group, "diversity by age band and by sex (2 margins)"):
        ages = votes["age"].astype("Float64").astype(float)
        bands = pd.cut(ages, AGE_EDGES, right=False, labels=list(AGE_BANDS))
        voters = pd.DataFrame({"age_band": bands.astype(object).where(bands.notna()),
                               "sex": votes["sex"]})
        by_age = diversity(voters, "age_band", city.ages)
        by_sex = diversity(voters, "sex", city.sexes)

    with timer.step(group, "channel_shares by voting_method"):
        channels = channel_shares(votes, "voting_method", by=None)

    with timer.step(group, "turnout: participation_rate vs total population"):
        turnout = participation_rate(votes, float(city.districts.sum()))

    published = election.projects["votes"].to_numpy()
    if not np.array_equal(counts["voters"].to_numpy(), published):
        raise AssertionError("pabulib_vote_counts differs from the file's votes column")
    return {
        "voters": len(votes), "turnout": float(turnout.loc[0, "participation_rate"]),
        "district_rates": (float(by_district["participation_rate"].min()),
                           float(by_district["participation_rate"].max())),
        "rate_ratio": equity.attrs["rate_ratio"], "funded": int(selected.sum()),
        "age_d": by_age.attrs["dissimilarity_index"], "sex_d": by_sex.attrs["dissimilarity_index"],
        "internet": float(channels.set_index("voting_method").loc["internet", "share"]),
    }


def _rank_all(table: pd.DataFrame) -> pd.DataFrame:
    """Every commune ranked among the communes of its band running the same scheme:
    ``peer_group`` and ``compare`` once per population band, the ranks merged back onto
    all the rows (missing for a commune without a figure)."""
    ranked = []
    for low, _ in benchmark.BANDS:
        peers = benchmark.peer_group(table, SCHEME, low)
        if not len(peers):
            continue
        values = peers.loc[peers["indicator"] == INDICATOR, "value"]
        comparison = benchmark.compare(float(values.median()), peers, INDICATOR,
                                       client="\x00no client")
        ranked.append(comparison.loc[~comparison["is_client"],
                                     ["name", "band", "percentile_rank", "z_score"]])
    ranks = pd.concat(ranked, ignore_index=True)
    communes = table[table["kind"] == "commune"].sort_values(
        "year", na_position="first", kind="stable").drop_duplicates("name", keep="last")
    return communes.merge(ranks, on="name", how="left").sort_values(
        ["band", "percentile_rank"], ascending=[True, False], kind="stable",
        na_position="last").reset_index(drop=True)


def run_benchmark(communes: pd.DataFrame, population: float, timer: Timer) -> dict:
    """Peer group, comparison, ranking, anonymisation and rendering, timing each step."""
    group = "benchmark"
    with timer.step(group, f"load_reference + concat ({len(communes):,} commune rows)"):
        reference = benchmark.load_reference()
        table = pd.concat([reference, communes], ignore_index=True)

    with timer.step(group, f"peer_group of the client ({population:,.0f} inhabitants)"):
        peers = benchmark.peer_group(table, SCHEME, population)

    with timer.step(group, f"compare: client's percentile rank and z-score "
                           f"({len(peers):,} peer rows)"):
        comparison = benchmark.compare(CLIENT_VALUE, peers, INDICATOR, client=CLIENT)

    with timer.step(group, f"rank every commune in its band ({len(benchmark.BANDS)} bands)"):
        ranked = _rank_all(table)

    with timer.step(group, f"anonymise the comparison ({len(comparison):,} rows)"):
        shown = benchmark.anonymise(comparison, CLIENT)

    with timer.step(group, "benchmark_chart -> PNG (report.figure)"):
        references = reference[(reference["kind"] == "national")
                               & (reference["indicator"] == INDICATOR)
                               & (reference["statistic"] == "median")]
        chart = benchmark.benchmark_chart(shown, references)
        html = report.figure(chart, title="Taux de participation des collectivités "
                             "comparables", alt="Nuage de points des taux de participation",
                             source="benchmark synthétique").data

    columns = ["name", "band", "year", "value", "percentile_rank", "z_score"]
    kinds = {"value": "percent", "percentile_rank": "number", "z_score": "number"}
    with timer.step(group, f"table_html of the whole peer table ({len(shown):,} rows)"):
        peer_html = report.table_html(shown[columns], caption="Collectivités comparables",
                                      kinds=kinds)

    # For information, not counted: the ranked table of every commune, rendered whole.
    full = ranked[["name", "population", "band", "year", "value", "percentile_rank",
                   "z_score"]]
    with timer.step("extra", f"table_html of every commune, ranked ({len(full):,} rows)"):
        full_html = report.table_html(full, kinds=kinds)

    return {"peers": comparison.attrs["n_peers"], "band": peers.attrs["band_label"],
            "rank": comparison.attrs["percentile_rank"], "z": comparison.attrs["z_score"],
            "ranked": int(ranked["percentile_rank"].notna().sum()), "rows": len(table),
            "png_kb": len(html) * 3 / 4 / 1024, "html_kb": len(peer_html) / 1024,
            "full_mb": len(full_html) / 1024**2}


def _print_steps(timer: Timer, group: str, width: int) -> float:
    rows = [(name, seconds) for g, name, seconds in timer.steps if g == group]
    for number, (name, seconds) in enumerate(rows):
        print(f"{group if number == 0 else '':<11}{name:<{width}}{seconds:>9.2f}")
    total = timer.total(group)
    print(f"{'':<11}{'total':<{width}}{total:>9.2f}   "
          f"{total / BUDGET_SECONDS:.2f}x the {BUDGET_SECONDS:.0f} s budget")
    return total


def report_results(city: City, timer: Timer, vote: dict, bench: dict,
                   generation_seconds: float, generation_peak: float) -> bool:
    """Print the summary table; True when both totals fit in their budgets."""
    print(f"civeval participation benchmark - Pabulib {city.voters:,} voters x "
          f"{city.projects} projects; benchmark table of {bench['rows']:,} rows, "
          f"{os.cpu_count()} CPUs")
    print(f"generated in {generation_seconds:.1f} s (not timed); vote file "
          f"{city.path.stat().st_size / 1024**2:.1f} MB, {city.ballots:,} approvals")
    low, high = vote["district_rates"]
    print(f"vote: turnout {vote['turnout']:.1%} of {city.districts.sum():,} inhabitants, "
          f"districts {low:.1%} to {high:.1%} (ratio {vote['rate_ratio']:.2f}), "
          f"{vote['funded']} projects funded, dissimilarity age {vote['age_d']:.3f} "
          f"sex {vote['sex_d']:.3f}, internet {vote['internet']:.1%}")
    print(f"benchmark: client in {bench['band']}, {bench['peers']:,} peers, percentile rank "
          f"{bench['rank']:.1f}, z-score {bench['z']:.2f}; {bench['ranked']:,} communes "
          f"ranked; PNG {bench['png_kb']:.0f} KB, peer table {bench['html_kb']:.0f} KB")
    print()
    width = max(len(name) for _, name, _ in timer.steps) + 2
    print(f"{'step':<11}{'':<{width}}{'time (s)':>9}")
    totals = {group: _print_steps(timer, group, width) for group in ("pabulib", "benchmark")}
    for _, name, seconds in (s for s in timer.steps if s[0] == "extra"):
        print(f"{'extra':<11}{name:<{width}}{seconds:>9.2f}   "
              f"({bench['full_mb']:.1f} MB of HTML; not counted in the target)")
    print_peak_memory(generation_peak)
    verdicts = [within_budget(total, BUDGET_SECONDS, group) for group, total in totals.items()]
    return all(verdicts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--voters", type=int, default=100_000,
                        help="ballots in the Pabulib file (default: %(default)s)")
    parser.add_argument("--projects", type=int, default=300,
                        help="projects in the Pabulib file (default: %(default)s)")
    parser.add_argument("--communes", type=int, default=35_000,
                        help="communes in the benchmark table (default: %(default)s)")
    parser.add_argument("--with-figure", type=int, default=1_500,
                        help="communes running a participatory budget, with a turnout "
                             "(default: %(default)s)")
    parser.add_argument("--keep", metavar="DIR", type=Path,
                        help="write the Pabulib file into DIR and keep it")
    args = parser.parse_args(argv)
    if args.voters < 1_000:
        parser.error("--voters must be at least 1000 (every margin category needs voters)")
    if args.projects < max(BALLOT_LENGTHS):
        parser.error(f"--projects must be at least {max(BALLOT_LENGTHS)} (the longest ballot)")
    if args.communes < 100 or not 10 <= args.with_figure <= args.communes:
        parser.error("--communes must be at least 100 and --with-figure between 10 and it")

    charts.use_house_style()  # as report.setup does once per template
    with tempfile.TemporaryDirectory(prefix="civeval-participation-bench-") as temporary:
        folder = args.keep or Path(temporary)
        start = time.perf_counter()
        city = generate_pabulib(folder, args.voters, args.projects)
        communes = generate_communes(args.communes, args.with_figure)
        population = client_population(communes)
        generation_seconds = time.perf_counter() - start
        generation_peak = peak_memory_mb()
        timer = Timer()
        vote = run_pabulib(city, timer)
        bench = run_benchmark(communes, population, timer)
        within = report_results(city, timer, vote, bench, generation_seconds, generation_peak)
    if args.keep:
        print(f"generated file kept in {args.keep}")
    return 0 if within else 1


if __name__ == "__main__":
    sys.exit(main())
