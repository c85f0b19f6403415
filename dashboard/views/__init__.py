"""The dashboard's views, one room per tab family (see docs/architecture.md).

``registry.py`` lists every view (``VIEWS``) as plain data; each room, ``<room>.py``, holds its
views' widgets, drawing and captions, and ``<room>_charts.py`` its chart builders (pure functions
of tidy tables: no Streamlit). ``base.py`` has what the views share, ``kit.py`` what the charts
share. Importing this package imports none of them.
"""
