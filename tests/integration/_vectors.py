"""Loads tests/vectors/*.json for the self-tests (kept out of the harness package)."""
import json
import os

VECTORS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "vectors")


def load(name):
    with open(os.path.join(VECTORS_DIR, name), encoding="utf-8") as f:
        return json.load(f)


def envelope(name_prefix):
    for e in load("envelopes.json")["envelopes"]:
        if e["name"].startswith(name_prefix):
            return e
    raise KeyError(name_prefix)
