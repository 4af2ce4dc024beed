"""``contact-uploader groups iletimerkezi [--profile NAME] [--json] [--base-url URL] [--demo]``.

Lists the account's contact groups through İleti Merkezi's read-only ``get-groups`` (SPEC 2.2): id, name
and number of contacts, sub-groups indented under their group (``--json``: one object per group with its
``parent_id``). :func:`fetch_groups` is also the worker body of the window's group picker.

Exit status: 0 listed (an account without groups says so); 2 nothing listed — credentials missing or
refused, the network failed, or İleti Merkezi refused the request — with one sentence on stderr.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Mapping
from typing import IO

from core import messages
from core.errors import UploaderError, UsageError, one_line
from core.i18n import _, number, pgettext
from core.providers import get_provider
from core.providers.iletimerkezi import Group, IletiMerkezi

EXIT_OK = 0
EXIT_NOTHING = 2
ATTEMPTS = 3  # a person (or a picker) is waiting: fewer attempts than an upload


def fetch_groups(creds: Mapping[str, str], base_url: str, *, timeout: float = 15.0) -> list[Group]:
    """The account's groups, main groups each followed by their sub-groups.

    Retries a 429/5xx answer or a dropped connection a few times; raises CredentialsRefused,
    NetworkProblem or ProviderError (each with one readable sentence) when it cannot list them.
    """
    from core.client import RETRYABLE_KINDS, ProviderClient
    from core.errors import NetworkProblem

    provider = get_provider("iletimerkezi")
    assert isinstance(provider, IletiMerkezi)
    with ProviderClient(provider, creds, base_url, timeout=timeout, max_attempts=ATTEMPTS) as client:
        request = provider.groups_request(client.creds, client.base_url)
        for attempt in range(1, ATTEMPTS + 1):
            try:
                answer = client.send(request)
            except NetworkProblem as problem:
                if problem.kind not in RETRYABLE_KINDS or attempt == ATTEMPTS:
                    raise
                time.sleep(client.delay(attempt))
                continue
            transient = provider.transient(answer.status, answer.headers, answer.body)
            if transient is not None and attempt < ATTEMPTS:
                time.sleep(client.delay(attempt, transient.retry_after))
                continue
            return provider.parse_groups(answer.status, answer.body)
    raise AssertionError("unreachable")  # pragma: no cover


def group_label(group: Group) -> str:
    """How a picker or the text listing shows a group: indented under its parent, with its count."""
    count = "?" if group.count is None else number(group.count)
    return f"{'    ' * group.depth}{group.name}  ({count})"


def run(args: argparse.Namespace, stdout: IO[str], stderr: IO[str]) -> int:
    """Run ``groups``; every failure is one line on ``stderr`` and exit status 2."""
    try:
        provider = get_provider(args.provider)
        if provider.name != "iletimerkezi":
            raise UsageError(
                _("{provider} has no contact groups to list; only {groups_provider} has (Octopush lists and "
                  "tags are given by name).").format(provider=provider.title, groups_provider="iletimerkezi")
            )
        if getattr(args, "demo", False):
            from core.cli import demo_session

            with demo_session() as session:
                groups = fetch_groups(session.credentials(provider.name), session.base_url(provider.name))
        else:
            from core.cli import base_url_for
            from core.credentials import check_profile, load_credentials

            profile = check_profile(getattr(args, "profile", None))
            creds = load_credentials(provider, profile)
            groups = fetch_groups(creds, base_url_for(provider, creds, getattr(args, "base_url", None)))
    except UploaderError as exc:
        stderr.write(one_line(exc) + "\n")
        return EXIT_NOTHING
    if getattr(args, "json", False):
        json.dump([g.to_json() for g in groups], stdout, ensure_ascii=False, indent=2)
        stdout.write("\n")
        return EXIT_OK
    if not groups:
        stdout.write(messages.text("iletimerkezi", "groups_none") + "\n")
        return EXIT_OK
    rows = [(pgettext("groups column", "ID"), pgettext("groups column", "NAME"),
             pgettext("groups column", "CONTACTS"))] + [
        (g.id, f"{'  ' * g.depth}{g.name}", "?" if g.count is None else number(g.count)) for g in groups
    ]
    widths = [max(len(r[i]) for r in rows) for i in range(2)]
    for group_id, name, count in rows:
        stdout.write(f"{group_id.ljust(widths[0])}  {name.ljust(widths[1])}  {count}\n")
    return EXIT_OK
