#!/usr/bin/env python3
"""Push a declaration to the portal's REST API, wait for it, and print the verdict and findings.

Standard library only, so it runs anywhere Python 3.9+ does. Against `make run`:

    1. log in at http://127.0.0.1:8000 as admin@sakura.example (password Demo-Portal-2026!),
       open "API keys", create a key with the "Read and write" scope and copy it;
    2. python3 docs/api_example.py --key <the key> fixtures/chemicals/examples/capacitor.json

Any chemSHERPA-AI/CI file (.shai, .shci, .xml) or the .xlsx composition template works too. Running it
twice with the same file sends the same Idempotency-Key (derived from the file's bytes), so the portal
answers with the first declaration instead of storing a second one.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import mimetypes
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path


class Api:
    def __init__(self, base: str, key: str) -> None:
        self.base, self.key = base.rstrip("/"), key

    def request(self, method: str, url: str, body: bytes | None = None, headers: dict | None = None):
        url = url if url.startswith("http") else self.base + url
        request = urllib.request.Request(url, data=body, method=method)  # noqa: S310 - scheme checked in main
        request.add_header("Authorization", f"Api-Key {self.key}")
        request.add_header("Accept", "application/json")
        for name, value in (headers or {}).items():
            request.add_header(name, value)
        try:
            with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 - scheme checked in main
                return response.status, dict(response.headers), json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:  # problem+json: print what the portal says
            problem = json.loads(error.read() or b"{}")
            print(f"{method} {url} -> {error.code}: {problem.get('detail', problem)}", file=sys.stderr)
            for item in problem.get("errors", []):
                print(f"  {item.get('field')}: {item.get('detail')}", file=sys.stderr)
            if error.code == 429:
                print(f"  retry after {error.headers.get('Retry-After')} s", file=sys.stderr)
            raise SystemExit(1) from None


def upload(api: Api, path: Path) -> dict:
    data = path.read_bytes()
    idempotency_key = hashlib.sha256(data).hexdigest()
    if path.suffix.lower() == ".json":
        body, content_type = data, "application/json"
    else:  # multipart/form-data with one `file` field
        boundary = uuid.uuid4().hex
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        body = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{path.name}"\r\n'
            f"Content-Type: {mime}\r\n\r\n"
        ).encode() + data + f"\r\n--{boundary}--\r\n".encode()
        content_type = f"multipart/form-data; boundary={boundary}"
    status, headers, accepted = api.request(
        "POST",
        "/api/v1/declarations/",
        body,
        {"Content-Type": content_type, "Idempotency-Key": idempotency_key},
    )
    replayed = " (replayed: this file was sent before)" if headers.get("Idempotent-Replayed") else ""
    print(f"{status} Accepted: declaration {accepted['id']}{replayed}")
    return accepted


def wait(api: Api, status_url: str) -> dict:
    while True:
        _, _, declaration = api.request("GET", status_url)
        print(f"  {declaration['status']} {declaration.get('progress', '')}%")
        if declaration["status"] in ("evaluated", "rejected"):
            return declaration
        time.sleep(1)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("file", type=Path)
    parser.add_argument("--key", required=True, help="API key with the write scope")
    parser.add_argument("--base", default="http://127.0.0.1:8000")
    args = parser.parse_args()
    if not args.base.startswith(("http://", "https://")):
        parser.error("--base must be an http:// or https:// address")
    api = Api(args.base, args.key)

    accepted = upload(api, args.file)
    declaration = wait(api, accepted["status_url"])
    for problem in declaration.get("problems", []):
        print(f"  {problem.get('severity', '')} {problem.get('location', '')}: {problem.get('message', '')}")
    if declaration["status"] == "rejected":
        raise SystemExit("The file was rejected; nothing was stored. Fix the problems above and resend it.")
    for product in declaration.get("products", []):
        _, _, result = api.request("GET", f"/api/v1/products/{product['id']}/findings/")
        print(f"{product.get('part_number', product['id'])}: {result['verdict']}")
        for finding in result.get("findings", []):
            print("  " + json.dumps(finding, ensure_ascii=False))


if __name__ == "__main__":
    main()
