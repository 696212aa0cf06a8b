"""The reference intake service: the receiving side of the transmission protocol (`docs/protocol.yaml`).

For local runs, demos and tests only; never bundled into the desktop build and never imported by `app/` or `ui/`.
It re-runs the application's own verdict (`app.forms.verdict`) on everything it receives.

    INTAKE_TOKEN=TOKEN python -m intake serve --data DIR --port PORT     (or --token-file FILE, mode 0600)
    python -m intake decide ID approve|reject|review [--reason TEXT] --data DIR

In tests: `serve_in_thread(data_dir, tokens, faults=Faults(...))` starts it on a free port and returns its URL,
CA file, counters and `stop()`.
"""

from intake.server import Faults, RunningIntake, Stats, serve_in_thread

__all__ = ["Faults", "RunningIntake", "Stats", "serve_in_thread"]
