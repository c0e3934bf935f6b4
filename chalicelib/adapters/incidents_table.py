"""Incidents in the tickets table (DynamoDB): the incident, its linked reports, burst counts and pointers.

One table, so an incident opens in one transaction with the pointers that keep it single. Items:
  INCIDENT#<id> / INCIDENT         the incident (its JSON in ``doc``, ``status`` for the save's condition)
  INCIDENT#<id> / REPORT#<ticket>  a linked report (a customer's ticket): one per ticket, whatever the retries
  INCIDENTS     / <opened_at>#<id> the history listing (doc copied): "the last 90 days" is one range query
  INCIDENTS#OPEN / <id>            the open ones (doc copied), removed when it closes: the status page's "now"
  INCIDENTS#ACTIVE / ACTIVE        the incident reports link to while it is open; a new one is opened only
                                   when none is (``closed`` true or no item): two triage Lambdas crossing the
                                   threshold together open one incident, the other links to it
  BURST#<bucket> / SENDER#<key>    a sender counted in a bucket (once: a conditional put), with its ticket (TTL)
  BURST#<bucket> / COUNT           the bucket's weighted count of distinct senders, raised atomically (TTL)
  BURST#<bucket> / INCIDENT        which incident the bucket's crossing opened (a conditional put: once)

The incident listings carry a copy of the document: the few incidents a quarter sees make the copies cheap,
and every read the status page makes is a single Query with no second lookup.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from chalicelib.adapters.dynamo import conditional_put, conditional_update, get_item, query_all, transact, utc
from chalicelib.errors import DependencyError

if TYPE_CHECKING:
    # imported by the reads that build them: triage holds this repository for the rare outage report,
    # and its cold start skips the incident models (services/incident_intake.py)
    from chalicelib.incidents.model import Incident, Report, Status

ACTIVE_KEY = {"pk": {"S": "INCIDENTS#ACTIVE"}, "sk": {"S": "ACTIVE"}}
HISTORY_PK = "INCIDENTS"
OPEN_PK = "INCIDENTS#OPEN"
#: burst counts outlive their window by a day, for the curious; TTL removes them after
BURST_TTL = timedelta(days=1)


def incident_key(incident_id: str) -> dict[str, Any]:
    return {"pk": {"S": f"INCIDENT#{incident_id}"}, "sk": {"S": "INCIDENT"}}


def _history_sk(incident: Incident) -> str:
    return f"{utc(incident.opened_at)}#{incident.incident_id}"


class DynamoIncidentRepository:
    def __init__(self, client: Any, table: str) -> None:
        self._client = client
        self._table = table

    # ---- counting ---------------------------------------------------------------------------

    def count(self, bucket: str, sender_key: str, weight: int, report: Report) -> int:
        """Count the sender in the bucket once; the bucket's count after, or 0 if the sender was counted already.

        The sender's put and the count's raise are two writes: a crash between them under-counts one
        sender once, which a burst survives; the other order could count a redelivered report twice.
        """
        expires = {"N": str(int((report.at + BURST_TTL).timestamp()))}
        sender = {
            "pk": {"S": f"BURST#{bucket}"},
            "sk": {"S": f"SENDER#{sender_key}"},
            "weight": {"N": str(weight)},
            "doc": {"S": report.model_dump_json()},
            "expires_at": expires,
        }
        if not self._put_new(sender, f"could not count a report in {bucket}"):
            return 0
        attributes = conditional_update(
            self._client,
            f"could not count a report in {bucket}",
            TableName=self._table,
            Key={"pk": {"S": f"BURST#{bucket}"}, "sk": {"S": "COUNT"}},
            UpdateExpression="ADD #n :w SET expires_at = :e",
            ExpressionAttributeNames={"#n": "senders"},
            ExpressionAttributeValues={":w": {"N": str(weight)}, ":e": expires},
            ReturnValues="UPDATED_NEW",
        )
        return int((attributes or {}).get("senders", {}).get("N", "0"))

    def counted(self, bucket: str) -> list[Report]:
        """The reports counted in a bucket, one per sender, in arrival order (the page's words; each is linked)."""
        from chalicelib.incidents.model import Report

        found = [Report.model_validate_json(i["doc"]["S"]) for i in self._query(f"BURST#{bucket}", "SENDER#")]
        return sorted(found, key=lambda r: (r.at, r.ticket_id))

    # ---- opening ----------------------------------------------------------------------------

    def open(self, incident: Incident, buckets: Sequence[str] = ()) -> Incident | None:
        """Open ``incident`` as the active one; if another is active, that one (nothing written).

        ``buckets``: the burst's buckets, each pointed at the incident once: a burst whose incident was
        dismissed or resolved opens no second one (None), however its other buckets count on.
        """
        items = [
            self._put(
                {**ACTIVE_KEY, "incident_id": {"S": incident.incident_id}, "closed": {"BOOL": False}},
                # a closed incident frees the pointer: the next burst opens a new one
                "attribute_not_exists(pk) OR closed = :t",
                {":t": {"BOOL": True}},
            ),
            self._put(self._item(incident), "attribute_not_exists(pk)"),
            *self._listings(incident),
        ]
        for bucket in buckets:
            pointer = {
                "pk": {"S": f"BURST#{bucket}"},
                "sk": {"S": "INCIDENT"},
                "incident_id": {"S": incident.incident_id},
            }
            items.append(self._put(pointer, "attribute_not_exists(pk)"))
        failed = transact(self._client, items, f"could not open incident {incident.incident_id}")
        if not failed:
            return incident
        active = self.active()
        burst_had_one = any(failed[len(items) - len(buckets) :])
        if active is None and not burst_had_one:
            raise DependencyError(f"incident {incident.incident_id} lost a race to one that is gone; retrying")
        return active

    def add(self, incident: Incident) -> None:
        """Store an incident that reports do not link to (scheduled maintenance): no pointer claimed."""
        items = [self._put(self._item(incident), "attribute_not_exists(pk)"), *self._listings(incident)]
        if transact(self._client, items, f"could not store incident {incident.incident_id}"):
            raise DependencyError(f"incident {incident.incident_id} exists already")

    # ---- reading ----------------------------------------------------------------------------

    def get(self, incident_id: str) -> Incident | None:
        from chalicelib.incidents.model import Incident

        item = get_item(self._client, self._table, incident_key(incident_id))
        return None if item is None else Incident.model_validate_json(item["doc"]["S"])

    def active(self) -> Incident | None:
        """The open incident reports link to, or None."""
        pointer = get_item(self._client, self._table, ACTIVE_KEY)
        if pointer is None or pointer.get("closed", {}).get("BOOL"):
            return None
        incident = self.get(pointer["incident_id"]["S"])
        return None if incident is None or incident.status.closed else incident

    def open_incidents(self) -> list[Incident]:
        """Every incident not closed, scheduled maintenance included, oldest first."""
        from chalicelib.incidents.model import Incident

        found = [Incident.model_validate_json(i["doc"]["S"]) for i in self._query(OPEN_PK)]
        return sorted(found, key=lambda i: i.opened_at)

    def since(self, start: datetime) -> list[Incident]:
        """Incidents opened at or after ``start``, oldest first (the status page's history)."""
        from chalicelib.incidents.model import Incident

        items = self._query(HISTORY_PK, condition=(">=", utc(start)))
        return [Incident.model_validate_json(i["doc"]["S"]) for i in items]

    def public(self, now: datetime, days: int = 90) -> list[Incident]:
        """What the status page shows (chalicelib.incidents.ports.IncidentReader): every open public incident
        and maintenance, and those opened in the last ``days``; never a suspected or dismissed one."""
        found = {i.incident_id: i for i in (*self.open_incidents(), *self.since(now - timedelta(days=days)))}
        return [i for i in found.values() if i.status.public]

    def reports(self, incident_id: str) -> list[Report]:
        """The reports linked to the incident, in arrival order: each customer an update goes to."""
        from chalicelib.incidents.model import Report

        found = [Report.model_validate_json(i["doc"]["S"]) for i in self._query(f"INCIDENT#{incident_id}", "REPORT#")]
        return sorted(found, key=lambda r: (r.at, r.ticket_id))

    # ---- writing ----------------------------------------------------------------------------

    def link(self, incident_id: str, report: Report) -> bool:
        """Link a report to the incident; False: it was linked already (a redelivery)."""
        item = {
            "pk": {"S": f"INCIDENT#{incident_id}"},
            "sk": {"S": f"REPORT#{report.ticket_id}"},
            "doc": {"S": report.model_dump_json()},
        }
        return self._put_new(item, f"could not link {report.ticket_id} to {incident_id}")

    def save(self, incident: Incident, read_status: Status, read_updates: int | None = None) -> bool:
        """Write a moved incident only if its status is still ``read_status`` (and, given ``read_updates``, it
        still has that many updates: nobody posted one since); False: someone moved it first."""
        condition, values = "#s = :read", {":read": {"S": read_status.value}}
        if read_updates is not None:
            condition += " AND (attribute_not_exists(updates_n) OR updates_n = :n)"
            values[":n"] = {"N": str(read_updates)}
        items = [self._put(self._item(incident), condition, values, {"#s": "status"})]
        items.append(self._put(self._history(incident)))
        open_key = {"pk": {"S": OPEN_PK}, "sk": {"S": incident.incident_id}}
        # only the move that closes it leaves the open listing and the pointer (marking a closed incident's
        # update told, as the sweep does, is no move: the sweep's policy has no DeleteItem, and needs none)
        closing = incident.status.closed and read_status is not incident.status
        if closing:
            items.append({"Delete": {"TableName": self._table, "Key": open_key}})
        elif not incident.status.closed:
            items.append(self._put({**open_key, "doc": {"S": incident.model_dump_json()}}))
        if transact(self._client, items, f"could not save incident {incident.incident_id}"):
            return False
        if closing:
            # frees the pointer if this was the active incident; any other holds it still
            conditional_update(
                self._client,
                f"could not release incident {incident.incident_id}",
                TableName=self._table,
                Key=ACTIVE_KEY,
                UpdateExpression="SET closed = :t",
                ConditionExpression="incident_id = :id",
                ExpressionAttributeValues={":t": {"BOOL": True}, ":id": {"S": incident.incident_id}},
            )
        return True

    # ---- items ------------------------------------------------------------------------------

    def _item(self, incident: Incident) -> dict[str, Any]:
        return {
            **incident_key(incident.incident_id),
            "incident_id": {"S": incident.incident_id},
            "status": {"S": incident.status.value},
            "opened_at": {"S": utc(incident.opened_at)},
            "updates_n": {"N": str(len(incident.updates))},
            "doc": {"S": incident.model_dump_json()},
        }

    def _history(self, incident: Incident) -> dict[str, Any]:
        return {"pk": {"S": HISTORY_PK}, "sk": {"S": _history_sk(incident)}, "doc": {"S": incident.model_dump_json()}}

    def _listings(self, incident: Incident) -> list[dict[str, Any]]:
        listings = [self._put(self._history(incident))]
        if not incident.status.closed:
            doc = {"S": incident.model_dump_json()}
            listings.append(self._put({"pk": {"S": OPEN_PK}, "sk": {"S": incident.incident_id}, "doc": doc}))
        return listings

    def _put(
        self,
        item: dict[str, Any],
        condition: str | None = None,
        values: dict[str, Any] | None = None,
        names: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        put: dict[str, Any] = {"TableName": self._table, "Item": item}
        if condition:
            put["ConditionExpression"] = condition
        if values:
            put["ExpressionAttributeValues"] = values
        if names:
            put["ExpressionAttributeNames"] = names
        return {"Put": put}

    def _put_new(self, item: dict[str, Any], failure: str) -> bool:
        return conditional_put(
            self._client, failure, TableName=self._table, Item=item, ConditionExpression="attribute_not_exists(pk)"
        )

    def _query(
        self, pk: str, prefix: str | None = None, condition: tuple[str, str] | None = None
    ) -> list[dict[str, Any]]:
        expression, values = "pk = :pk", {":pk": {"S": pk}}
        if prefix is not None:
            expression += " AND begins_with(sk, :p)"
            values[":p"] = {"S": prefix}
        elif condition is not None:
            expression += f" AND sk {condition[0]} :c"
            values[":c"] = {"S": condition[1]}
        return query_all(
            self._client,
            f"could not read {pk} from {self._table}",
            TableName=self._table,
            KeyConditionExpression=expression,
            ExpressionAttributeValues=values,
            ConsistentRead=True,
        )
