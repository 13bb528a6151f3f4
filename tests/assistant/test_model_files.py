"""Finding and assembling a GGUF from packaged parts, on small invented parts."""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import pytest

from assistant import ModelLoadError
from assistant.reading.model_files import GGUFSpec, locate_gguf

pytestmark = pytest.mark.unit

PARTS = [b"GGUF" + b"a" * 96, b"b" * 50, b"c" * 7]


def install_parts(site: Path, prefix: str, parts: list[bytes]) -> None:
    """Fake installed distributions ``{prefix}-part{n}``, each holding ``data/partNN.bin``."""
    for n, data in enumerate(parts, start=1):
        module = f"{prefix}_part{n}"
        (site / module / "data").mkdir(parents=True)
        (site / module / "data" / f"part{n:02d}.bin").write_bytes(data)
        info = site / f"{module}-0.1.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {prefix}-part{n}\nVersion: 0.1\n")
        (info / "RECORD").write_text(f"{module}/data/part{n:02d}.bin,,\n{module}-0.1.dist-info/METADATA,,\n")


@pytest.fixture
def site(tmp_path, monkeypatch):
    folder = tmp_path / "site"
    folder.mkdir()
    monkeypatch.setattr(sys, "path", [str(folder), *sys.path])
    return folder


def spec_for(prefix: str, parts: list[bytes], **overrides) -> GGUFSpec:
    whole = b"".join(parts)
    fields = dict(
        name=f"{prefix}-model", dist_prefix=f"{prefix}-part", parts=len(parts), size=len(whole),
        sha256=hashlib.sha256(whole).hexdigest(),
    )  # fmt: skip
    return GGUFSpec(**{**fields, **overrides})


def test_parts_are_assembled_once_with_progress_and_the_copy_is_reused(site, tmp_path):
    install_parts(site, "alpha", PARTS)
    spec, seen = spec_for("alpha", PARTS), []
    path = locate_gguf(spec, cache_dir=tmp_path / "cache", progress=lambda *a: seen.append(a))
    assert path.read_bytes() == b"".join(PARTS)
    assert seen[-1] == ("assembling alpha-model", spec.size, spec.size)
    before = path.stat().st_mtime_ns
    assert locate_gguf(spec, cache_dir=tmp_path / "cache") == path
    assert path.stat().st_mtime_ns == before
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary file left behind


def test_a_wrong_hash_is_refused_and_leaves_no_file(site, tmp_path):
    install_parts(site, "beta", PARTS)
    spec = spec_for("beta", PARTS, sha256="0" * 64)
    with pytest.raises(ModelLoadError, match=r"sha256 .* not 0{64}; reinstall its parts with `make install`"):
        locate_gguf(spec, cache_dir=tmp_path / "cache")
    assert list((tmp_path / "cache").iterdir()) == []


def test_a_missing_part_names_the_package_and_the_install_command(site, tmp_path):
    install_parts(site, "gamma", PARTS[:2])
    with pytest.raises(ModelLoadError, match=r"model part gamma-part3 is not installed; install the model with `make install`"):
        locate_gguf(spec_for("gamma", PARTS), cache_dir=tmp_path / "cache")


def test_parts_of_the_wrong_size_are_refused_before_copying(site, tmp_path):
    install_parts(site, "delta", [PARTS[0], b"short", PARTS[2]])
    with pytest.raises(ModelLoadError, match=r"add up to \d+ bytes, not \d+"):
        locate_gguf(spec_for("delta", PARTS), cache_dir=tmp_path / "cache")


def test_a_truncated_copy_in_the_cache_is_assembled_again(site, tmp_path):
    install_parts(site, "eps", PARTS)
    spec = spec_for("eps", PARTS)
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / spec.file_name).write_bytes(b"GGUF" + b"a" * 10)
    assert locate_gguf(spec, cache_dir=cache).read_bytes() == b"".join(PARTS)


def test_a_given_path_must_exist_and_be_a_gguf(tmp_path):
    spec = spec_for("zeta", PARTS)
    with pytest.raises(ModelLoadError, match=r"no model file at .*missing.gguf \(ASSISTANT_READER_MODEL\)"):
        locate_gguf(spec, cache_dir=tmp_path, override=tmp_path / "missing.gguf")
    other = tmp_path / "notes.gguf"
    other.write_text("not a model")
    with pytest.raises(ModelLoadError, match="is not a GGUF model file"):
        locate_gguf(spec, cache_dir=tmp_path, override=other)
    good = tmp_path / "mine.gguf"
    good.write_bytes(b"GGUF....")
    assert locate_gguf(spec, cache_dir=tmp_path, override=good) == good
