"""The real peers of `ecr_login`'s tests (tests/ecr.rs, tests/ecr_sigv4.rs).

    ecr_peers.py moto      start moto's server on 127.0.0.1 (a free port),
                           create IAM users, keys, policies and a role,
                           assume the role through moto's STS, then turn
                           moto's request authentication on; print one JSON
                           line with the endpoint and the credentials, and
                           serve until stdin closes.
    ecr_peers.py oci DIR   write a one-layer OCI image layout (tag "1") to DIR.
    ecr_peers.py sign      read signing cases (JSON) on stdin and sign each with
                           botocore's SigV4Auth, its clock fixed to the case's
                           time; print the canonical requests, strings to sign
                           and Authorization headers as JSON.
    ecr_peers.py ecr       read ECR cases (JSON) on stdin: for each, the URL and
                           Authorization of botocore's own GetAuthorizationToken
                           request under the case's environment and clock (the
                           request is captured before it is sent).
"""

import datetime
import gzip
import hashlib
import io
import json
import os
import sys
import tarfile


def moto():
    import boto3
    import requests
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    setup = dict(
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="setup",
        aws_secret_access_key="setup",
    )
    iam = boto3.client("iam", **setup)
    account = "123456789012"
    allow = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": ["ecr:GetAuthorizationToken", "sts:AssumeRole"],
                    "Resource": "*",
                }
            ],
        }
    )
    iam.create_user(UserName="ci")
    iam.put_user_policy(UserName="ci", PolicyName="ecr", PolicyDocument=allow)
    ci = iam.create_access_key(UserName="ci")["AccessKey"]
    # A user whose key is real but who may do nothing.
    iam.create_user(UserName="nobody")
    nobody = iam.create_access_key(UserName="nobody")["AccessKey"]
    trust = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:aws:iam::{account}:user/ci"},
                    "Action": "sts:AssumeRole",
                }
            ],
        }
    )
    iam.create_role(RoleName="pull", AssumeRolePolicyDocument=trust)
    iam.put_role_policy(RoleName="pull", PolicyName="ecr", PolicyDocument=allow)
    sts = boto3.client(
        "sts",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id=ci["AccessKeyId"],
        aws_secret_access_key=ci["SecretAccessKey"],
    )
    role = sts.assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/pull", RoleSessionName="ecr-login"
    )["Credentials"]
    # From here on every request must be signed by a known key.
    requests.post(f"{endpoint}/moto-api/reset-auth", data=b"0").raise_for_status()
    print(
        json.dumps(
            {
                "endpoint": endpoint,
                "account": account,
                "user": [ci["AccessKeyId"], ci["SecretAccessKey"]],
                "nobody": [nobody["AccessKeyId"], nobody["SecretAccessKey"]],
                "role": [
                    role["AccessKeyId"],
                    role["SecretAccessKey"],
                    role["SessionToken"],
                ],
            }
        ),
        flush=True,
    )
    sys.stdin.read()
    server.stop()


def oci(path):
    blobs = os.path.join(path, "blobs", "sha256")
    os.makedirs(blobs, exist_ok=True)

    def blob(data):
        digest = hashlib.sha256(data).hexdigest()
        with open(os.path.join(blobs, digest), "wb") as f:
            f.write(data)
        return {"digest": "sha256:" + digest, "size": len(data)}

    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as t:
        payload = b"pulled with shipctl ecr_login\n"
        info = tarfile.TarInfo("hello.txt")
        info.size = len(payload)
        t.addfile(info, io.BytesIO(payload))
    tar = raw.getvalue()
    layer = blob(gzip.compress(tar, mtime=0))
    config = blob(
        json.dumps(
            {
                "architecture": "amd64",
                "os": "linux",
                "config": {},
                "rootfs": {
                    "type": "layers",
                    "diff_ids": ["sha256:" + hashlib.sha256(tar).hexdigest()],
                },
            }
        ).encode()
    )
    manifest = blob(
        json.dumps(
            {
                "schemaVersion": 2,
                "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "config": dict(
                    mediaType="application/vnd.oci.image.config.v1+json", **config
                ),
                "layers": [
                    dict(
                        mediaType="application/vnd.oci.image.layer.v1.tar+gzip",
                        **layer,
                    )
                ],
            }
        ).encode()
    )
    with open(os.path.join(path, "index.json"), "w") as f:
        json.dump(
            {
                "schemaVersion": 2,
                "manifests": [
                    dict(
                        mediaType="application/vnd.oci.image.manifest.v1+json",
                        annotations={"org.opencontainers.image.ref.name": "1"},
                        **manifest,
                    )
                ],
            },
            f,
        )
    with open(os.path.join(path, "oci-layout"), "w") as f:
        json.dump({"imageLayoutVersion": "1.0.0"}, f)
    print(manifest["digest"])


def frozen(seconds):
    """Fix botocore's clock (what its own SigV4 tests do with FreezeTime)."""
    import botocore.auth

    when = datetime.datetime.fromtimestamp(seconds, datetime.timezone.utc)
    botocore.auth.get_current_datetime = lambda *a, **k: when.replace(tzinfo=None)


def sign():
    import botocore.auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    class Recording(botocore.auth.SigV4Auth):
        def string_to_sign(self, request, canonical_request):
            self.creq = canonical_request
            self.sts = super().string_to_sign(request, canonical_request)
            return self.sts

    results = []
    for case in json.load(sys.stdin):
        frozen(case["time"])
        request = AWSRequest(
            method=case["method"],
            url="https://" + case["host"] + case["path"],
            data=bytes.fromhex(case["body"]),
        )
        for name, value in case["headers"]:
            request.headers[name] = value
        if case["query"]:
            request.params = [tuple(p) for p in case["query"]]
        creds = Credentials(case["key_id"], case["secret"], case["token"])
        auth = Recording(creds, case["service"], case["region"])
        auth.add_auth(request)
        results.append(
            {
                "creq": auth.creq,
                "sts": auth.sts,
                "authz": request.headers["Authorization"],
                "date": request.headers["X-Amz-Date"],
            }
        )
    json.dump(results, sys.stdout)


def ecr():
    import botocore.session

    class Captured(Exception):
        pass

    results = []
    for case in json.load(sys.stdin):
        frozen(case["time"])
        saved = dict(os.environ)
        os.environ.clear()
        os.environ.update(case["env"])
        try:
            # A new session per case: it reads the environment as it is now.
            session = botocore.session.get_session()
            client = session.create_client(
                "ecr",
                region_name=case["region"],
                aws_access_key_id=case["key_id"],
                aws_secret_access_key=case["secret"],
                aws_session_token=case["token"],
            )
            seen = {}

            def capture(request, **kwargs):
                seen["url"] = request.url
                seen["headers"] = {
                    k: (v.decode() if isinstance(v, bytes) else v)
                    for k, v in request.headers.items()
                }
                seen["body"] = request.body.decode()
                raise Captured()

            client.meta.events.register("before-send", capture)
            try:
                client.get_authorization_token()
            except Captured:
                pass
            results.append(seen)
        except Exception as e:  # an endpoint botocore refuses
            results.append({"error": type(e).__name__})
        finally:
            os.environ.clear()
            os.environ.update(saved)
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    if sys.argv[1] == "oci":
        oci(sys.argv[2])
    else:
        {"moto": moto, "sign": sign, "ecr": ecr}[sys.argv[1]]()
