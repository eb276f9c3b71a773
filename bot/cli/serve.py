"""`serve`: the HTTP app with the models loaded."""

from __future__ import annotations

import argparse
import os
import sys

from bot.config import get_settings

APP_PROCESS_SWITCH_INTERVAL_SECONDS = 0.001


def register(subparsers: argparse._SubParsersAction) -> None:
    serve = subparsers.add_parser(
        "serve",
        help="serve the web app and APIs (default http://127.0.0.1:8000)",
        description="Start the FastAPI app with the trained models loaded once.",
    )
    serve.add_argument("--host", default="127.0.0.1", help="interface to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    serve.add_argument(
        "--dialogue-workers",
        type=int,
        default=None,
        help="processes holding customer conversations (default: DIALOGUE_WORKERS, else 1; docs/DEPLOY.md)",
    )
    serve.set_defaults(func=run_serve)


def run_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from bot.app.main import create_app

    if args.dialogue_workers is not None:
        if args.dialogue_workers < 1:
            raise SystemExit("--dialogue-workers must be 1 or more")
        os.environ["DIALOGUE_WORKERS"] = str(args.dialogue_workers)  # read by Settings, like every other setting
    if get_settings().dialogue_workers > 1:
        # The conversations run in the workers; this process's threads only wait for the database, and each
        # hand-over of the GIL to one of them waited up to the default 5 ms while a burst of WeChat requests kept
        # the loop busy (/health then answered in 100-150 ms).
        sys.setswitchinterval(APP_PROCESS_SWITCH_INTERVAL_SECONDS)
    # websockets is pinned at 10.4 for Rasa; uvicorn's default websocket protocol needs a newer one and no
    # route serves websockets, so it is switched off. log_config=None: uvicorn's access and error lines go
    # through the app's own handlers (bot/logging_setup.py), which mask phone numbers in request paths too.
    uvicorn.run(create_app(), host=args.host, port=args.port, ws="none", log_level="info", log_config=None)
    return 0
