"""Pure functions from a rendered :class:`~crm_notifications.domain.message.Message` to
each channel's payload. No I/O; unit-tested one by one."""
