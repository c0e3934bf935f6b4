"""`make run` follows routing.yaml: it compiles the rules on start when the YAML is newer than the JSON."""

from __future__ import annotations

import json
import os
import shutil

import pytest

from chalicelib.routing.loader import CONFIG_DIR, load_rules
from cli.compile import RulesFileError
from local.__main__ import compile_if_stale


@pytest.fixture
def rules_dir(tmp_path):
    yaml_file, json_file = tmp_path / "routing.yaml", tmp_path / "routing.json"
    shutil.copy(CONFIG_DIR / "routing.yaml", yaml_file)
    json_file.write_text('{"stale": true}\n', encoding="utf-8")
    return yaml_file, json_file


def test_a_newer_yaml_is_compiled_and_the_banner_says_so(rules_dir):
    yaml_file, json_file = rules_dir
    # GIVEN the YAML edited after the JSON was compiled (mtimes set, not waited for)
    os.utime(json_file, (1_000, 1_000))
    os.utime(yaml_file, (2_000, 2_000))
    # WHEN the platform starts
    said = compile_if_stale(yaml_file, json_file)
    # THEN the JSON is the YAML compiled, and the banner names its version and why
    compiled = json.loads(json_file.read_text(encoding="utf-8"))
    assert compiled["version"] == load_rules().version
    assert said == f"routing.json version {compiled['version']}, compiled on start: routing.yaml was newer"


def test_an_up_to_date_json_is_left_alone(rules_dir):
    yaml_file, json_file = rules_dir
    os.utime(yaml_file, (1_000, 1_000))
    os.utime(json_file, (2_000, 2_000))
    assert compile_if_stale(yaml_file, json_file) == "routing.json (up to date with routing.yaml)"
    assert json_file.read_text(encoding="utf-8") == '{"stale": true}\n'


def test_a_newer_yaml_that_does_not_compile_stops_the_start(rules_dir):
    yaml_file, json_file = rules_dir
    yaml_file.write_text(yaml_file.read_text(encoding="utf-8").replace("priority: P4", "priority: P9", 1))
    os.utime(json_file, (1_000, 1_000))
    os.utime(yaml_file, (2_000, 2_000))
    with pytest.raises(RulesFileError):
        compile_if_stale(yaml_file, json_file)
    assert json_file.read_text(encoding="utf-8") == '{"stale": true}\n'
