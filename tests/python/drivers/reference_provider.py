"""The reference provider (dpcharmlibs-interfaces' ResourceProviderEventHandler) in ops' testing
harness, answering the way the Valkey charm does (canonical/valkey-operator,
src/events/external_clients.py: `bulk_event=True`, `RequirerCommonModel` requests,
`ValkeyResponseModel` responses; PROTOCOL.md §5.2, §13). Driven by JSON on stdin, answering JSON
on stdout. The Valkey server itself is replaced by the `server` input.

Input:  {"hook": "changed",                       # relation-changed from the requirer
         "relation_id": 0,                        # optional; labels carry it
         "requirer_app": {...},                   # the requirer's app databag
         "provider_app": {...},                   # optional: our previous answer
         "secrets": [{"id", "label", "content"}], # optional: secrets we own from before
         "users": {"<username>": "<password>"},   # optional: users that already exist
         "requirer_secrets": {"<uri>": {...}},    # optional: secrets the requirer granted
         "server": {"endpoints", "read_only_endpoints", "sentinel_endpoints", "tls",
                    "tls_ca", "version"}}
        -> {"app": <provider app databag>,
            "secrets": [{"id", "label", "content", "granted": [relation ids]}],
            "users": {"<username>": "<password>"},
            "error": null | "<exception>"}
Input:  {"hook": "update", ... same keys}           # the charm's _update_client_relations
        -> same output.

Input key "interface" (absent: "valkey_client", everything above unchanged) selects another
data-interfaces interface, answered as its database or Kafka charm would with the library
(`Service`): "kafka_client" (endpoint `kafka-client`, `KafkaRequestModel`,
`KafkaResponseModel`) or "postgresql_client" (endpoint `database`, `RequirerCommonModel`,
`ResourceProviderModel`). Per request (v1) or relation (v0) one user, `relation-<relation
id>[-<request id>]` with a random 32-character password; the response carries `username`,
`password`, `endpoints`, `tls`, `tls-ca`, `version`, and per interface:
  postgresql_client: `read-only-endpoints`; `uris` = postgresql://<user>:<password>@<endpoints>/<resource>
                     (rewritten by "update" too);
  kafka_client: `consumer-group-prefix` = `<username>-`, `zookeeper-uris` (extra secret).
Their "server" input: {"endpoints", "read_only_endpoints", "tls", "tls_ca", "version",
"zookeeper_uris"} (missing keys: None). The "update" hook rewrites endpoints, read-only
endpoints, TLS and version of every answered request, as the Valkey one does.
"""

import json
import secrets as random_source
import string
import sys

from dpcharmlibs.interfaces import (
    KafkaRequestModel,
    KafkaResponseModel,
    RequirerCommonModel,
    ResourceProviderModel,
    ResourceProviderEventHandler,
    ResourceRequestedEvent,
    ValkeyResponseModel,
)
from ops import CharmBase
from ops import testing

ENDPOINT = "valkey-client"
META = {"name": "valkey", "provides": {ENDPOINT: {"interface": "valkey_client"}}}
PASSWORD_ALPHABET = string.ascii_letters + string.digits


class Valkey(CharmBase):
    """The Valkey charm's client-relation logic, with the server replaced by `Valkey.server`."""

    server = {}
    users = {}

    def __init__(self, framework):
        super().__init__(framework)
        self.valkey_provides = ResourceProviderEventHandler(
            self, ENDPOINT, RequirerCommonModel, bulk_event=True
        )
        on = self.valkey_provides.on
        self.framework.observe(on.bulk_resources_requested, self._on_bulk_resources_requested)
        self.framework.observe(on.resource_requested, self._on_bulk_resources_requested)
        self.framework.observe(self.on.update_status, self._on_update_status)

    @staticmethod
    def _username(relation_id, request_id):
        # The charm's ClientManager.get_username: one user per request, one per v0 relation.
        if request_id:
            return f"relation-{relation_id}-{request_id}"
        return f"relation-{relation_id}"

    def _on_bulk_resources_requested(self, event):
        # As ExternalClientsEvents._on_bulk_resources_requested, minus ACL files and restarts.
        if not self.unit.is_leader():
            return
        server = Valkey.server
        tls = bool(server.get("tls"))
        tls_ca = server.get("tls_ca") if tls else None
        if isinstance(event, ResourceRequestedEvent):
            requests = [event.request]
        else:
            requests = event.requests
        responses = []
        for request in requests:
            username = self._username(event.relation.id, request.request_id)
            if username in Valkey.users:
                continue
            password = "".join(random_source.choice(PASSWORD_ALPHABET) for _ in range(32))
            Valkey.users[username] = password
            response = next(
                (
                    res
                    for res in self.valkey_provides.responses(event.relation, ValkeyResponseModel)
                    if res.request_id == request.request_id
                ),
                None,
            ) or ValkeyResponseModel(
                username=username,
                request_id=request.request_id,
                resource=request.resource,
                salt=request.salt,
            )
            response.username = username
            response.password = password
            response.endpoints = server["endpoints"]
            response.read_only_endpoints = server.get("read_only_endpoints")
            response.sentinel_endpoints = server.get("sentinel_endpoints")
            response.mode = "sentinel"
            response.tls = tls
            response.tls_ca = tls_ca
            response.version = server.get("version")
            responses.append(response)
        if not responses:
            return
        self.valkey_provides.set_responses(event.relation.id, responses)

    def _on_update_status(self, _event):
        # As ExternalClientsEvents._update_client_relations (peer-relation-changed in the charm;
        # update-status here only because it needs no peer relation).
        server = Valkey.server
        tls = bool(server.get("tls"))
        tls_ca = server.get("tls_ca") if tls else None
        for relation in self.model.relations[ENDPOINT]:
            responses = self.valkey_provides.responses(relation, ValkeyResponseModel)
            if not responses:
                continue
            for request in self.valkey_provides.requests(relation):
                current = next(
                    (res for res in responses if res.request_id == request.request_id), None
                )
                if current is None:
                    continue
                current.endpoints = server["endpoints"]
                current.read_only_endpoints = server.get("read_only_endpoints")
                current.sentinel_endpoints = server.get("sentinel_endpoints")
                current.tls = tls
                current.tls_ca = tls_ca
                current.version = server.get("version")
            self.valkey_provides.set_responses(relation.id, responses)


class Service(CharmBase):
    """A database or Kafka charm's client-relation logic with the library, for
    `Service.interface`; the server is replaced by `Service.server`, its users by
    `Service.users`."""

    interface = "postgresql_client"
    server = {}
    users = {}

    def __init__(self, framework):
        super().__init__(framework)
        endpoint, request_model, self.response_model = INTERFACES[Service.interface]
        self.provides = ResourceProviderEventHandler(
            self, endpoint, request_model, bulk_event=True
        )
        on = self.provides.on
        self.framework.observe(on.bulk_resources_requested, self._on_resources_requested)
        self.framework.observe(on.resource_requested, self._on_resources_requested)
        self.framework.observe(self.on.update_status, self._on_update_status)

    def _set_server_fields(self, response, relation_id, resource):
        server = Service.server
        tls = bool(server.get("tls"))
        response.endpoints = server["endpoints"]
        if Service.interface == "postgresql_client":
            response.read_only_endpoints = server.get("read_only_endpoints")
            username = Valkey._username(relation_id, response.request_id)
            password = Service.users[username]
            endpoints = server["endpoints"]
            response.uris = f"postgresql://{username}:{password}@{endpoints}/{resource}"
        response.tls = tls
        response.tls_ca = server.get("tls_ca") if tls else None
        response.version = server.get("version")

    def _on_resources_requested(self, event):
        if not self.unit.is_leader():
            return
        if isinstance(event, ResourceRequestedEvent):
            requests = [event.request]
        else:
            requests = event.requests
        responses = []
        for request in requests:
            username = Valkey._username(event.relation.id, request.request_id)
            if username in Service.users:
                continue
            password = "".join(random_source.choice(PASSWORD_ALPHABET) for _ in range(32))
            Service.users[username] = password
            response = next(
                (
                    res
                    for res in self.provides.responses(event.relation, self.response_model)
                    if res.request_id == request.request_id
                ),
                None,
            ) or self.response_model(
                request_id=request.request_id,
                resource=request.resource,
                salt=request.salt,
            )
            response.username = username
            response.password = password
            self._set_server_fields(response, event.relation.id, request.resource)
            if Service.interface == "kafka_client":
                response.consumer_group_prefix = f"{username}-"
                response.zookeeper_uris = Service.server.get("zookeeper_uris")
            responses.append(response)
        if not responses:
            return
        self.provides.set_responses(event.relation.id, responses)

    def _on_update_status(self, _event):
        endpoint = INTERFACES[Service.interface][0]
        for relation in self.model.relations[endpoint]:
            responses = self.provides.responses(relation, self.response_model)
            if not responses:
                continue
            for request in self.provides.requests(relation):
                current = next(
                    (res for res in responses if res.request_id == request.request_id), None
                )
                if current is not None:
                    self._set_server_fields(current, relation.id, request.resource)
            self.provides.set_responses(relation.id, responses)


# interface -> (endpoint, request model, response model); the endpoints the Rust side uses.
INTERFACES = {
    "kafka_client": ("kafka-client", KafkaRequestModel, KafkaResponseModel),
    "postgresql_client": ("database", RequirerCommonModel, ResourceProviderModel),
}


def main():
    request = json.load(sys.stdin)
    interface = request.get("interface", "valkey_client")
    if interface == "valkey_client":
        charm, endpoint, meta = Valkey, ENDPOINT, META
    else:
        Service.interface = interface
        charm, endpoint = Service, INTERFACES[interface][0]
        meta = {"name": "service", "provides": {endpoint: {"interface": interface}}}
    charm.server = request["server"]
    charm.users = dict(request.get("users", {}))
    relation_id = request.get("relation_id", 0)
    owned = {
        testing.Secret(
            tracked_content=secret["content"],
            id=secret["id"],
            label=secret.get("label"),
            owner="app",
            remote_grants={relation_id: {"requirer"}},
        )
        for secret in request.get("secrets", [])
    }
    # Secrets the requirer owns and granted (its requests' secret fields), by id.
    owned |= {
        testing.Secret(tracked_content=content, id=uri, owner=None)
        for uri, content in request.get("requirer_secrets", {}).items()
    }
    relation = testing.Relation(
        endpoint,
        id=relation_id,
        remote_app_name="requirer",
        local_app_data=request.get("provider_app", {}),
        remote_app_data=request["requirer_app"],
    )
    ctx = testing.Context(charm, meta=meta)
    state = testing.State(leader=True, relations={relation}, secrets=owned)
    if request["hook"] == "changed":
        event = ctx.on.relation_changed(relation, remote_unit=0)
    else:
        event = ctx.on.update_status()
    error = None
    out = state
    try:
        out = ctx.run(event, state)
    except Exception as exc:  # the hook's failure is the answer, not a driver bug
        error = f"{type(exc).__name__}: {exc}"
    secrets = [
        {
            "id": secret.id,
            "label": secret.label,
            "content": dict(secret.latest_content),
            "granted": sorted(secret.remote_grants),
        }
        for secret in out.secrets
        if secret.owner == "app"
    ]
    json.dump(
        {
            "app": dict(out.get_relation(relation.id).local_app_data),
            "secrets": secrets,
            "users": charm.users,
            "error": error,
        },
        sys.stdout,
    )


if __name__ == "__main__":
    main()
