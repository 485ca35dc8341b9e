"""What readers see: report helpers, French formatting, charts, text catalogues and
page templates."""
