"""The reference requirer (dpcharmlibs-interfaces' ResourceRequirerEventHandler) in ops' testing
harness, driven by JSON on stdin, answering JSON on stdout.

Input:  {"hook": "created"}
        -> {"app": <requirer app databag the library wrote>}
           (plus "secrets": [{"id", "label", "content"}] when it created secrets)
Input:  {"hook": "changed", "requirer_app": {...}, "provider_app": {...},
         "secrets": {"<uri>": {<content>}}}
        -> {"events": [{"event": name, "request_id": ..., "username": ..., "password": ...,
                        "endpoints": ..., "tls": ..., "tls_ca": ...}], "error": null}
The requests are the seed's: one request for prefix `application:*`, fixed salt.

Optional input keys (absent: the behaviour above, unchanged):
  "interface": "valkey_client" (default) | "kafka_client" | "postgresql_client"
                                                which interface (INTERFACES: endpoint, models);
  "requests": [{"resource": ..., "salt": ..., <other request model fields>}]
                                                the requests instead of the seed's one (keys are
                                                the request model's Python field names);
  "relation_id": N                              the relation's id (labels carry it);
  "requirer_unit": {...}                        our unit databag (the diff memory, `data`);
  "verbose": true                               events also carry `resource`,
                                                `read_only_endpoints`, `version`, `mode`.
The "changed" answer also carries "unit": our unit databag after the hook, for the next run.

Input:  {"hook": "secret_changed", "secret": "<uri>", "label": "<consumer label>", ... the keys
         of "changed"}
        -> the answer of "changed": secret-changed on the consumed secret `secret` (its content
           in "secrets" is the new revision), known to this unit under `label`.

For interfaces other than valkey_client every event carries every field of the response model
(`resource`, `read_only_endpoints`, `version`, `uris`, `read_only_uris`, and Kafka's
`consumer_group_prefix`, `zookeeper_uris`), secret values in plain text.
"""

import json
import sys

from dpcharmlibs.interfaces import (
    KafkaRequestModel,
    KafkaResponseModel,
    RequirerCommonModel,
    ResourceProviderModel,
    ResourceRequirerEventHandler,
    ValkeyResponseModel,
)
from ops import CharmBase
from ops import testing

# interface -> (endpoint, request model, response model, provider application). The endpoints
# are the ones the Rust side uses (spec/*.yaml, tests/tests/interop_*.rs), so labels match.
INTERFACES = {
    "valkey_client": ("valkey-client", RequirerCommonModel, ValkeyResponseModel, "valkey"),
    "kafka_client": ("kafka-client", KafkaRequestModel, KafkaResponseModel, "kafka"),
    "postgresql_client": ("database", RequirerCommonModel, ResourceProviderModel, "postgresql"),
}

# The fields an event of a non-Valkey interface reports besides the always-reported ones.
GENERIC_FIELDS = {
    "kafka_client": ["resource", "version", "consumer_group_prefix", "zookeeper_uris"],
    "postgresql_client": [
        "resource",
        "read_only_endpoints",
        "version",
        "uris",
        "read_only_uris",
    ],
}


class Requirer(CharmBase):
    """A minimal application charm asking for its requests (by default one Valkey prefix)."""

    interface = "valkey_client"
    endpoint = "valkey-client"
    events = []
    requests = [{"resource": "application:*", "salt": "xqbPuYzzl2iiKeyN"}]
    verbose = False

    def __init__(self, framework):
        super().__init__(framework)
        endpoint, request_model, response_model, _ = INTERFACES[Requirer.interface]
        requests = [request_model(**request) for request in Requirer.requests]
        self.handler = ResourceRequirerEventHandler(
            self, endpoint, requests, response_model=response_model
        )
        on = self.handler.on
        self.framework.observe(on.resource_created, self._on_resource_created)
        self.framework.observe(on.endpoints_changed, self._on_endpoints_changed)
        self.framework.observe(on.read_only_endpoints_changed, self._on_read_only_changed)
        self.framework.observe(on.authentication_updated, self._on_authentication_updated)

    def _on_resource_created(self, event):
        self._record("resource_created", event)

    def _on_endpoints_changed(self, event):
        self._record("endpoints_changed", event)

    def _on_read_only_changed(self, event):
        self._record("read_only_endpoints_changed", event)

    def _on_authentication_updated(self, event):
        self._record("authentication_updated", event)

    @staticmethod
    def _record(name, event):
        response = event.response
        tls = getattr(response, "tls", None)
        if Requirer.interface != "valkey_client":
            record = {
                "event": name,
                "request_id": response.request_id,
                "username": _plain(response.username),
                "password": _plain(response.password),
                "endpoints": response.endpoints,
                "tls": _plain(tls),
                "tls_ca": _plain(getattr(response, "tls_ca", None)),
            }
            for field in GENERIC_FIELDS[Requirer.interface]:
                record[field] = _plain(getattr(response, field, None))
            Requirer.events.append(record)
            return
        record = {
            "event": name,
            "request_id": response.request_id,
            "username": _plain(response.username),
            "password": _plain(response.password),
            "endpoints": response.endpoints,
            "sentinel_endpoints": response.sentinel_endpoints,
            "tls": _plain(tls),
            "tls_ca": _plain(getattr(response, "tls_ca", None)),
        }
        if Requirer.verbose:
            record["resource"] = response.resource
            record["read_only_endpoints"] = response.read_only_endpoints
            record["version"] = response.version
            record["mode"] = response.mode
        Requirer.events.append(record)


def _plain(value):
    if value is None:
        return None
    if hasattr(value, "get_secret_value"):
        return value.get_secret_value()
    return value


def main():
    request = json.load(sys.stdin)
    Requirer.interface = request.get("interface", "valkey_client")
    endpoint, _, _, provider_app = INTERFACES[Requirer.interface]
    if "requests" in request:
        Requirer.requests = request["requests"]
    Requirer.verbose = bool(request.get("verbose"))
    meta = {"name": "requirer", "requires": {endpoint: {"interface": Requirer.interface}}}
    # Only passed when given, so that the default stays the harness's own id.
    ids = {"id": request["relation_id"]} if "relation_id" in request else {}
    ctx = testing.Context(Requirer, meta=meta)
    if request["hook"] == "created":
        relation = testing.Relation(endpoint, remote_app_name=provider_app, **ids)
        state = testing.State(leader=True, relations={relation})
        out = ctx.run(ctx.on.relation_created(relation), state)
        answer = {"app": dict(out.get_relation(relation.id).local_app_data)}
        owned = [
            {"id": secret.id, "label": secret.label, "content": dict(secret.latest_content)}
            for secret in out.secrets
            if secret.owner == "app"
        ]
        if owned:  # only requests with requirer-side secret fields create any
            answer["secrets"] = owned
        json.dump(answer, sys.stdout)
        return
    changed = request.get("secret")
    secrets = {
        testing.Secret(
            tracked_content=content,
            id=uri,
            owner=None,
            **({"label": request["label"]} if uri == changed else {}),
        )
        for uri, content in request.get("secrets", {}).items()
    }
    relation = testing.Relation(
        endpoint,
        remote_app_name=provider_app,
        local_app_data=request.get("requirer_app", {}),
        local_unit_data=request.get("requirer_unit", {}),
        remote_app_data=request["provider_app"],
        **ids,
    )
    state = testing.State(leader=True, relations={relation}, secrets=secrets)
    if request["hook"] == "secret_changed":
        secret = next(secret for secret in secrets if secret.id == changed)
        event = ctx.on.secret_changed(secret)
    else:
        event = ctx.on.relation_changed(relation, remote_unit=0)
    error = None
    unit = None
    try:
        out = ctx.run(event, state)
        unit = dict(out.get_relation(relation.id).local_unit_data)
    except Exception as exc:  # the hook's failure is the answer, not a driver bug
        error = f"{type(exc).__name__}: {exc}"
    json.dump({"events": Requirer.events, "error": error, "unit": unit}, sys.stdout)


if __name__ == "__main__":
    main()
