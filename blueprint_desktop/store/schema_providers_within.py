"""Schema version 13: how many distinct providers each member needs within a loaded rule set's standard.

``rule_set_lines.providers_within`` is 1 (the usual standard: the nearest provider is within it) or 2 (a state
asks for two, as Georgia Families' "Two (2) within thirty (30) minutes or thirty (30) miles"). Rows of files
loaded before this version keep 1, which is what they meant.
"""

SQL = """
ALTER TABLE rule_set_lines ADD COLUMN providers_within INTEGER NOT NULL DEFAULT 1
    CHECK (providers_within IN (1, 2));
"""
