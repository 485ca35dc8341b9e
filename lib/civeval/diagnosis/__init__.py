"""The diagnosis: the registry of key figures, the diagnostic grid and its findings,
recommendations and the action plan."""
