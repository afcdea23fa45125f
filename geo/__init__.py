"""geo: event records joined to administrative boundaries.

The domain package of the application. It never imports streamlit: the UI lives in ``app.py``.
"""

__version__ = "0.1.0"
