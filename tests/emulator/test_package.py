"""The emulator as its own package: ``python -m hubspot_emulator`` and the pytest plugin
serve any HubSpot client, with nothing from hs_japan loaded."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import textwrap
import urllib.request

import pytest

pytest_plugins = ["pytester"]


def test_the_server_module_loads_nothing_from_hs_japan() -> None:
    code = (
        "import sys, hubspot_emulator.server, hubspot_emulator.__main__;"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'hs_japan'))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_python_m_hubspot_emulator_serves_the_sdk_and_stops_on_sigterm() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "hubspot_emulator", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        assert "listening on http://127.0.0.1:" in first, first
        url = first.rsplit(" ", 1)[1].strip()
        request = urllib.request.Request(
            f"{url}/_emulator/portals",
            data=json.dumps({"accountType": "SANDBOX"}).encode(),
            method="POST",
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as answer:
            created = json.loads(answer.read())
        import hubspot

        client = hubspot.Client.create(access_token=created["token"], host=url, base_url=url)
        pipelines = client.crm.pipelines.pipelines_api.get_all(object_type="deals")
        assert [p.id for p in pipelines.results] == ["default"]
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_bad_flags_are_one_line_and_exit_2() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "hubspot_emulator", "--port", "70000"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert out.returncode == 2
    assert out.stderr.startswith("hubspot_emulator: ") and out.stderr.count("\n") == 1
    assert "Traceback" not in out.stderr


def test_pytest_plugin_gives_any_project_a_portal(pytester: pytest.Pytester) -> None:
    """A project that never imports hubspot_emulator gets its fixtures from the entry point."""
    pytester.makepyfile(
        textwrap.dedent(
            """
            import hubspot

            def test_create_a_property(hubspot_portal):
                client = hubspot.Client.create(
                    access_token=hubspot_portal.token,
                    host=hubspot_portal.url,
                    base_url=hubspot_portal.url,
                )
                client.crm.properties.core_api.create(
                    object_type="deals",
                    property_create={
                        "name": "plugin_check",
                        "label": "Plugin check",
                        "type": "string",
                        "fieldType": "text",
                        "groupName": "dealinformation",
                    },
                )
                got = client.crm.properties.core_api.get_by_name("deals", "plugin_check")
                assert got.label == "Plugin check"
                assert any(r["method"] == "POST" for r in hubspot_portal.requests())

            def test_each_test_has_a_fresh_portal(hubspot_portal):
                client = hubspot.Client.create(
                    access_token=hubspot_portal.token,
                    host=hubspot_portal.url,
                    base_url=hubspot_portal.url,
                )
                names = {p.name for p in client.crm.properties.core_api.get_all("deals").results}
                assert "plugin_check" not in names and "dealname" in names
            """
        )
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-q")
    result.assert_outcomes(passed=2)
