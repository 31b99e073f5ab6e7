"""The reference requirer (dpcharmlibs-interfaces' ResourceRequirerEventHandler) in ops' testing
harness, driven by JSON on stdin, answering JSON on stdout.

Input:  {"hook": "created"}
        -> {"app": <requirer app databag the library wrote>}
Input:  {"hook": "changed", "requirer_app": {...}, "provider_app": {...},
         "secrets": {"<uri>": {<content>}}}
        -> {"events": [{"event": name, "request_id": ..., "username": ..., "password": ...,
                        "endpoints": ..., "tls": ..., "tls_ca": ...}], "error": null}
The requests are the seed's: one request for prefix `application:*`, fixed salt.

Optional input keys (absent: the behaviour above, unchanged):
  "requests": [{"resource": ..., "salt": ...}]  the requests instead of the seed's one;
  "relation_id": N                              the relation's id (labels carry it);
  "requirer_unit": {...}                        our unit databag (the diff memory, `data`);
  "verbose": true                               events also carry `resource`,
                                                `read_only_endpoints`, `version`, `mode`.
The "changed" answer also carries "unit": our unit databag after the hook, for the next run.
"""

import json
import sys

from dpcharmlibs.interfaces import (
    RequirerCommonModel,
    ResourceRequirerEventHandler,
    ValkeyResponseModel,
)
from ops import CharmBase
from ops import testing

ENDPOINT = "valkey-client"
META = {"name": "requirer", "requires": {ENDPOINT: {"interface": "valkey_client"}}}


class Requirer(CharmBase):
    """A minimal application charm asking for one Valkey prefix."""

    events = []
    requests = [{"resource": "application:*", "salt": "xqbPuYzzl2iiKeyN"}]
    verbose = False

    def __init__(self, framework):
        super().__init__(framework)
        requests = [RequirerCommonModel(**request) for request in Requirer.requests]
        self.valkey = ResourceRequirerEventHandler(
            self, ENDPOINT, requests, response_model=ValkeyResponseModel
        )
        on = self.valkey.on
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
    if "requests" in request:
        Requirer.requests = request["requests"]
    Requirer.verbose = bool(request.get("verbose"))
    # Only passed when given, so that the default stays the harness's own id.
    ids = {"id": request["relation_id"]} if "relation_id" in request else {}
    ctx = testing.Context(Requirer, meta=META)
    if request["hook"] == "created":
        relation = testing.Relation(ENDPOINT, remote_app_name="valkey", **ids)
        state = testing.State(leader=True, relations={relation})
        out = ctx.run(ctx.on.relation_created(relation), state)
        json.dump({"app": dict(out.get_relation(relation.id).local_app_data)}, sys.stdout)
        return
    secrets = {
        testing.Secret(tracked_content=content, id=uri, owner=None)
        for uri, content in request.get("secrets", {}).items()
    }
    relation = testing.Relation(
        ENDPOINT,
        remote_app_name="valkey",
        local_app_data=request.get("requirer_app", {}),
        local_unit_data=request.get("requirer_unit", {}),
        remote_app_data=request["provider_app"],
        **ids,
    )
    state = testing.State(leader=True, relations={relation}, secrets=secrets)
    error = None
    unit = None
    try:
        out = ctx.run(ctx.on.relation_changed(relation, remote_unit=0), state)
        unit = dict(out.get_relation(relation.id).local_unit_data)
    except Exception as exc:  # the hook's failure is the answer, not a driver bug
        error = f"{type(exc).__name__}: {exc}"
    json.dump({"events": Requirer.events, "error": error, "unit": unit}, sys.stdout)


if __name__ == "__main__":
    main()
