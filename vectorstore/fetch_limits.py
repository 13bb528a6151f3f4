"""The limits every fetch obeys, in a module of their own so that settings can
name their defaults without importing the HTTP stack (``vectorstore.web``)."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["FetchLimits", "USER_AGENT"]

USER_AGENT = "news-assistant/0.1 (news question-answering assistant; respects robots.txt)"


@dataclass(frozen=True)
class FetchLimits:
    """Per request: seconds to wait, bytes to read, redirects to follow, and the User-Agent sent."""

    timeout_s: float = 15.0
    max_bytes: int = 5 * 1024 * 1024
    max_redirects: int = 5
    user_agent: str = USER_AGENT

    def __post_init__(self) -> None:
        if self.timeout_s <= 0 or self.max_bytes <= 0 or self.max_redirects < 0 or not self.user_agent.strip():
            raise ValueError(f"fetch limits out of range: {self}")
