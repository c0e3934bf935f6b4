"""Replies: what Switchboard says back to the customer, on the channel they wrote from."""
