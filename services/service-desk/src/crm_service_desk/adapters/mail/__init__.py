"""Adapters of the e-mail gateway: SMTP listener, IMAP poller, blob store, thread index, contacts client."""
