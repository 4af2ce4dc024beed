"""The providers, by their command-line name."""

from __future__ import annotations

from core.errors import UsageError
from core.i18n import _
from core.providers.aptania import Aptania
from core.providers.base import Provider
from core.providers.iletimerkezi import IletiMerkezi
from core.providers.netcore import Netcore
from core.providers.octopush import Octopush

PROVIDERS: dict[str, Provider] = {p.name: p for p in (Netcore(), IletiMerkezi(), Aptania(), Octopush())}


def get_provider(name: str) -> Provider:
    """The provider called ``name``; a UsageError naming the choices otherwise."""
    provider = PROVIDERS.get((name or "").strip().lower())
    if provider is None:
        raise UsageError(_("Unknown provider '{name}'. Choose one of: {providers}.").format(
            name=name, providers=", ".join(PROVIDERS)))
    return provider


__all__ = ["PROVIDERS", "Provider", "get_provider"]
