"""Issue 16: a production process refuses to start with a development secret, naming it.

Every service's settings at their defaults plus a real JWT secret, in production
(``CRM_ENV=production``): each names its own development secrets (contacts' lookup-key
secret, the console's session secret, service-desk's CSAT and mail-log secrets, sales'
quote-link secret, marketing's unsubscribe secret, notifications' recipient-hash key;
before: only the JWT, session and CSAT secrets were refused). A unit test of the rule is
in ``shared/tests/test_settings.py``.
"""

from __future__ import annotations

import subprocess
import sys

import pytest
from crm_shared.settings import dev_defaults_in_use

REAL = "r" * 40
CASES = [  # module, class, the development secrets it must name
    ("crm_contacts.settings", "ContactsSettings", {"CRM_LOOKUP_KEY_SECRET"}),
    ("crm_service_desk.settings", "ServiceDeskSettings", {"CRM_CSAT_SECRET", "CRM_MAIL_LOG_SECRET"}),
    ("crm_console.settings", "ConsoleSettings", {"CRM_SESSION_SECRET"}),
    ("crm_sales.settings", "SalesSettings", {"CRM_QUOTE_LINK_SECRET"}),
    ("crm_notifications.settings", "NotificationsSettings", {"CRM_RECIPIENT_HASH_SECRET", "CRM_DELIVERY_ID_SECRET"}),
    ("crm_marketing.settings", "MarketingSettings", {"CRM_UNSUBSCRIBE_SECRET"}),
    ("crm_insights.settings", "InsightsSettings", set()),
    ("crm_directory.settings", "DirectorySettings", set()),
]


@pytest.mark.parametrize(("module", "cls", "dev"), CASES)
def test_each_service_names_its_development_secrets(module: str, cls: str, dev: set[str]) -> None:
    settings_cls = getattr(__import__(module, fromlist=[cls]), cls)
    assert set(dev_defaults_in_use(settings_cls.model_construct(env="production", jwt_secret=REAL))) == dev


def test_contacts_api_does_not_start_in_production_with_the_dev_lookup_key() -> None:
    env = {"CRM_ENV": "production", "CRM_JWT_SECRET": REAL, "PATH": ""}
    run = subprocess.run(
        [sys.executable, "-c", "from crm_contacts.entrypoints.api import main; main()"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 2, run.stderr[-2000:]
    assert "CRM_LOOKUP_KEY_SECRET" in run.stderr
