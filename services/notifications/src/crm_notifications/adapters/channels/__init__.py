"""Channel senders, one module per channel. Each turns a rendered message into its
channel's request and reports a :class:`~.base.SendResult`; none of them blocks the
event loop (aiosmtplib, httpx.AsyncClient, DNS in the executor)."""
