"""The HTTP exchange with a provider's API over urllib3 (in the Lambda runtime with botocore): one try, short timeouts.

No retries and no redirects here: the outbox owns retries (with the provider's Retry-After and its own
backoff), and a retry inside the exchange would hide a possible duplicate from it. What matters about a
failure is whether the request may have reached the provider: refused before sending, a retry is safe;
lost after sending, the provider may have acted on it, and a retry may send the message twice.
URLs are never logged or put in a reason: Meta's carries the page token.
"""

from __future__ import annotations

from typing import Final
from urllib.parse import urlsplit

import urllib3
from urllib3.exceptions import (
    ConnectTimeoutError,
    HTTPError,
    LocationValueError,
    ProtocolError,
    ProxyError,
    ReadTimeoutError,
    SSLError,
)

from chalicelib.replies.model import HttpAnswer, HttpRequest, TransportError

#: a provider's API answers in well under a second; a Lambda waiting longer only delays the next reply
DEFAULT_TIMEOUT: Final = urllib3.Timeout(connect=3.0, read=10.0)
#: bounds an answer's body: provider answers are a few hundred bytes, a proxy's error page a few kilobytes
MAX_ANSWER_BYTES = 1 << 20


class UrllibTransport:
    """``HttpTransport`` over an injected ``urllib3.PoolManager`` (kept per container: connections are reused)."""

    def __init__(self, pool: urllib3.PoolManager | None = None, timeout: urllib3.Timeout = DEFAULT_TIMEOUT) -> None:
        self._pool = pool if pool is not None else urllib3.PoolManager()
        self._timeout = timeout

    def send(self, request: HttpRequest) -> HttpAnswer:
        host = urlsplit(request.url).hostname or "the provider"
        try:
            response = self._pool.request(
                request.method,
                request.url,
                body=request.body or None,
                headers=request.headers,
                timeout=self._timeout,
                retries=False,  # one try: with False urllib3 raises the underlying error, not MaxRetryError
                redirect=False,
                preload_content=False,
            )
        except (ConnectTimeoutError, SSLError, ProxyError, LocationValueError) as exc:
            # NewConnectionError and NameResolutionError are ConnectTimeoutErrors: nothing was sent
            raise TransportError(f"could not connect to {host}: {type(exc).__name__}", sent=False) from exc
        except ReadTimeoutError as exc:
            raise TransportError(f"{host} did not answer in time (the request was sent)", sent=True) from exc
        except (ProtocolError, HTTPError) as exc:
            raise TransportError(f"connection to {host} dropped: {type(exc).__name__}", sent=True) from exc
        try:
            body = response.read(MAX_ANSWER_BYTES, decode_content=True)
        except (ReadTimeoutError, ProtocolError, HTTPError) as exc:
            # the status line came: the provider has the request, only its full answer was lost
            raise TransportError(f"{host}'s answer was cut off: {type(exc).__name__}", sent=True) from exc
        finally:
            response.drain_conn()  # the rest of an oversized answer discarded, the connection back in the pool
        headers = {name.lower(): response.headers[name] for name in response.headers}
        return HttpAnswer(status=response.status, headers=headers, body=body)
