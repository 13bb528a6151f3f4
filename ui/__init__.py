"""Web UI (Gradio) for the news assistant: a cited chat plus an ``/ask`` API."""
