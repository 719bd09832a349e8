"""Reference geography: US counties, sub-county population points, ZIP centroids, distances.

Built once at set-up by ``python -m blueprint_desktop.geo.build`` from registry packages into
``resources/geography/`` (see resources/README.md for sources and vintages), then read from there.
"""
