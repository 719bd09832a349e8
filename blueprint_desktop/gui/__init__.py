"""The thin Qt layer over the headless core: windows, panes, models and workers. Only this package imports Qt."""
