"""`kyc dev`, `kyc api`, `kyc worker`, `kyc migrate`, `kyc keys` and `kyc demo`.

`kyc api` and `kyc worker` replace this process with uvicorn / `python -m worker` (exec): `kyc/`
never imports `api` or `worker` (DESIGN §2), and deploy/ runs one component per container.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from kyc.settings import Settings

# CLI flag -> the setting (environment variable) it sets, so child processes see it too.
FLAG_SETTINGS = {
    "state_dir": "KYC_STATE_DIR",
    "api_port": "KYC_API_PORT",
    "api_host": "KYC_API_HOST",
    "temporal_port": "KYC_TEMPORAL_PORT",
    "temporal_ui_port": "KYC_TEMPORAL_UI_PORT",
    "s3_port": "KYC_S3_PORT",
    "queues": "KYC_WORKER_QUEUES",
}


def apply_flags(args: argparse.Namespace) -> Settings:
    """Export the given flags as KYC_* variables, then load the settings (and secrets.json)."""
    for attr, env in FLAG_SETTINGS.items():
        value = getattr(args, attr, None)
        if value is not None:
            os.environ[env] = str(value)
    return Settings.load()


def _state_dir_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--state-dir", help="where state, keys and logs live (KYC_STATE_DIR, default ./.kyc)"
    )


def cmd_dev(args: argparse.Namespace) -> int:
    from kyc.dev import stack

    return stack.run(apply_flags(args))


def cmd_api(args: argparse.Namespace) -> int:
    from kyc.dev.components import api_command

    settings = apply_flags(args)
    if not args.no_migrate:  # deployments run `kyc migrate` once, then `kyc api --no-migrate`
        from kyc.db.migrate import migrate

        migrate(settings.resolved_database_url, settings.master_keys)
    argv = api_command(settings)
    sys.stdout.flush()
    os.execv(argv[0], argv)
    return 1  # not reached


def cmd_worker(args: argparse.Namespace) -> int:
    from kyc.dev.components import worker_command

    apply_flags(args)
    argv = worker_command()
    sys.stdout.flush()
    os.execv(argv[0], argv)
    return 1  # not reached


def cmd_migrate(args: argparse.Namespace) -> int:
    from kyc.db.migrate import current_revision, head_revision, migrate

    settings = apply_flags(args)
    url = settings.resolved_database_url
    before = current_revision(url)
    migrate(url, settings.master_keys)
    after = current_revision(url)
    # The URL is never printed: it may hold a password.
    print(f"database schema: {before or 'empty'} -> {after} (head {head_revision()})")
    return 0 if after == head_revision() else 1


def cmd_demo(args: argparse.Namespace) -> int:
    from kyc.dev.demo import run as run_demo

    return run_demo(apply_flags(args), timeout=args.timeout)


def cmd_keys(args: argparse.Namespace) -> int:
    from kyc import keys

    settings = apply_flags(args)
    if args.action == "rotate":
        key_id = keys.rotate_secrets(settings.state_dir)
        print(f"new master key {key_id} is current; the old one is retired (still read).")
        print("Restart the API and workers, then run `kyc keys rewrap`.")
        return 0
    from kyc.db.engine import make_engine

    engine = make_engine(settings.resolved_database_url)
    done = keys.rewrap(engine, settings.object_store(), settings.master_keys)
    engine.dispose()
    print(f"rewrapped {done.data_keys} data key(s) and {done.columns} sealed column(s)")
    return 0


def register(subparsers: Any) -> None:
    dev = subparsers.add_parser(
        "dev",
        help="run the whole stack locally (Temporal, SeaweedFS, SQLite, API, worker)",
        description="Start every component from installed packages; Ctrl-C stops them all. "
        "Components given by URL (KYC_TEMPORAL_ADDRESS, KYC_S3_ENDPOINT, KYC_DATABASE_URL) "
        "are used instead of being started.",
    )
    _state_dir_flag(dev)
    dev.add_argument("--api-port", type=int, help="API port (KYC_API_PORT, default 8000)")
    dev.add_argument("--temporal-port", type=int, help="Temporal gRPC port (default 7233)")
    dev.add_argument("--temporal-ui-port", type=int, help="Temporal Web UI port (default 8233)")
    dev.add_argument("--s3-port", type=int, help="SeaweedFS S3 port (default 8333)")
    dev.set_defaults(func=cmd_dev)

    api = subparsers.add_parser("api", help="run the API only (uvicorn)")
    _state_dir_flag(api)
    api.add_argument("--host", dest="api_host", help="bind address (KYC_API_HOST)")
    api.add_argument("--port", dest="api_port", type=int, help="port (KYC_API_PORT)")
    api.add_argument(
        "--no-migrate", action="store_true", help="do not run database migrations first"
    )
    api.set_defaults(func=cmd_api)

    worker = subparsers.add_parser("worker", help="run one worker process")
    _state_dir_flag(worker)
    worker.add_argument(
        "--queues", help="task queues to poll, comma-separated (KYC_WORKER_QUEUES; default both)"
    )
    worker.set_defaults(func=cmd_worker)

    migrate = subparsers.add_parser(
        "migrate",
        help="bring the database (KYC_DATABASE_URL) to the newest schema, once, under a lock",
        description="Run by one job per deployment before the API starts; concurrent runs wait "
        "for each other (PostgreSQL advisory lock) and the later ones find nothing to do.",
    )
    _state_dir_flag(migrate)
    migrate.set_defaults(func=cmd_migrate)

    key_cmd = subparsers.add_parser(
        "keys",
        help="rotate the master key (rotate), then reseal data under the new one (rewrap)",
    )
    _state_dir_flag(key_cmd)
    key_cmd.add_argument("action", choices=["rotate", "rewrap"])
    key_cmd.set_defaults(func=cmd_keys)

    demo = subparsers.add_parser(
        "demo", help="verify a generated specimen passport and selfie against the running stack"
    )
    _state_dir_flag(demo)
    demo.add_argument("--timeout", type=float, default=300.0, help="seconds to wait (300)")
    demo.set_defaults(func=cmd_demo)
