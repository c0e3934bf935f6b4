"""GET /rules/version: which rules this stage decides with, for `switchboard rules deploy` to wait on.

Unauthenticated on purpose (a deploy pipeline polls it without a secret), so it says only the
version: the S3 version id and the content hash, never the rules. Answering it runs the same
refresh a decision does, so the version it names is the one the answering container uses now.
"""

from __future__ import annotations

from chalice.app import Blueprint, Response

from chalicelib.bootstrap import container

rules_version = Blueprint(__name__)


@rules_version.route("/rules/version", methods=["GET"])
def current_version() -> Response:
    version = container().rules.version
    return Response(
        status_code=200,
        body={"version": version},
        headers={"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"},
    )
