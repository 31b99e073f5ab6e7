"""The reference requirer (dpcharmlibs-interfaces' ResourceRequirerEventHandler) in ops' testing
harness, driven by JSON on stdin, answering JSON on stdout.

Input:  {"hook": "created"}
        -> {"app": <requirer app databag the library wrote>}
Input:  {"hook": "changed", "requirer_app": {...}, "provider_app": {...},
         "secrets": {"<uri>": {<content>}}}
        -> {"events": [{"event": name, "request_id": ..., "username": ..., "password": ...,
                        "endpoints": ..., "tls": ..., "tls_ca": ...}], "error": null}
The requests are the seed's: one request for prefix `application:*`, fixed salt.
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

    def __init__(self, framework):
        super().__init__(framework)
        requests = [RequirerCommonModel(resource="application:*", salt="xqbPuYzzl2iiKeyN")]
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
        Requirer.events.append(
            {
                "event": name,
                "request_id": response.request_id,
                "username": _plain(response.username),
                "password": _plain(response.password),
                "endpoints": response.endpoints,
                "sentinel_endpoints": response.sentinel_endpoints,
                "tls": _plain(tls),
                "tls_ca": _plain(getattr(response, "tls_ca", None)),
            }
        )


def _plain(value):
    if value is None:
        return None
    if hasattr(value, "get_secret_value"):
        return value.get_secret_value()
    return value


def main():
    request = json.load(sys.stdin)
    ctx = testing.Context(Requirer, meta=META)
    if request["hook"] == "created":
        relation = testing.Relation(ENDPOINT, remote_app_name="valkey")
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
        remote_app_data=request["provider_app"],
    )
    state = testing.State(leader=True, relations={relation}, secrets=secrets)
    error = None
    try:
        ctx.run(ctx.on.relation_changed(relation, remote_unit=0), state)
    except Exception as exc:  # the hook's failure is the answer, not a driver bug
        error = f"{type(exc).__name__}: {exc}"
    json.dump({"events": Requirer.events, "error": error}, sys.stdout)


if __name__ == "__main__":
    main()
