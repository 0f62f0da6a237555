"""Reads AWS CLI files the way botocore does and prints the result as JSON.

Usage: AWS_SHARED_CREDENTIALS_FILE=... AWS_CONFIG_FILE=... \
       python3 botocore_probe.py PROFILE...

Prints {"files": {"credentials": {...}, "config": {...}}, "resolved": {...}}:
each file is {"ok": true, "sections": raw sections, "profiles": profile map}
or {"ok": false, "error": "..."}; each resolved profile is
{"key_id", "secret", "token", "region"} or {"error": "..."}.
"""
import json
import os
import sys

import botocore.configloader
import botocore.session


def read(path):
    if not os.path.isfile(path):
        return {"ok": True, "sections": {}, "profiles": {}}
    try:
        raw = botocore.configloader.raw_config_parse(path)
    except Exception as e:  # noqa: BLE001 - report every parse failure
        err = getattr(e, "kwargs", {}).get("error", e)
        return {"ok": False, "error": f"{type(err).__name__}: {err}"}
    return {
        "ok": True,
        "sections": raw,
        "profiles": botocore.configloader.build_profile_map(raw)["profiles"],
    }


def resolve(profile):
    try:
        session = botocore.session.Session(profile=profile)
        creds = session.get_credentials()
        region = session.get_config_variable("region")
    except Exception as e:  # noqa: BLE001
        return {"error": f"{type(e).__name__}: {e}"}
    if creds is None:
        return {"error": "no credentials"}
    frozen = creds.get_frozen_credentials()
    return {
        "key_id": frozen.access_key,
        "secret": frozen.secret_key,
        "token": frozen.token or None,
        "region": region,
    }


def main():
    out = {
        "files": {
            "credentials": read(os.environ["AWS_SHARED_CREDENTIALS_FILE"]),
            "config": read(os.environ["AWS_CONFIG_FILE"]),
        },
        "resolved": {p: resolve(p) for p in sys.argv[1:]},
    }
    json.dump(out, sys.stdout, ensure_ascii=False)


main()
