from __future__ import annotations

import pytest
from crm_shared.settings import DEV_JWT_SECRET, CrmSettings, load_settings


def test_production_refuses_the_dev_secret(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("CRM_ENV", "production")
    monkeypatch.setenv("CRM_JWT_SECRET", DEV_JWT_SECRET)
    with pytest.raises(SystemExit):
        load_settings(CrmSettings)
    assert "CRM_JWT_SECRET" in capsys.readouterr().err


def test_production_accepts_a_real_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRM_ENV", "production")
    monkeypatch.setenv("CRM_JWT_SECRET", "x" * 40)
    assert load_settings(CrmSettings).env == "production"


def test_bad_setting_is_named(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("CRM_HTTP_PORT", "not-a-port")
    with pytest.raises(SystemExit):
        load_settings(CrmSettings)
    assert "CRM_HTTP_PORT" in capsys.readouterr().err


def test_connection_settings_use_conventional_names(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "k:1")
    monkeypatch.setenv("MONGODB_URL", "mongodb://m:2")
    s = CrmSettings(service_name="service-desk")
    assert (s.kafka_bootstrap_servers, s.mongodb_url, s.database_name) == ("k:1", "mongodb://m:2", "crm_service_desk")


class _WithSecrets(CrmSettings):
    lookup_key_secret: str = "dev-lookup-keys-change-me"
    token_salt: str = "fixed-but-not-a-dev-default"


def test_production_refuses_every_secret_left_at_its_dev_default(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CRM_ENV", "production")
    monkeypatch.setenv("CRM_JWT_SECRET", "x" * 40)
    with pytest.raises(SystemExit):
        load_settings(_WithSecrets)
    err = capsys.readouterr().err
    assert "CRM_LOOKUP_KEY_SECRET" in err
    assert "CRM_JWT_SECRET" not in err
    assert "CRM_TOKEN_SALT" not in err
    monkeypatch.setenv("CRM_LOOKUP_KEY_SECRET", "a-real-secret-" + "z" * 30)
    assert load_settings(_WithSecrets).env == "production"
    monkeypatch.setenv("CRM_ENV", "development")
    monkeypatch.delenv("CRM_LOOKUP_KEY_SECRET")
    assert load_settings(_WithSecrets).lookup_key_secret.startswith("dev-")  # development keeps its defaults


def test_a_worker_instance_id_makes_a_static_group_member(monkeypatch: pytest.MonkeyPatch) -> None:
    from crm_devtools.services import process_specs
    from crm_shared.kafka.faust_app import make_faust_app

    assert make_faust_app(CrmSettings()).conf.consumer_group_instance_id is None
    monkeypatch.setenv("CRM_WORKER_INSTANCE_ID", "sales-worker")
    assert make_faust_app(load_settings(CrmSettings)).conf.consumer_group_instance_id == "sales-worker"
    (worker,) = process_specs(["sales"], env={}, roles=["worker"])  # what `crm dev` and the tests' runner start
    assert worker.env["CRM_WORKER_INSTANCE_ID"] == "sales-worker"
