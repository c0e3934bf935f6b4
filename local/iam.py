"""IAM enforced on moto: an operator user for setup, and one user per function holding that function's policy.

moto checks IAM only when asked (``INITIAL_NO_AUTH_ACTION_COUNT``: that many requests pass
unchecked, then every request must be signed by an IAM user allowed the action). The first
``SETUP_CALLS`` requests create the operator, who creates the stack; each function then signs with
its own user's keys, so a policy missing an action fails here as it would in AWS. moto cannot tell
which table or topic a DynamoDB or SNS request is for, so each function's session also checks the
resources against the same policy before the request leaves (``guard``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from local import policies

#: moto's default account: the ARNs moto gives queues and topics name it
ACCOUNT = "123456789012"
#: unchecked requests before enforcement: the operator's create_user, put_user_policy, create_access_key
SETUP_CALLS = 3
OPERATOR_POLICY = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}


@dataclass
class Identity:
    """An IAM user's keys and the policy it holds; ``denied`` collects what the guard refused."""

    user: str
    access_key_id: str
    secret_access_key: str
    policy: dict[str, Any]
    denied: list[tuple[str, str]] = field(default_factory=list)

    def session(self, region: str, guard: bool = True) -> Signed:
        """What signs as this user: ``.client(service)`` like a boto3 Session's, checking resources with ``guard``."""
        return Signed(self, region, guard)

    def _check(self, params: dict[str, Any], model: Any, context: Any = None, **_: Any) -> None:
        from botocore.exceptions import ClientError

        region = str(context.get("client_region", "")) if isinstance(context, dict) else ""
        service = model.service_model.endpoint_prefix
        for action, resource in policies.requests(service, model.name, params, region or "*", ACCOUNT):
            if not policies.allows(self.policy, action, resource):
                self.denied.append((action, resource))
                message = f"User: {self.user} is not authorized to perform: {action} on resource: {resource}"
                raise ClientError({"Error": {"Code": "AccessDeniedException", "Message": message}}, model.name)


class Signed:
    """boto3 clients signed with one user's keys, from one shared Session: service models load once per
    process, not once per user (a boto3 Session per user made every test's setup noticeably slower)."""

    _models: Any = None

    def __init__(self, identity: Identity, region: str, guard: bool) -> None:
        self.identity = identity
        self.region = region
        self.guard = guard

    def client(self, service: str, **options: Any) -> Any:
        import boto3

        if Signed._models is None:
            Signed._models = boto3.Session()
        options.setdefault("region_name", self.region)
        client = Signed._models.client(
            service,
            aws_access_key_id=self.identity.access_key_id,
            aws_secret_access_key=self.identity.secret_access_key,
            **options,
        )
        if self.guard:
            client.meta.events.register("before-parameter-build", self.identity._check)
        return client


def create_user(
    iam: Any, name: str, policy: Mapping[str, Any], moto_policy: Mapping[str, Any] | None = None
) -> Identity:
    iam.create_user(UserName=name)
    iam.put_user_policy(UserName=name, PolicyName=name, PolicyDocument=json.dumps(moto_policy or policy))
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return Identity(name, key["AccessKeyId"], key["SecretAccessKey"], dict(policy))


def create_operator(iam: Any, name: str = "switchboard-operator") -> Identity:
    """The user that creates the stack and inspects it, allowed everything (the first SETUP_CALLS calls)."""
    return create_user(iam, name, OPERATOR_POLICY)


def create_function_users(
    iam: Any, *, stage: str, region: str, documents: Mapping[str, dict[str, Any]] | None = None
) -> dict[str, Identity]:
    """One user per function, holding its .chalice/ policy rendered for this stack (or ``documents``'s)."""
    users = {}
    for function in policies.FUNCTIONS:
        source = (documents or {}).get(function) or policies.load(function)
        policy = policies.render(source, stage=stage, region=region, account=ACCOUNT)
        users[function] = create_user(iam, f"switchboard-{stage}-{function}", policy, policies.for_moto(policy))
    return users


def use_keys(moto_url: str, identity: Identity, access_key_id: str, secret_access_key: str) -> None:
    """Give a user of the platform's moto server fixed keys (moto makes random ones, and has no API to
    choose them): `make run`'s operator signs with the fixed local keys the CLIs' --local use. The server
    runs in its own process, so it is asked over HTTP, through its local hook (local/moto_server.py)."""
    from local.moto_server import HOOKS

    change = {
        "user": identity.user,
        "access_key_id": identity.access_key_id,
        "new_access_key_id": access_key_id,
        "new_secret_access_key": secret_access_key,
    }
    _post(f"{moto_url}{HOOKS}access-key", json.dumps(change).encode(), "application/json")
    identity.access_key_id, identity.secret_access_key = access_key_id, secret_access_key


@contextmanager
def enforced() -> Iterator[None]:
    """IAM enforced in this process's moto (``mock_aws``) after the operator's SETUP_CALLS.

    What ``moto.core.set_initial_no_auth_action_count`` does around a function, around a block,
    so a pytest fixture can yield inside it; moto's previous setting comes back afterwards.
    """
    from moto import settings
    from moto.core.authorization import ActionAuthenticatorMixin

    saved = settings.INITIAL_NO_AUTH_ACTION_COUNT, ActionAuthenticatorMixin.request_count
    settings.INITIAL_NO_AUTH_ACTION_COUNT = SETUP_CALLS
    ActionAuthenticatorMixin.request_count = 0
    try:
        yield
    finally:
        settings.INITIAL_NO_AUTH_ACTION_COUNT, ActionAuthenticatorMixin.request_count = saved


def _post(url: str, data: bytes, content_type: str) -> None:
    from urllib.request import ProxyHandler, Request, build_opener

    request = Request(url, data=data, headers={"Content-Type": content_type}, method="POST")
    # loopback: a proxy in the developer's environment must not see it
    with build_opener(ProxyHandler({})).open(request, timeout=10) as response:
        response.read()
