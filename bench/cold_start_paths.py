"""The cold-start bench's paths: what each fresh process imports and runs, and the child program that times it."""

from __future__ import annotations

from dataclasses import dataclass

from bench.cold_start_report import ALTERNATIVES

#: the clients each path creates, sorted (read from chalicelib/bootstrap.py; each run checks the child's)
CLIENTS = {
    "ingest": ("sqs", "ssm"),  # the widget's signing secret, the events queue
    "triage": ("dynamodb", "s3", "sns", "sqs", "ssm"),  # tables, rules store, pages, replies queue, ack secret
}


@dataclass(frozen=True)
class ColdPath:
    name: str
    description: str
    #: timed as "import": what Lambda runs at init
    imports: str
    #: timed as "first call": the first invocation (for a floor, creating the clients)
    first_call: str = ""
    #: the event the first call handles (given on stdin, parsed before the clock starts, as Lambda's runtime does)
    event: str = ""
    #: the path whose floor this is, or the path this row is an alternative of
    of: str = ""
    #: the Lambda handler setting the function runs under (Lambda's _HANDLER; app.py reads it)
    handler: str = ""


def floor(path: str, requests: bool = False) -> ColdPath:
    """The stack + the path's clients; with ``requests``, those clients then make the path's requests too."""
    services = ", ".join(repr(s) for s in CLIENTS[path])
    create = (
        "_made = {_s: boto3.client(_s, region_name=os.environ['AWS_DEFAULT_REGION'],\n"
        f"    endpoint_url=os.environ['AWS_ENDPOINT_URL']) for _s in ({services},)}}\n"
    )
    if not requests:
        return ColdPath(
            f"{path} floor",
            f"stack + the {path} path's clients ({', '.join(CLIENTS[path])})",
            _IMPORTS,
            create,
            of=path,
        )
    return ColdPath(
        f"{path} floor+calls",
        f"the {path} floor + the same requests its first invocation makes, through the same clients",
        _IMPORTS,
        create + _REPLAY,
        event=f"calls:{path}",
        of=path,
    )


# The floor's `import pydantic` alone is lazy (no BaseModel); one model and one Logger are what the
# architecture's libraries cost with no code of ours.
STACK = ColdPath(
    "stack",
    "boto3, chalice, pydantic + one BaseModel + a Powertools Logger, no code of ours",
    "import boto3, chalice, pydantic\n"
    "from pydantic import BaseModel\n"
    "class _Probe(BaseModel):\n    x: int\n"
    "from aws_lambda_powertools import Logger\n"
    "Logger(service='bench')\n",
)
_IMPORTS = STACK.imports + "import boto3\n"
# each request the path made, as its code called it (service, operation, parameters), in order
_REPLAY = """\
from botocore import xform_name
from botocore.exceptions import ClientError
for _service, _operation, _params in _event:
    try:
        getattr(_made[_service], xform_name(_operation))(**_params)
    except ClientError:
        pass  # the path met the same answer (no rules object deployed yet, a condition that failed)
"""
#: the moment every triage run decides at: 03:00 on a Monday in the office's zone (New York), closed, so
#: the message takes the after-hours route (a page and an auto-reply) whatever time the bench runs. On
#: the wall clock, office hours took another route (a page, no reply): another path, and another cost.
TRIAGE_AT = "2026-12-07T08:00:00+00:00"
_AT_NIGHT = (
    "from datetime import datetime as _datetime\n"
    f"app.bootstrap.container().clock = lambda: _datetime.fromisoformat({TRIAGE_AT!r})\n"
)
INGEST = ColdPath(
    "ingest",
    "import app + a signed widget webhook through app.app(event, context), SQS SendMessage included",
    "import app\n",
    "_answer = app.app(_event, _Context())['statusCode']\n",
    event="widget",
    handler="app.app",
)
TRIAGE = ColdPath(
    "triage",
    "import app + one SQS batch through app.triage(event, context): rules, customer, ticket, page",
    "import app\n",
    _AT_NIGHT + "_answer = app.triage(_event, _Context())\n",
    event="batch",
    handler="app.triage",
)
# The standard constructs a past change replaced to save cold start, put back for one row each.
# Powertools' batch utility instead of triage_handler.partial_batch:
POWERTOOLS_BATCH = ColdPath(
    "triage, Powertools batch",
    "triage with Powertools' process_partial_response instead of partial_batch",
    "import app\n",
    _AT_NIGHT
    + "from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response\n"
    "from chalicelib.api import triage_handler\n"
    "triage_handler.handle_batch = lambda event, context: process_partial_response(\n"
    "    event, triage_handler.triage_record, BatchProcessor(EventType.SQS), context)\n"
    "_answer = app.triage(_event, _Context())\n",
    event="batch",
    of="triage",
    handler="app.triage",
)
# The packaged rules validated by their pydantic schema on load (as a deployed rules object is), on top
# of reading them into records: what the reader saves, or a little more.
PYDANTIC_RULES = ColdPath(
    "triage, rules by pydantic",
    "triage with the packaged rules also validated by the pydantic schema on load",
    "import app\n",
    _AT_NIGHT + "from chalicelib.routing import loader\n"
    "from chalicelib.adapters.rules_store import _check_schema\n"
    "_load = loader.load_rules\n"
    "def _validated(path):\n"
    "    _check_schema(json.loads(open(path, encoding='utf-8').read())['rules'], str(path))\n"
    "    return _load(path)\n"
    "loader.load_rules = _validated\n"
    "_answer = app.triage(_event, _Context())\n",
    event="batch",
    of="triage",
    handler="app.triage",
)
# Powertools Parameters' SSMProvider reading the secret, as SecretSource did before issue 16's ingest budget
POWERTOOLS_PARAMETERS = ColdPath(
    "ingest, Powertools Parameters",
    "ingest with the signing secret read by Powertools' SSMProvider instead of SecretSource's own GetParameter",
    "import app\n",
    "from chalicelib.adapters import secrets\n"
    "def _get(self):\n"
    "    from aws_lambda_powertools.utilities.parameters import SSMProvider\n"
    "    return self._value or SSMProvider(boto3_client=self._ssm_client).get(\n"
    "        self._parameter, decrypt=True, max_age=self._max_age)\n"
    "secrets.SecretSource.get = _get\n"
    "_answer = app.app(_event, _Context())['statusCode']\n",
    event="widget",
    of="ingest",
    handler="app.app",
)
INGEST_FLOOR, TRIAGE_FLOOR = floor("ingest"), floor("triage")
INGEST_CALLS, TRIAGE_CALLS = floor("ingest", requests=True), floor("triage", requests=True)
VARIANTS = (POWERTOOLS_PARAMETERS, POWERTOOLS_BATCH, PYDANTIC_RULES)
assert {v.name for v in VARIANTS} <= set(ALTERNATIVES)

# Timed inside the child with perf_counter rather than around the process: interpreter start-up (the same
# for every path, and not ours) and the parent's fork/exec would dilute the ratio. After the clock stops,
# the child lists the boto3 clients alive (to check them against the floor's) and, on the triage path,
# times defining its Record classes as typing.NamedTuples (what the Record type saves).
CHILD = """\
import json, os, sys, time
_event = json.loads(sys.stdin.read() or "null")
_answer = None

class _Context:
    function_name = "bench"
    function_version = "$LATEST"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:bench"
    memory_limit_in_mb = 256
    aws_request_id = "bench-invocation"
    log_group_name = "/aws/lambda/bench"
    log_stream_name = "bench"

    def get_remaining_time_in_millis(self):
        return 10000

_m0 = len(sys.modules)
_t0, _c0 = time.perf_counter(), time.process_time()
{imports}
_t1, _c1 = time.perf_counter(), time.process_time()
{first_call}
_t2, _c2 = time.perf_counter(), time.process_time()
_modules = len(sys.modules) - _m0
import gc, botocore.client
_clients = sorted({{o.meta.service_model.service_name for o in gc.get_objects() if isinstance(o, botocore.client.BaseClient)}})
_records, _namedtuples_ms = 0, 0.0
if "chalicelib.routing.record" in sys.modules:
    import typing
    from chalicelib.routing.record import Record
    _todo, _classes = [Record], []
    while _todo:
        _subclasses = _todo.pop().__subclasses__()
        _classes += _subclasses
        _todo += _subclasses
    _c3 = time.process_time()
    for _c in _classes:
        typing.NamedTuple(_c.__name__, [(_f, typing.Any) for _f in _c._fields])
    _records, _namedtuples_ms = len(_classes), (time.process_time() - _c3) * 1000
print("COLD-START " + json.dumps({{
    "import_ms": (_t1 - _t0) * 1000, "call_ms": (_t2 - _t1) * 1000,
    "import_cpu_ms": (_c1 - _c0) * 1000, "call_cpu_ms": (_c2 - _c1) * 1000, "modules": _modules, "clients": _clients,
    "answer": _answer, "records": _records, "namedtuples_ms": _namedtuples_ms,
}}))
"""


# Registered on the default session before the app creates its clients (from it), so every request is seen.
RECORDER = """\
import boto3
_seen = []
boto3.setup_default_session()
boto3.DEFAULT_SESSION.events.register(
    "provide-client-params",
    lambda params, model, **_: _seen.append((model.service_model.service_name, model.name, json.loads(json.dumps(params, default=repr)))),
)
"""
