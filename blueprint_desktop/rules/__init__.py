"""CMS network adequacy rules: standards per line and county, county designations, the NUCC->HSD
crosswalk, the annual HSD Reference File, other lines of business and enrollee distributions."""
