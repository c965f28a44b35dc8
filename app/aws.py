"""The default application's AWS calls, standard library only: Amazon Linux 2023's repository
has no python3-boto3 (its AWS CLI vendors its own botocore), so the application signs its few
JSON-protocol requests itself. components/traffic/bootstrap.py ships this file byte for byte.

- Credentials: the instance role's, from IMDSv2 (a session token first, hop limit 1 as the
  launch template sets), refreshed five minutes before they expire:
  https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/instance-metadata-security-credentials.html
- Signing: Signature Version 4 over the method, path, headers and body hash:
  https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html
  tests/app/test_aws.py checks every signature against botocore's signer.
- Protocol: POST / with X-Amz-Target and a JSON body (DynamoDB: awsJson1.0,
  https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Programming.LowLevelAPI.html;
  Secrets Manager: awsJson1.1). An error answer's "__type" names the error code.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json
import threading
import time
import urllib.error
import urllib.request

IMDS = "http://169.254.169.254/latest"
TIMEOUT_SECONDS = 2.0
REFRESH_BEFORE_SECONDS = 300
SERVICES = {
    # service -> (target prefix, content type)
    "dynamodb": ("DynamoDB_20120810", "application/x-amz-json-1.0"),
    "secretsmanager": ("secretsmanager", "application/x-amz-json-1.1"),
}


class AwsError(Exception):
    """An AWS error answer; .response mirrors botocore's ClientError for callers."""

    def __init__(self, code: str, message: str, status: int):
        super().__init__(f"{code}: {message} (HTTP {status})")
        self.response = {
            "Error": {"Code": code, "Message": message},
            "ResponseMetadata": {"HTTPStatusCode": status},
        }


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def sign(method: str, host: str, region: str, service: str, headers: dict, body: bytes, credentials: dict,
         now: datetime.datetime) -> dict:  # fmt: skip
    """headers + X-Amz-Date (+ X-Amz-Security-Token) + Authorization: SigV4 of the request
    to https://host/ (path "/", no query), signing every header given and host."""
    amz_date, day = now.strftime("%Y%m%dT%H%M%SZ"), now.strftime("%Y%m%d")
    signed = {**headers, "X-Amz-Date": amz_date}
    if credentials.get("Token"):
        signed["X-Amz-Security-Token"] = credentials["Token"]
    canonical = {
        name.lower(): " ".join(str(value).split()) for name, value in {**signed, "Host": host}.items()
    }
    names = sorted(canonical)
    request = "\n".join(
        [method, "/", "", *(f"{name}:{canonical[name]}" for name in names), "", ";".join(names),
         hashlib.sha256(body).hexdigest()]
    )  # fmt: skip
    scope = f"{day}/{region}/{service}/aws4_request"
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(request.encode()).hexdigest()])
    key = ("AWS4" + credentials["SecretAccessKey"]).encode()
    for part in (day, region, service, "aws4_request"):
        key = _hmac(key, part)
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    signed["Authorization"] = (
        f"AWS4-HMAC-SHA256 Credential={credentials['AccessKeyId']}/{scope}, "
        f"SignedHeaders={';'.join(names)}, Signature={signature}"
    )
    return signed


def _http(request: urllib.request.Request) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as answer:  # noqa: S310 (fixed URLs)
            return answer.status, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


class InstanceCredentials:
    """The instance role's credentials from IMDSv2, cached until five minutes before expiry."""

    def __init__(self, http=_http, clock=time.time):
        self._http, self._clock, self._lock, self._current, self._until = (
            http,
            clock,
            threading.Lock(),
            None,
            0.0,
        )

    def _get(self, path: str, token: str) -> bytes:
        status, body = self._http(
            urllib.request.Request(f"{IMDS}{path}", headers={"X-aws-ec2-metadata-token": token})  # noqa: S310
        )
        if status != 200:
            raise OSError(f"IMDS {path}: HTTP {status}")
        return body

    def __call__(self) -> dict:
        with self._lock:
            if self._current is None or self._clock() >= self._until:
                ttl = {"X-aws-ec2-metadata-token-ttl-seconds": "300"}
                status, token = self._http(
                    urllib.request.Request(f"{IMDS}/api/token", method="PUT", headers=ttl)  # noqa: S310
                )
                if status != 200:
                    raise OSError(f"IMDS token: HTTP {status}")
                base = "/meta-data/iam/security-credentials/"
                role = self._get(base, token.decode()).decode().split()[0]
                current = json.loads(self._get(base + role, token.decode()))
                expires = datetime.datetime.strptime(current["Expiration"], "%Y-%m-%dT%H:%M:%SZ")
                expires = expires.replace(tzinfo=datetime.UTC).timestamp()
                self._current, self._until = current, expires - REFRESH_BEFORE_SECONDS
            return self._current


class JsonClient:
    """A JSON-protocol AWS service in one region: client.call("GetItem", {...}) -> dict."""

    def __init__(self, service: str, region: str, credentials, http=_http):
        self.service, self.region, self.credentials, self._http = service, region, credentials, http
        self.host = f"{service}.{region}.amazonaws.com"

    def call(self, operation: str, params: dict) -> dict:
        prefix, content_type = SERVICES[self.service]
        body = json.dumps(params).encode()
        headers = {"Content-Type": content_type, "X-Amz-Target": f"{prefix}.{operation}"}
        now = datetime.datetime.now(datetime.UTC)
        signed = sign("POST", self.host, self.region, self.service, headers, body, self.credentials(), now)
        request = urllib.request.Request(f"https://{self.host}/", data=body, headers=signed, method="POST")  # noqa: S310
        status, answer = self._http(request)
        data = json.loads(answer or b"{}")
        if status != 200:
            code = str(data.get("__type", f"HTTP{status}")).rsplit("#", 1)[-1]
            raise AwsError(code, str(data.get("message", data.get("Message", ""))), status)
        return data


class DynamoDb(JsonClient):
    """The two item calls the application makes, with boto3's client signatures."""

    def __init__(self, region: str, credentials, http=_http):
        super().__init__("dynamodb", region, credentials, http)

    def get_item(self, **params) -> dict:
        return self.call("GetItem", params)

    def put_item(self, **params) -> dict:
        return self.call("PutItem", params)


def secret_value(region: str, secret_id: str, credentials, http=_http) -> dict:
    """The secret's JSON (the RDS secret shape: username, password, dbname, ...)."""
    answer = JsonClient("secretsmanager", region, credentials, http).call(
        "GetSecretValue", {"SecretId": secret_id}
    )
    return json.loads(answer["SecretString"])
