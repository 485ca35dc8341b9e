"""Participation: platform data (Pabulib, Decidim) and the indicators computed from it.

``read_pabulib`` and ``read_decidim`` read the platforms' exports; the indicators (reach,
territorial equity, essoufflement) live in :mod:`civeval.participation.indicators`.
"""
