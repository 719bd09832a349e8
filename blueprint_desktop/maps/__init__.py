"""The interactive map, built headless: an offline Leaflet page (folium) the GUI shows in a web view.

Nothing here imports Qt; ``gui/map_pane.py`` loads the page this package writes.
"""
