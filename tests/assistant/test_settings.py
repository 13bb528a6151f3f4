import pydantic
import pytest

from assistant import Settings, SettingsError, SupportCheck, Tuning, embedder_for, load_settings

pytestmark = pytest.mark.unit


def test_defaults_are_documented_values(tmp_path, monkeypatch):
    s = load_settings()
    assert (s.top_k, s.chunk_size, s.chunk_overlap) == (5, 256, 32)
    assert s.retrieval == "hybrid"


def test_environment_is_read(monkeypatch):
    monkeypatch.setenv("ASSISTANT_TOP_K", "7")
    monkeypatch.setenv("ASSISTANT_CHUNK_SIZE", "128")
    s = load_settings()
    assert s.top_k == 7 and s.chunk_size == 128


@pytest.mark.parametrize(
    "name,value",
    [("ASSISTANT_TOP_K", "abc"), ("ASSISTANT_TOP_K", "0"), ("ASSISTANT_CHUNK_SIZE", "-5"), ("ASSISTANT_RETRIEVAL", "magic"),
     ("ASSISTANT_CHROMA_URL", "127.0.0.1:8000"), ("ASSISTANT_CHROMA_URL", "ftp://host:1"),
     ("ASSISTANT_EMBED_BACKEND", "cuda"), ("ASSISTANT_WRITE_LOCK_TIMEOUT_S", "-1"),
     ("ASSISTANT_WRITE_LOCK_TIMEOUT_S", "soon")],
)
def test_invalid_values_name_the_variable(monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError, match=name):
        load_settings()


def test_the_chroma_server_url_and_token_are_read(monkeypatch):
    monkeypatch.setenv("ASSISTANT_CHROMA_URL", "http://chroma.internal:8000/")
    monkeypatch.setenv("ASSISTANT_CHROMA_TOKEN", "s3cret")
    s = load_settings()
    assert s.chroma_url == "http://chroma.internal:8000"
    assert s.chroma_token.get_secret_value() == "s3cret" and "s3cret" not in repr(s)


def test_the_write_lock_timeout_is_read(monkeypatch):
    assert load_settings().write_lock_timeout_s == 30.0
    monkeypatch.setenv("ASSISTANT_WRITE_LOCK_TIMEOUT_S", "2.5")
    assert load_settings().write_lock_timeout_s == 2.5


def test_overlap_must_be_below_size(monkeypatch):
    monkeypatch.setenv("ASSISTANT_CHUNK_OVERLAP", "300")
    with pytest.raises(SettingsError, match="chunk_overlap"):
        load_settings()


def test_settings_are_frozen():
    s = Settings()
    with pytest.raises(pydantic.ValidationError, match="frozen"):
        s.top_k = 3  # type: ignore[misc]


def test_the_readme_table_lists_every_setting_with_its_default():
    import re
    from pathlib import Path

    readme = (Path(__file__).parents[2] / "README.md").read_text()
    rows = dict(re.findall(r"^\| `ASSISTANT_(\w+)` \| ([^|]+?) \|", readme, re.M))
    fields = {name: f for name, f in Settings.model_fields.items() if name not in ("tuning", "support")}
    fields |= {f"tuning__{name}": f for name, f in Tuning.model_fields.items()}  # ASSISTANT_TUNING__<NAME>
    fields |= {f"support__{name}": f for name, f in SupportCheck.model_fields.items()}
    assert {name.lower() for name in rows} == set(fields)
    for name, documented in rows.items():
        default = fields[name.lower()].default
        if isinstance(default, (bool, int, float, str)) and default is not None:
            shown = str(default).lower() if isinstance(default, bool) else str(default)
            assert documented.strip("` ") == shown, f"README says ASSISTANT_{name} defaults to {documented}"


def test_the_embedder_follows_the_backend_setting(monkeypatch, tmp_path):
    monkeypatch.setenv("ASSISTANT_MODEL_CACHE", str(tmp_path))
    assert embedder_for(load_settings()).backend == "onnx-int8"  # the default
    monkeypatch.setenv("ASSISTANT_EMBED_BACKEND", "torch")
    torch_model = embedder_for(load_settings())
    monkeypatch.setenv("ASSISTANT_EMBED_BACKEND", "onnx-int8")
    int8_model = embedder_for(load_settings())
    assert (torch_model.backend, int8_model.backend) == ("torch", "onnx-int8")
    assert int8_model.id == torch_model.id + "+onnx-int8"
    assert not any(tmp_path.iterdir())  # nothing is exported until the model is used
