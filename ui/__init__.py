"""Web UI (Gradio) for the news assistant, over the public ``assistant`` API only.

``app`` lays the page out and wires it; ``chat`` and ``articles`` hold the
event handlers; ``endpoints`` the ``/ask``, ``/chat`` and ``/articles`` API;
``render`` and ``render_articles`` the escaped HTML; ``style`` the CSS and
script; ``server`` where and how it is served.
"""
