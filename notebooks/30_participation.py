# ---
# jupyter:
#   civeval:
#     datasets:
#       participants: participants
#       population: population
#       margins: margins
#       register: register
#       ballots: [vote]
#       projects: projects
#       proposals: platform
#       geometry: geometry
#     check: civeval.sections.participation:check
#     requires: []
#     runs_with: [civeval.participation.trends]
#     title:
#       en: Participation and essoufflement
#       fr: Participation et essoufflement
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% tags=["parameters"]
# The runner sets study and output_dir; the defaults let the template run as is in JupyterLab.
study: str = "demo-saint-aubin"  # slug or folder of the study
output_dir = None  # where the report goes; reports/<slug>/ by default
scheme = None  # name of the scheme (in study.yml) these data measure, for the benchmark
participants = None  # catalogue dataset: one row per participant and edition
person: str = "id"  # its column of pseudonymous participant ids
edition: str = "edition"  # its column of editions (years)
channel = None  # its column of participation channels (online, ballot box…)
population = None  # catalogue dataset: population by district (district, population)
margins = None  # catalogue dataset of population margins (format margins) for diversity
register = None  # catalogue dataset: council meetings with members expected and present
members: str = "members"  # register column: members expected
present: str = "present"  # register column: members present
date: str = "date"  # register column: date of the meeting
ballots = None  # catalogue dataset(s) of votes in Pabulib format (.pb): one name or a list
projects = None  # catalogue dataset of the proposals submitted, one row each, with `edition`
proposals = None  # catalogue dataset of a platform's proposals (format decidim)
geometry = None  # catalogue dataset of the district boundaries (format geometry), for maps

# %% tags=["remove-cell"]
import civeval
from civeval.presentation import report
from civeval.sections import participation as section
from civeval.survey.margins import as_margins

study = civeval.load_study(study, output_dir=output_dir)
if output_dir is None:  # opened in JupyterLab, not run: take the study's parameters as a run does
    globals().update(study.parameters_for("30_participation"))
if scheme:
    study.measure(scheme)
report.setup(study)
t = study.t
people = study.load(participants) if participants else None
votes = section.votes(study, ballots, scheme) if ballots else []
inhabitants = study.load(population) if population else None
margin_counts = as_margins(study.load(margins)) if margins else None

# %%
report.heading(t("participation.title"), level=1)

# %% [markdown] tags=["lang-fr"]
# Cette partie mesure l'ampleur de la participation, son évolution d'une édition à l'autre
# et sa répartition sur le territoire. Un taux de participation rapporte le nombre de
# participants à la population totale (INSEE), comme le veut l'usage en France.

# %% [markdown] tags=["lang-en"]
# This part measures how many people take part, how that changes from one edition to the
# next, and how participation spreads across the territory. A participation rate divides
# participants by the total (INSEE) population, as is the practice in France.

# %%
if people is not None:
    display(report.heading(t("participation.h.reach")))
    reach = section.reach(study, people, edition)
    display(section.participants_chart(study, reach, edition))
    display(report.table(reach, t("participation.reach.caption"),
                         kinds={"participation_rate": "percent"}))
    display(report.text(t("participation.reach_text")))
    display(report.heading(t("participation.h.trend")))
    display(section.essoufflement(study, people, edition))
    display(report.heading(t("participation.h.retention")))
    display(section.retention(study, people, person, edition,
                              study.config.data[participants].stable_ids))

# %%
if votes:
    display(report.heading(t("participation.h.vote")))
    display(report.text(t("participation.votes_text")))
    by_edition, rules, verdict = section.vote_editions(study, votes, inhabitants,
                                                       measure_reach=people is None)
    display(section.shown(by_edition, t("participation.vote_editions.caption")))
    if verdict is not None:
        display(verdict)
    display(section.shown(rules, t("participation.vote_rules.caption")))
    by_district = section.vote_districts(study, votes, inhabitants)
    if by_district is not None:
        display(report.heading(t("participation.h.vote_districts"), level=3))
        display(report.text(t("participation.vote_districts_text")))
        for chart in section.district_maps(study, by_district,
                                           study.load(geometry) if geometry else None):
            display(chart)
        display(section.shown(by_district, t("participation.vote_districts.caption")))
    display(report.heading(t("participation.h.winners"), level=3))
    outcomes, notes = section.vote_outcomes(study, votes)
    display(report.text(t("participation.winners_text")))
    display(section.shown(outcomes, t("participation.winners.caption")))
    for note in notes:
        display(note)
    display(section.shown(section.top_projects(study, votes),
                          t("participation.top_projects.caption",
                            edition=votes[-1].edition)))

# %%
if people is None:  # without a participants table, the voters' own attributes say who votes
    for shown in section.voter_tables(study, votes, margin_counts):
        display(shown)

# %%
stages = section.phases(study, study.dataset_path(proposals) if proposals else None,
                        section.last_vote_table(votes))
if stages is not None:
    display(report.heading(t("participation.h.phases")))
    display(report.text(t("participation.phases_text")))
    display(report.table(stages, t("participation.phases.caption"),
                         kinds={"participation_rate": "percent"}))

# %%
if projects:
    submitted, verdict = section.proposals_by_edition(study, study.load(projects), edition)
    display(report.heading(t("participation.h.proposals")))
    display(section.proposals_chart(study, submitted, edition))
    display(verdict)
    display(report.table(submitted, t("participation.proposals.caption")))
    costs = section.efficiency(study, reach, edition)
    if costs is not None:
        display(report.heading(t("participation.h.efficiency")))
        display(report.table(costs, t("participation.efficiency.caption"),
                             kinds={"budget": "euro", "budget_per_inhabitant": "euro",
                                    "running_cost": "euro", "cost_per_participant": "euro"}))

# %%
if people is not None and margins:
    display(report.heading(t("participation.h.diversity")))
    display(report.text(t("participation.diversity_text")))
    display(report.table(
        section.diversity(study, people, margin_counts, edition),
        t("participation.diversity.caption"),
        kinds={"share_participants": "percent", "share_population": "percent",
               "representation_ratio": "number"}))

# %%
if people is not None and channel:
    display(report.heading(t("participation.h.channels")))
    display(report.table(section.channels(study, people, channel, edition),
                         t("participation.channels.caption"), kinds={"share": "percent"}))

# %%
if people is not None and population:
    display(report.heading(t("participation.h.districts")))
    by_district, gap = section.districts(study, people, inhabitants, edition)
    display(gap)
    display(report.table(by_district, t("participation.districts.caption"),
                         kinds={"participation_rate": "percent"}))

# %%
if register:
    display(report.heading(t("participation.h.attendance")))
    presence, verdict = section.attendance(study, study.load(register), members, present, date)
    display(verdict)
    display(report.table(presence, t("participation.attendance.caption"),
                         kinds={"attendance_rate": "percent"}))

# %%
if proposals:
    display(report.heading(t("participation.h.transparency")))
    display(report.key_figures(section.answers(study, study.load(proposals)),
                               t("participation.answers.caption")))

# %%
report.heading(t("evidence.h.key_figures"))

# %%
report.evidence(study.section_evidence(), t("evidence.caption"))
