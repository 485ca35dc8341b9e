"""Questionnaires: import survey exports, weight them to population margins, estimate with
confidence intervals, and test differences — one public function per statistic."""
