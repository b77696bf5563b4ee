"""The `kyc` command. Each engine package contributes its subcommands through `register()`."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kyc", description="kycflow identity verification")
    sub = parser.add_subparsers(dest="command", required=True)
    # Imported here so `kyc --help` stays fast and one broken engine cannot hide the others.
    from kyc.dev import cli as dev_cli
    from kyc.documents import cli as documents_cli
    from kyc.faces import cli as faces_cli
    from kyc.screening import cli as screening_cli

    for module in (documents_cli, faces_cli, screening_cli, dev_cli):
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> None:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code = args.func(args)
    except KeyboardInterrupt:
        code = 130
    sys.stdout.flush()
    sys.stderr.flush()
    # Temporal's SDK can abort at interpreter exit (sdk-python#300): leave without finalizers.
    os._exit(code or 0)
