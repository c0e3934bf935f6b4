"""Switchboard's Chalice app: routes and event handlers, wiring only."""

from __future__ import annotations

from typing import Any

from chalice.app import Chalice, SQSEvent

from chalicelib.api.webhooks import webhooks

app = Chalice(app_name="switchboard")
app.register_blueprint(webhooks)


# The queue name here is a placeholder: infra/template.yaml points this event source at the
# stack's own queue and turns on ReportBatchItemFailures, which Chalice cannot express.
@app.on_sqs_message(queue="switchboard-events", batch_size=10)
def triage(event: SQSEvent) -> dict[str, Any]:
    # imported on first use: the API function, which shares this module, never pays for triage
    from chalicelib.api.triage_handler import handle_batch

    return handle_batch(event.to_dict(), event.context)
