"""The child process of the SIGKILL tests: open the store, send one queued request (or, with `--all`, run the
outbox over every queued one, its receipts' writer waiting for company until the senders are done), say how it went.

Usage: python -m tests.transmit.sender_child STORE_DIR URL CA_FILE (REQUEST_ID | --all) (the store key and the token
come in the COC_TEST_KEY and COC_TOKEN variables, never on the command line).
"""

from __future__ import annotations

import os
import sys

from app.store import Store
from app.store.keys import RawKey
from app.transmit import Client, Outbox, RetryPolicy, TransmitSettings, send


def main(argv: list[str]) -> int:
    store_dir, url, ca, request_id = argv
    key = RawKey.from_hex(os.environ["COC_TEST_KEY"])
    settings = TransmitSettings(
        endpoint=url, token=os.environ["COC_TOKEN"], ca_bundle=ca, connect_timeout=5, read_timeout=5
    )
    with Store.open(store_dir, key=key, verify_pages=False) as store, Client(settings) as client:
        print("ready", flush=True)
        policy = RetryPolicy(tries_per_send=5, base=0.01, cap=0.05)
        if request_id == "--all":
            with Outbox(store, client, policy=policy, concurrency=2, receipt_linger=3600) as outbox:
                report = outbox.send_due(force=True)
            print(f"sent {report.sent}", flush=True)
            return 0
        result = send(store, request_id, client, policy=policy)
        print(result.outcome.value, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
