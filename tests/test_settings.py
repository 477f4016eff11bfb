"""The app's settings are read once, with their coercers and defaults."""
import configparser
import os

import pytest
import webtest

from conftest import PROJECT, make_app, make_settings
from partnership_cms.settings import AppSettings, read_settings
from partnership_cms.write_queue import shared_lock


def test_the_defaults_when_nothing_is_set():
    settings = read_settings({})
    assert settings == AppSettings()
    assert settings.write_queue is True and settings.demo is False and settings.secure_cookies is False
    assert settings.session_idle_seconds == 1800 and settings.token_hours == 12.0
    assert settings.schemas == os.path.join(PROJECT, "schemas")


def test_ini_text_becomes_typed_values():
    settings = read_settings({
        "partnership_cms.demo": "True", "partnership_cms.secure_cookies": "on",
        "partnership_cms.write_queue": "false", "partnership_cms.session_idle_seconds": " 600 ",
        "partnership_cms.token_hours": "0.5", "partnership_cms.dnr_series": "KF\n",
        "pyramid.reload_templates": "true",  # not ours: left to Pyramid
    })
    assert (settings.demo, settings.secure_cookies, settings.write_queue) == (True, True, False)
    assert (settings.session_idle_seconds, settings.token_hours, settings.dnr_series) == (600, 0.5, "KF")


def test_an_empty_value_takes_the_default():
    """production.ini leaves the session secret empty: the environment gives it."""
    settings = read_settings({"partnership_cms.session_secret": "", "partnership_cms.session_idle_seconds": ""})
    assert settings.session_secret is None and settings.session_idle_seconds == 1800


def test_a_mistyped_key_stops_the_start_up():
    with pytest.raises(ValueError, match="partnership_cms.secure_cookie\\b"):
        read_settings({"partnership_cms.secure_cookie": "true"})


def test_a_value_that_does_not_parse_names_its_key():
    with pytest.raises(ValueError, match="partnership_cms.session_idle_seconds = 'en timme'"):
        read_settings({"partnership_cms.session_idle_seconds": "en timme"})


SHIPPED_INI = ["development.ini", "production.ini", "production-zeo.ini", "production-relstorage.ini"]


@pytest.mark.parametrize("ini", SHIPPED_INI)
def test_every_setting_in_the_shipped_ini_files_is_known(ini):
    parser = configparser.ConfigParser(defaults={"here": PROJECT})
    parser.read(os.path.join(PROJECT, ini), encoding="utf-8")
    read_settings(dict(parser["app:main"]))


def test_the_app_carries_the_settings_and_api_tokens_use_them(tmp_path):
    hours = {"partnership_cms.token_hours": "2"}
    app = make_app(tmp_path, **hours)
    try:
        assert app.registry.app_settings == read_settings(make_settings(tmp_path, **hours))
        assert app.registry.settings["partnership_cms.token_hours"] == "2"  # the raw text stays for Pyramid
        api = webtest.TestApp(app)
        assert api.post_json("/@login", {"login": "officer", "password": "demo"}).json["token"]
    finally:
        app.registry._zodb_databases[""].close()


@pytest.mark.parametrize("ini,storage", [("production-zeo.ini", "ClientStorageConfig"),
                                         ("production-relstorage.ini", "RelStorageFactory")])
def test_the_shipped_engine_ini_files_name_their_storage(ini, storage):
    """The URI (and relstorage.conf) parse with every parameter known, without connecting;
    pserve's http_port=N gives each process its own port."""
    import plaster
    import zodburi
    from pyramid.paster import get_appsettings

    path = os.path.join(PROJECT, ini)
    factory, dbkw = zodburi.resolve_uri(get_appsettings(path)["zodbconn.uri"])
    assert (dbkw["cache_size"], dbkw["pool_size"]) == (20000, 7)
    # A zconfig:// file gives its section's opener (zeo-client.conf, relstorage.conf).
    owner = getattr(factory, "__self__", None)
    assert storage == (type(owner).__name__ if owner is not None else factory.__code__.co_names[0])
    if storage == "ClientStorageConfig":
        assert owner.config.server_sync is True  # each process sees what the others committed
    # The processes share a write lock: a file on ZEO's host, an advisory lock in PostgreSQL.
    lock = shared_lock(get_appsettings(path)["partnership_cms.write_lock"])
    assert type(lock).__name__ == {"ClientStorageConfig": "FileLock", "RelStorageFactory": "PostgresLock"}[storage]
    loader = plaster.get_loader(path, protocols=["wsgi"])
    assert loader.get_settings("server:main", {"http_port": "6544"})["listen"] == "127.0.0.1:6544"
