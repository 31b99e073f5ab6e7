"""Times the reference library's models on the same v1 provider databag as
tests/src/bin/bench_databag.rs: decode (json.loads of every value, as OpsRepository reads, then
DataContractV1[ValkeyResponseModel] validation) and encode (model_dump + json.dumps, as
write_model does). Secrets are not resolved here (that needs a Juju model). Prints one JSON
line of nanoseconds per request."""

import json
import sys
import time
import warnings

warnings.simplefilter("ignore")

from dpcharmlibs.interfaces.models import DataContractV1, ValkeyResponseModel  # noqa: E402

MODEL = DataContractV1[ValkeyResponseModel]


def databag(n):
    responses = [
        {
            "resource": "application:*",
            "request-id": f"{i:016x}",
            "salt": "xqbPuYzzl2iiKeyN",
            "endpoints": "10.0.0.1:6379",
            "read-only-endpoints": "10.0.0.2:6379,10.0.0.3:6379",
            "secret-user": f"secret:d2fjn1fmp2{i:09}a",
            "secret-tls": f"secret:d2fjn1fmp2{i:09}b",
            "version": "9.0.1",
            "mode": "sentinel",
            "sentinel-endpoints": "10.0.0.1:26379,10.0.0.2:26379,10.0.0.3:26379",
        }
        for i in range(n)
    ]
    return {"version": "v1", "requests": json.dumps(responses)}


def best(n, iterations, f):
    rounds = []
    for _ in range(11):
        start = time.perf_counter_ns()
        for _ in range(iterations):
            f()
        rounds.append((time.perf_counter_ns() - start) / (iterations * n))
    return min(rounds)


def decode(bag):
    data = {}
    for key, value in bag.items():
        try:
            data[key] = json.loads(value)
        except ValueError:
            data[key] = value
    return MODEL.model_validate(data)


def encode(model):
    dumped = model.model_dump(mode="json", by_alias=True)
    return {k: v if isinstance(v, str) else json.dumps(v) for k, v in dumped.items() if v is not None}


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    iterations = max(20_000 // n, 3)
    bag = databag(n)
    model = decode(bag)
    assert len(model.requests) == n
    print(
        json.dumps(
            {
                "n": n,
                "decode_ns": round(best(n, iterations, lambda: decode(bag)), 1),
                "encode_ns": round(best(n, iterations, lambda: encode(model)), 1),
            }
        )
    )


if __name__ == "__main__":
    main()
