"""Schema version 7: what a roster must say for 42 CFR 422.116's exclusions and credits to be applied.

Each column is a fact about a contracted provider that changes whether it counts; the engine reads them in
``engine/exclusions.py`` (who does not count, and why) and ``engine/credits.py`` (the 10-point credits).

- ``providers.exclusion``: the facility or setting types that never count toward adequacy,
  42 CFR 422.116(a)(3)(i)(A)-(B): ``children`` (pediatric/children's hospital), ``long_term_care``
  (long-term care hospital), ``specialized`` (specialized hospital), ``residential_only`` (available only
  in a residential facility). NULL: none of these.
- ``providers.ma_contracted``: 1 when the contract covers the plan's Medicare Advantage product, 0 when it
  covers only commercial, Medicaid or other products (422.116(a)(3)(i)(C)), NULL when the roster does not
  say (a roster loaded into an MA project is the plan's MA network: counted).
- ``providers.primary_care_source``: for physician assistants and nurse practitioners (HSD 005/006):
  1 when the plan records that the provider is the enrollee's primary care source in a shortage area
  (HSD Reference File Notes, 005/006); anything else earns no primary care (S03) credit.
- ``providers.offers_telehealth``: the provider also furnishes services by telehealth (in addition to
  in person). Distinct from ``telehealth_only`` (sees members only by telehealth). Either records a
  contracted telehealth provider for the 422.116(d)(5) credit.
- ``provider_counties``: the counties (FIPS) a telehealth provider is contracted to serve, when the
  roster says (HSD tables list one row per county served). Used when the project's telehealth credit
  basis is "county".
"""

SQL = """
ALTER TABLE providers ADD COLUMN exclusion TEXT
    CHECK (exclusion IS NULL OR exclusion IN ('children', 'long_term_care', 'specialized', 'residential_only'));
ALTER TABLE providers ADD COLUMN ma_contracted INTEGER CHECK (ma_contracted IS NULL OR ma_contracted IN (0, 1));
ALTER TABLE providers ADD COLUMN primary_care_source INTEGER
    CHECK (primary_care_source IS NULL OR primary_care_source IN (0, 1));
ALTER TABLE providers ADD COLUMN offers_telehealth INTEGER NOT NULL DEFAULT 0 CHECK (offers_telehealth IN (0, 1));

CREATE TABLE provider_counties (
    provider_id INTEGER NOT NULL REFERENCES providers(id) ON DELETE CASCADE,
    county_fips TEXT NOT NULL CHECK (length(county_fips) = 5),
    PRIMARY KEY (provider_id, county_fips)
);
"""

# The values of ``providers.exclusion`` with the words and the rule a user is shown.
EXCLUSIONS = {
    "children": ("pediatric/children's hospital", "42 CFR 422.116(a)(3)(i)(A)"),
    "long_term_care": ("long-term care hospital", "42 CFR 422.116(a)(3)(i)(A)"),
    "specialized": ("specialized hospital", "42 CFR 422.116(a)(3)(i)(A)"),
    "residential_only": ("available only in a residential facility", "42 CFR 422.116(a)(3)(i)(B)"),
}

# Also in version 7 (with the built-in CMS criteria, rules/cms_criteria.py): one SSA county of a reference
# file may cover several Census county-equivalents (St. John-Thomas VI is St. John 78020 and St. Thomas
# 78030), so the FIPS of a loaded file's counties are kept as pairs; ``reference_counties.county_fips``
# keeps the first for older readers.
SQL += """
CREATE TABLE reference_county_fips (
    reference_file_id INTEGER NOT NULL REFERENCES reference_files(id) ON DELETE CASCADE,
    ssa_code          TEXT NOT NULL,
    county_fips       TEXT NOT NULL CHECK (length(county_fips) = 5),
    PRIMARY KEY (reference_file_id, ssa_code, county_fips)
);
CREATE INDEX reference_county_fips_fips ON reference_county_fips(county_fips);
INSERT INTO reference_county_fips(reference_file_id, ssa_code, county_fips)
    SELECT reference_file_id, ssa_code, county_fips FROM reference_counties WHERE county_fips IS NOT NULL;
"""
