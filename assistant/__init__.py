"""News question answering over your own articles, with exact, checked citations.

The one public entry point: the CLI, the UI and the evals import from here only.
"""

from vectorstore.embedding import Embedder, MiniLMEmbedder

from .answerer import AnswerContext, Answerer, Draft, DraftCitation
from .answering import ExtractiveAnswerer, ReaderPolicy
from .api import Assistant, Progress, ask, embedder_for
from .errors import (
    ArticleNotFoundError,
    AssistantError,
    AssistantRuntimeError,
    DiskFullError,
    IndexMismatchError,
    InvalidInputError,
    ModelLoadError,
    SettingsError,
    StoreBusyError,
    StoreError,
    UserError,
)
from .examples import example_questions, examples_from_store
from .export import conversation_markdown
from .feedback import FEEDBACK_KINDS, FeedbackLog
from .mcp_server import MCP_PATH, MCP_PORT, MCP_TRANSPORTS, build_mcp_server, run_mcp_server
from .reader import Claim, LlamaReader, Reader, Verdicts
from .retrieval import Filters, Retriever
from .settings import Settings, load_settings
from .types import (
    Answer,
    Article,
    ArticleInfo,
    CheckReport,
    Citation,
    IngestReport,
    Passage,
    Rejected,
    Step,
    TextDelta,
)

__version__ = "0.1.0"

__all__ = [
    "Assistant",
    "ask",
    "Answer",
    "Citation",
    "Step",
    "TextDelta",
    "Passage",
    "Article",
    "ArticleInfo",
    "IngestReport",
    "CheckReport",
    "Rejected",
    "Settings",
    "load_settings",
    "Progress",
    "Retriever",
    "Embedder",
    "MiniLMEmbedder",
    "embedder_for",
    "Filters",
    "Answerer",
    "AnswerContext",
    "Draft",
    "DraftCitation",
    "ExtractiveAnswerer",
    "ReaderPolicy",
    "Reader",
    "LlamaReader",
    "Claim",
    "Verdicts",
    "AssistantError",
    "UserError",
    "SettingsError",
    "InvalidInputError",
    "ArticleNotFoundError",
    "IndexMismatchError",
    "StoreBusyError",
    "DiskFullError",
    "AssistantRuntimeError",
    "ModelLoadError",
    "StoreError",
    "FeedbackLog",
    "FEEDBACK_KINDS",
    "conversation_markdown",
    "example_questions",
    "examples_from_store",
    "build_mcp_server",
    "run_mcp_server",
    "MCP_TRANSPORTS",
    "MCP_PORT",
    "MCP_PATH",
    "__version__",
]
