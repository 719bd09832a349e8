"""Blueprint Desktop: CMS network adequacy on the desktop.

The package is a headless core (rules, geo, data, engine, store, deficiency, reports, cli) that never
imports Qt, plus one thin Qt layer in ``blueprint_desktop.gui``.
"""

__version__ = "0.1.0"
