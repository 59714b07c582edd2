"""``python -m crm_devtools`` is the ``crm`` command."""

from crm_devtools.cli import app

app(prog_name="crm")
