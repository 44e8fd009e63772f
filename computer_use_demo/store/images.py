"""Screenshots as content-addressed files beside the database.

Why files and not blobs: a screenshot is 50-300 kB and written once. Kept out of SQLite, the database stays
small, so the sidebar's queries and WAL checkpoints stay fast however long the chats get; identical frames
are stored once (the name is the SHA-256); the trajectory exporter and the viewer hand the files to users and
to `st.image` as they are. Crash safety comes from ordering: a file is complete (temp file + rename) before
the transaction that refers to it commits, so a `kill -9` can leave an unreferenced file behind, never a
reference to a missing file. `ConversationStore.prune_orphan_images` sweeps such leftovers.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from computer_use_demo.store.private_files import private_dir, write_private_atomic
from computer_use_demo.tools.blocks import decode_base64_image, inline_image_block, map_image_blocks

EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "image/gif": "gif", "image/webp": "webp"}
STORED_SOURCE = "stored"
MISSING_IMAGE_TEXT = "[screenshot no longer available]"


@dataclass(frozen=True)
class ImageRef:
    sha256: str
    media_type: str


class ImageFiles:
    """A folder of images named by their content hash: `<root>/<first two hex>/<sha256>.<ext>`."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, ref: ImageRef) -> Path:
        ext = EXTENSIONS.get(ref.media_type, "bin")
        return self.root / ref.sha256[:2] / f"{ref.sha256}.{ext}"

    def put(self, data: bytes, media_type: str) -> ImageRef:
        ref = ImageRef(hashlib.sha256(data).hexdigest(), media_type)
        target = self.path(ref)
        if target.exists():
            return ref
        private_dir(self.root)
        private_dir(target.parent)
        write_private_atomic(target, data)
        return ref

    def read(self, ref: ImageRef) -> bytes | None:
        try:
            return self.path(ref).read_bytes()
        except FileNotFoundError:
            return None

    def remove(self, ref: ImageRef) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path(ref).unlink()

    def all_refs(self) -> Iterator[tuple[Path, str]]:
        """Every stored file with its hash (temp files of interrupted writes included, hash "")."""
        if not self.root.exists():
            return
        for path in self.root.glob("*/*"):
            name = path.name
            yield path, "" if name.startswith(".tmp-") else name.split(".", 1)[0]


def externalize_images(value: Any, files: ImageFiles, found: list[ImageRef]) -> Any:
    """A copy of `value` whose base64 image sources are written to `files` and replaced by references."""

    def store(block: dict[str, Any]) -> dict[str, Any]:
        data = decode_base64_image(block)
        if data is None:
            return dict(block)  # not decodable: keep it inline, as given
        ref = files.put(data, block["source"].get("media_type", "image/png"))
        found.append(ref)
        stored = {"type": STORED_SOURCE, "media_type": ref.media_type, "sha256": ref.sha256}
        return {**block, "source": stored}

    return map_image_blocks(value, "base64", store)


def restore_images(value: Any, files: ImageFiles) -> Any:
    """The inverse of `externalize_images`; a file that has gone becomes a short text placeholder."""

    def load(block: dict[str, Any]) -> dict[str, Any]:
        source = block["source"]
        data = files.read(ImageRef(source["sha256"], source["media_type"]))
        if data is None:
            return {"type": "text", "text": MISSING_IMAGE_TEXT}
        return inline_image_block(block, data, source["media_type"])

    return map_image_blocks(value, STORED_SOURCE, load)
