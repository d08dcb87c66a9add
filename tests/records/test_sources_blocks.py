"""OpenInput.blocks: whole lines in blocks, whatever the block size and the line lengths."""

from __future__ import annotations

import pytest

from scimguard.records.inputs import open_input


@pytest.mark.parametrize("size", [1, 3, 7, 64, 1 << 20])
@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"one\n",
        b"one\ntwo",
        b"one\r\ntwo\r\n\nthree\n",
        b"x" * 100 + b"\n" + b"y" * 50,
        b"\n\n\n",
    ],
)
def test_blocks_hold_whole_lines_and_lose_nothing(tmp_path, size, content):
    path = tmp_path / "in.jsonl"
    path.write_bytes(content)
    source = open_input(str(path))
    try:
        blocks = list(source.blocks(size))
    finally:
        source.close()
    assert b"".join(blocks) == content
    for block in blocks[:-1]:
        assert block.endswith(b"\n") and block
    assert all(blocks)


def test_blocks_of_a_utf16_file_are_its_lines_in_utf8(tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_bytes('{"a": "é"}\n{"b": 1}\n'.encode("utf-16"))
    source = open_input(str(path))
    try:
        blocks = list(source.blocks(4))
    finally:
        source.close()
    assert b"".join(blocks) == '{"a": "é"}\n{"b": 1}\n'.encode()
