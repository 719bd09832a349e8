"""Data coming in: rosters, markets, activity; shared input guards (PHI)."""
