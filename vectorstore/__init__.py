"""Loading, cleaning, chunking, embedding and storing articles.

The ``assistant`` package is its only client; user code goes through
``assistant.Assistant``.
"""
