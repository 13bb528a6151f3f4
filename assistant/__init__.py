"""News question answering over your own articles, with exact, checked citations.

The one public entry point: the CLI, the UI and the evals import from here only.
"""

from vectorstore.embedding import Embedder, MiniLMEmbedder

from .answerers.choosing import ReaderPolicy
from .answerers.drafts import AnswerContext, Draft, DraftCitation
from .answerers.extractive import ExtractiveAnswerer
from .answerers.timeline import asks_change, asks_latest, format_timeline
from .api import Assistant, ask
from .archive import Progress, embedder_for
from .context.retrieval import Filters
from .conversation import Conversation
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
from .export import conversation_markdown
from .feedback import FEEDBACK_KINDS, FeedbackLog
from .inputs import check_as_of
from .language.examples import example_questions, examples_from_store
from .ports import Answerer, Lexicon, LLMBackend, Reader, Retriever, Store, TextGenerator
from .reading.reader import Claim, LlamaReader, Verdicts
from .settings import Settings, SupportCheck, Tuning, load_settings
from .types import (
    REFUSAL_KINDS,
    Answer,
    Article,
    ArticleInfo,
    ArticleVersion,
    CheckReport,
    Citation,
    DatedFigure,
    IngestReport,
    Passage,
    RefusalKind,
    Rejected,
    Step,
    TextDelta,
)
from .watch import Watcher, WatchRound

__version__ = "0.1.0"

__all__ = [
    "Assistant",
    "Conversation",
    "ask",
    "Answer",
    "Citation",
    "REFUSAL_KINDS",
    "RefusalKind",
    "DatedFigure",
    "asks_change",
    "asks_latest",
    "check_as_of",
    "format_timeline",
    "Step",
    "TextDelta",
    "Passage",
    "Article",
    "ArticleInfo",
    "ArticleVersion",
    "IngestReport",
    "CheckReport",
    "Rejected",
    "Settings",
    "SupportCheck",
    "Tuning",
    "load_settings",
    "Progress",
    "Retriever",
    "Lexicon",
    "Store",
    "LLMBackend",
    "TextGenerator",
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
    "Watcher",
    "WatchRound",
    "FeedbackLog",
    "FEEDBACK_KINDS",
    "conversation_markdown",
    "example_questions",
    "examples_from_store",
    "__version__",
]
