"""The assistant's faces: the web chat (Gradio) and the MCP server, over the public ``assistant`` API only.

``app`` lays the page out and wires it; ``chat`` and ``articles`` hold the
event handlers; ``endpoints`` the ``/ask``, ``/chat`` and ``/articles`` API;
``render``, ``render_articles`` and ``timeline`` the escaped HTML; ``style``
the CSS and script; ``server`` where and how it is served; ``mcp`` the Model
Context Protocol server for agents; ``cli`` the ``serve`` and ``mcp``
commands it adds to ``assistant``.
"""
