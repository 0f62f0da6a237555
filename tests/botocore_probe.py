"""Reads AWS CLI files the way botocore does and prints the result as JSON.

Usage: AWS_SHARED_CREDENTIALS_FILE=... AWS_CONFIG_FILE=... \
       python3 botocore_probe.py PROFILE...

Prints {"files": {"credentials": {...}, "config": {...}}, "resolved": {...}}:
each file is {"ok": true, "sections": raw sections, "profiles": profile map}
or {"ok": false, "error": "..."}; each resolved profile is
{"key_id", "secret", "token", "region"} or {"error": "..."} (an empty token
is shown as null: botocore does not send it).

       python3 botocore_probe.py --serve

Answers one JSON request per stdin line with one JSON line on stdout, so a
test can ask thousands of questions of one Python process:

- {"op": "read", "credentials": PATH, "config": PATH, "profiles": [...]}
  → as above, plus per file "raw" (sections with values unparsed, as
  configparser joins them) and "profile_of" (section name → the profile
  botocore reads it as, or null), and per resolved profile "token_raw" (the
  token exactly as botocore reads it, "" included) and "region" even when
  resolving the credentials fails.
- {"op": "aws_set", "credentials": PATH, "config": PATH, "args": [...]}
  → {"rc": N}: `aws ARGS` run in this process by the AWS CLI's own driver
  (e.g. ["configure", "set", "region", "x", "--profile", "ci"]); it edits
  the files at those paths.
- {"op": "lower", "chars": [CODE POINT...]} → {"lower": [...]}: Python's
  str.lower() of each character alone, and {"sigma": [...]}: for each x, the
  three final-sigma probes ("A"+x+"Σ", x+"Σ", "AΣ"+x) as a 3-letter string of
  0/1 (1 = a final sigma "ς" was produced).
"""
import contextlib
import io
import json
import os
import sys

import botocore.configloader
import botocore.session


def read(path, raw=False):
    if not os.path.isfile(path):
        out = {"ok": True, "sections": {}, "profiles": {}}
        if raw:
            out["raw"] = {}
        return out
    try:
        parsed = botocore.configloader.raw_config_parse(path)
        unparsed = botocore.configloader.raw_config_parse(path, False) if raw else None
    except Exception as e:  # noqa: BLE001 - report every parse failure
        err = getattr(e, "kwargs", {}).get("error", e)
        return {"ok": False, "error": f"{type(err).__name__}: {err}"}
    out = {
        "ok": True,
        "sections": parsed,
        "profiles": botocore.configloader.build_profile_map(parsed)["profiles"],
    }
    if raw:
        out["raw"] = unparsed
        # The profile each section is read as (build_profile_map, one at a time).
        out["profile_of"] = {
            name: next(iter(botocore.configloader.build_profile_map({name: {}})["profiles"]), None)
            for name in unparsed
        }
    return out


_SHARED = {}


def shared_session(profile):
    """One Session reused with its caches cleared: what Session(profile=...)
    does, 20 times faster. `resolve(..., fresh=True)` cross-checks it."""
    s = _SHARED.get("session")
    if s is None:
        s = _SHARED["session"] = botocore.session.Session()
    s._credentials = None
    s._config = None
    s._profile_map = None
    s._profile = None
    s.set_config_variable("profile", profile)
    # The credential resolver is built once per Session for its profile.
    s._register_credential_provider()
    return s


def resolve(profile, raw=False, fresh=True):
    region = None
    try:
        if fresh:
            session = botocore.session.Session(profile=profile)
        else:
            session = shared_session(profile)
        region = session.get_config_variable("region")
        creds = session.get_credentials()
    except Exception as e:  # noqa: BLE001
        out = {"error": f"{type(e).__name__}: {e}"}
        if raw:
            out["region"] = region
        return out
    if creds is None:
        return {"error": "no credentials", "region": region} if raw else {"error": "no credentials"}
    frozen = creds.get_frozen_credentials()
    out = {
        "key_id": frozen.access_key,
        "secret": frozen.secret_key,
        "token": frozen.token or None,
        "region": region,
    }
    if raw:
        out["token_raw"] = frozen.token
    return out


def aws_set(args):
    from awscli.clidriver import create_clidriver

    sink = io.StringIO()
    with contextlib.redirect_stderr(sink), contextlib.redirect_stdout(sink):
        try:
            rc = create_clidriver().main(args)
        except SystemExit as e:
            rc = e.code if isinstance(e.code, int) else 255
        except Exception:  # noqa: BLE001 - a traceback is the CLI refusing
            rc = 1
    return {"rc": rc}


def sigma_probe(x):
    return "".join(
        "1" if "ς" in s.lower() else "0"
        for s in ("A" + x + "\u03a3", x + "\u03a3", "A\u03a3" + x)
    )


def resolve_checked(profile):
    """The fast resolve; every 16th call also checked against a fresh Session."""
    out = resolve(profile, raw=True, fresh=False)
    _SHARED["calls"] = _SHARED.get("calls", 0) + 1
    if _SHARED["calls"] % 16 == 0:
        slow = resolve(profile, raw=True, fresh=True)
        if slow != out:
            out["probe_mismatch"] = slow
    return out


def answer(req):
    op = req.get("op")
    if op == "lower":
        chars = [chr(c) for c in req["chars"]]
        return {
            "lower": [c.lower() for c in chars],
            "sigma": [sigma_probe(c) for c in chars],
        }
    os.environ["AWS_SHARED_CREDENTIALS_FILE"] = req["credentials"]
    os.environ["AWS_CONFIG_FILE"] = req["config"]
    if op == "read":
        return {
            "files": {
                "credentials": read(req["credentials"], raw=True),
                "config": read(req["config"], raw=True),
            },
            "resolved": {p: resolve_checked(p) for p in req.get("profiles", [])},
        }
    if op == "aws_set":
        return aws_set(req["args"])
    return {"error": f"unknown op {op!r}"}


def serve():
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            out = answer(json.loads(line))
        except Exception as e:  # noqa: BLE001 - keep serving
            out = {"error": f"probe: {type(e).__name__}: {e}"}
        sys.stdout.write(json.dumps(out, ensure_ascii=False) + "\n")
        sys.stdout.flush()


def main():
    if sys.argv[1:] == ["--serve"]:
        serve()
        return
    out = {
        "files": {
            "credentials": read(os.environ["AWS_SHARED_CREDENTIALS_FILE"]),
            "config": read(os.environ["AWS_CONFIG_FILE"]),
        },
        "resolved": {p: resolve(p) for p in sys.argv[1:]},
    }
    json.dump(out, sys.stdout, ensure_ascii=False)


main()
