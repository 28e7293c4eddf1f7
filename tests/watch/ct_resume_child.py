"""A CT poller run as a subprocess by the resume test: it reads one log from the state in a
JSON file, appends each batch's entries to an output file, then saves the state (atomically),
batch after batch, until the log's head. The test SIGKILLs it midway and runs it again.

Usage: python -m tests.watch.ct_resume_child LOG_LIST_JSON API STATE_JSON OUTPUT RATE
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

import aiohttp

from typorisk.kit.atomic import atomic_write_text
from typorisk.watch.ct import CTState, load_log_list, poll_log


async def main(log_list: Path, api: str, state_file: Path, output: Path, rate: float) -> None:
    log = next(entry for entry in load_log_list(log_list) if entry.api == api)
    state = CTState(0, 0)
    if state_file.exists():
        state = CTState(**json.loads(state_file.read_text()))
    async with aiohttp.ClientSession() as session:
        async for batch in poll_log(session, log, state, rate=rate, max_entries=1 << 30):
            with output.open("a", encoding="utf-8") as out:
                for entry in batch.entries:
                    out.write(f"{entry.index} {' '.join(entry.names)}\n")
                for _ in range(batch.unparsable):
                    out.write("unparsable\n")
                out.flush()
                os.fsync(out.fileno())
            done = {"next_index": batch.state.next_index, "tree_size": batch.state.tree_size}
            atomic_write_text(state_file, json.dumps(done))


if __name__ == "__main__":
    a = sys.argv[1:]
    asyncio.run(main(Path(a[0]), a[1], Path(a[2]), Path(a[3]), float(a[4])))
