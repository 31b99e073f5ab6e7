#!/usr/bin/env python3
"""A minimal Valkey client charm on ops and the reference requirer (dpcharmlibs-interfaces).

The Python twin of tests/src/bin/valkey_requirer_charm.rs, for the hook benchmark
(tests/src/bin/bench_hook.rs): the same endpoint (`cache`) and options (`prefixes`, a
comma-separated list of key prefixes; `version`, v1 only here), the reference library's
`ResourceRequirerEventHandler` with `ValkeyResponseModel` as the Valkey client charms use it,
and the same outcome of relation-changed: every response with credentials written to
`valkey-connections.json` (mode 0600, keyed by relation and request id) and the unit's status
`active: N Valkey connection(s)` (`waiting` while there is none).
"""

import json
import logging
import os

import ops
from dpcharmlibs.interfaces import (
    RequirerCommonModel,
    ResourceRequirerEventHandler,
    ValkeyResponseModel,
)

logger = logging.getLogger(__name__)

ENDPOINT = "cache"
CONNECTIONS = "valkey-connections.json"


class ValkeyClientCharm(ops.CharmBase):
    """Asks for one Valkey user per configured prefix and hands them to its workload."""

    def __init__(self, framework: ops.Framework):
        super().__init__(framework)
        prefixes = [
            prefix.strip()
            for prefix in str(self.config.get("prefixes", "app:*")).split(",")
            if prefix.strip()
        ]
        self.valkey = ResourceRequirerEventHandler(
            self,
            ENDPOINT,
            [RequirerCommonModel(resource=prefix) for prefix in prefixes],
            response_model=ValkeyResponseModel,
        )
        on = self.valkey.on
        for event in (
            on.resource_created,
            on.endpoints_changed,
            on.read_only_endpoints_changed,
            on.authentication_updated,
        ):
            self.framework.observe(event, self._on_response)
        # Observed after the library's handler, so it runs once the responses are handled.
        self.framework.observe(self.on[ENDPOINT].relation_changed, self._on_relation_changed)
        self.framework.observe(self.on[ENDPOINT].relation_broken, self._on_relation_broken)

    def _on_response(self, event) -> None:
        response = event.response
        if response.username is None or response.password is None:
            return
        connections = _load()
        entry = connections.setdefault(str(event.relation.id), {})
        entry[response.request_id or "v0"] = {
            "prefix": response.resource,
            "username": _plain(response.username),
            "password": _plain(response.password),
            "endpoints": response.endpoints,
            "read-only-endpoints": response.read_only_endpoints,
            "sentinel-endpoints": response.sentinel_endpoints,
            "mode": response.mode,
            "version": response.version,
            "tls": _plain(getattr(response, "tls", None)),
            "tls-ca": _plain(getattr(response, "tls_ca", None)),
        }
        _store(connections)
        logger.info("relation %s: connection %s saved", event.relation.id, response.request_id)

    def _on_relation_changed(self, _event: ops.RelationChangedEvent) -> None:
        self._set_status(_load())

    def _on_relation_broken(self, event: ops.RelationBrokenEvent) -> None:
        connections = _load()
        connections.pop(str(event.relation.id), None)
        _store(connections)
        self._set_status(connections)

    def _set_status(self, connections: dict) -> None:
        count = sum(len(entry) for entry in connections.values())
        if count:
            self.unit.status = ops.ActiveStatus(f"{count} Valkey connection(s)")
        else:
            self.unit.status = ops.WaitingStatus("waiting for a Valkey user")


def _plain(value):
    """A field's value: the library gives some secret fields as pydantic `SecretStr`."""
    if hasattr(value, "get_secret_value"):
        return value.get_secret_value()
    return value


def _load() -> dict:
    try:
        with open(CONNECTIONS) as file:
            return json.load(file)
    except FileNotFoundError:
        return {}


def _store(connections: dict) -> None:
    """Writes the file readable by this user only: it holds passwords."""
    temp = f"{CONNECTIONS}.tmp"
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as file:
        json.dump(connections, file, indent=2)
    os.replace(temp, CONNECTIONS)


if __name__ == "__main__":
    ops.main(ValkeyClientCharm)
