"""Paging: the pure pieces of a page's life — escalation, signed ack links, what SNS publishes, the ack page."""
