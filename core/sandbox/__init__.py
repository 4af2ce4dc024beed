"""A loopback HTTP simulator of the four platforms, written from SPEC section 2 alone.

It imports nothing from ``core.providers`` (an import-linter contract forbids it), so a misreading of a
provider cannot hide in both the client and its test double. Only the standard library is used.

Usage::

    with Sandbox(latency=0.05, seed=1) as sb:
        url = sb.base_url("octopush")          # http://127.0.0.1:PORT/octopush/v1/public
        creds = DEMO_CREDENTIALS["octopush"]    # what the sandbox accepts
        ...
        sb.contacts("octopush"); sb.create_requests("octopush"); sb.received("octopush")

Base URLs (below ``root_url`` = ``http://HOST:PORT``): netcore ``/netcore/apiv2``, iletimerkezi
``/iletimerkezi/v1``, aptania ``/aptania/services``, octopush ``/octopush/v1/public``.

Server: a threaded HTTP/1.1 server (one daemon thread per connection, keep-alive, every answer with a
Content-Length), silent on stderr. ``stop()`` closes open keep-alive connections and joins every thread.

Live settings (read per request, settable while running):

- ``latency`` seconds slept before each request is processed; concurrent requests sleep in parallel.
- ``faults`` a :class:`Faults`; probabilities drawn from a generator seeded by ``seed`` (drop before
  processing, 429 + ``Retry-After``, 503, drop after processing — in that order, the first hit wins).
  Fault bodies: İleti Merkezi answers its own JSON shape with code 503/429, Octopush ``{"code", "message"}``
  (501 for 503, 128 for 429), Netcore and Aptania an HTML page as a load balancer would. Misbehaving
  servers, on every request when set: ``echo`` (a 400 page repeating the request, credentials included),
  ``error_bytes`` (a 400 JSON error whose message is that long), ``drip`` (every answer sent one byte at
  a time, that many seconds apart).
- ``set_credentials(provider, **values)`` changes what a platform accepts (default: :data:`DEMO_CREDENTIALS`).

Per-platform configuration (defaults in brackets):

- ``add_iletimerkezi_group(id, name, parent=None, count=0)`` [1001 "Müşteriler" with child 1002 "VIP
  Müşteriler", 1003 "Bülten Aboneleri"]; ``add_iletimerkezi_custom_field(id, name="")`` [1, 2, 3].
- ``add_aptania_profile(profile_id)`` ["1", "2", "3"].
- ``add_octopush_blacklist(*numbers)`` [none]; ``set_octopush_answers(echo=…, items=…, max_contacts=…)``
  [E.164 echo, ``items`` answered, 200]; ``add_octopush_refused(*numbers, status, code, message)`` [none]:
  a create request carrying one of them is refused as a whole.

Inspection: ``contacts(p)`` copies of the stored contacts; ``create_requests(p)`` requests to the add/create
endpoint that reached processing (faults other than drop-after never do; refused ones count);
``received(p)`` the last 2000 requests read (:class:`ReceivedRequest`: method, path, query, headers with
lower-case names, body, fault); ``errors()`` simulator bugs (should stay empty); ``reset()`` back to a fresh
state (contacts, counters, logs, configuration, faults, latency; the port is kept).

What each platform enforces, and the codes it answers, is in the docstring of its module:
:mod:`core.sandbox.netcore`, :mod:`core.sandbox.iletimerkezi`, :mod:`core.sandbox.aptania`,
:mod:`core.sandbox.octopush`.

Stored contact shapes: netcore the attribute dict as sent (string values) plus ``listid`` (int) when given;
iletimerkezi ``{id, name, surname, gsm, email, custom_fields: [{id, value}], groups: [ids]}``; aptania the
request's contact fields plus ``contactUUID``; octopush ``{phone_number, first_name, last_name,
param1..param5, lists: [...], tags: [...]}``.
"""

from core.sandbox.common import DEMO_CREDENTIALS
from core.sandbox.server import PROVIDERS, Faults, ReceivedRequest, Sandbox

__all__ = ["DEMO_CREDENTIALS", "PROVIDERS", "Faults", "ReceivedRequest", "Sandbox"]
