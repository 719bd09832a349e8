"""Schema version 9: a practice location's telephone number.

``locations.phone`` holds the practice location's phone as the source gave it: NPPES's "Provider Business
Practice Location Address Telephone Number" (and the secondary practice locations' "- Telephone Number"),
or a roster's phone column. It is shown in the recruit tables so a network manager can call a candidate;
it is provider contact data published by CMS in NPPES, not member data.
"""

SQL = """
ALTER TABLE locations ADD COLUMN phone TEXT;
"""
