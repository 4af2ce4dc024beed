"""The ``--demo`` session: the whole program against the built-in sandbox with demo credentials."""

from __future__ import annotations

from types import TracebackType

from core.sandbox import DEMO_CREDENTIALS, Sandbox


class DemoSession:
    """A running :class:`~core.sandbox.Sandbox` plus the credentials it accepts.

    Use as a context manager, or call :meth:`start` and :meth:`stop` (safe to call twice).
    """

    def __init__(self, *, latency: float = 0.0, seed: int | None = None) -> None:
        self.sandbox = Sandbox(latency=latency, seed=seed)

    def start(self) -> DemoSession:
        if not self.sandbox.running:
            self.sandbox.start()
        return self

    def stop(self) -> None:
        self.sandbox.stop()

    def __enter__(self) -> DemoSession:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def base_url(self, provider: str) -> str:
        return self.sandbox.base_url(provider)

    def credentials(self, provider: str) -> dict[str, str]:
        """A copy of the demo credentials of ``provider``."""
        try:
            return dict(DEMO_CREDENTIALS[provider])
        except KeyError:
            raise ValueError(f"unknown provider {provider!r}") from None
