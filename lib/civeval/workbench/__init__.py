"""How a study becomes a report: the study model and its data catalogue, catalogue
formats, templates, the runner and its workers, incremental runs, records and rendering."""
