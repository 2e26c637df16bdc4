# Serves moto's WSGI app on one thread: moto's backends are not thread-safe, and the
# threaded moto_server can corrupt state under concurrent calls. Port 0 picks a free
# port; the chosen one is printed first so the parent never races for a port.
#
# One change to moto: its TransactWriteItems backs up every table a transaction names,
# items and every stream record ever written, by deep copy, once per action, so a
# transaction's cost grew with the table (seconds per reservation at a few thousand
# items: the 300-buyer on-sale timed out locally). Here a transaction snapshots only the
# items it names (and the stream's length) and restores them if it is cancelled: the same
# results and stream records, at a cost that no longer depends on the table's size.
import copy
import inspect
import logging
import sys

import moto.dynamodb.models as models
from moto.dynamodb.models.dynamo_type import DynamoType
from moto.dynamodb.models.table import Table
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import make_server

_deepcopy = copy.deepcopy


class _TablesNotCopied:
    """Stands in for the copy module inside moto's DynamoDB backend: tables are not
    copied (the wrapper below restores what a cancelled transaction touched)."""

    def __getattr__(self, name):
        return getattr(copy, name)

    @staticmethod
    def deepcopy(x, memo=None):
        if isinstance(x, Table):
            return x
        return _deepcopy(x, memo)


models.copy = _TablesNotCopied()
_transact = models.DynamoDBBackend.transact_write_items


def _transact_write_items(self, transact_items):
    snapshots, streams = [], {}
    for entry in transact_items:
        _, op = next(iter(entry.items()))
        table = self.tables.get(op.get("TableName"))
        attrs = op.get("Item") or op.get("Key")
        if table is None or not attrs or table.hash_key_attr not in attrs:
            continue
        h = DynamoType(attrs[table.hash_key_attr])
        r = None
        if table.range_key_attr is not None:
            if table.range_key_attr not in attrs:
                continue
            r = DynamoType(attrs[table.range_key_attr])
        try:
            before = table.get_item(h, r)
        except Exception:  # an invalid key: moto's own validation reports it below
            continue
        snapshots.append((table, h, r, _deepcopy(before)))
        if table.stream_shard is not None:
            streams[id(table)] = (table.stream_shard, len(table.stream_shard.items))
    try:
        return _transact(self, transact_items)
    except Exception:
        for table, h, r, item in reversed(snapshots):
            if item is None:
                if r is not None:
                    table.items[h].pop(r, None)
                else:
                    table.items.pop(h, None)
            elif r is not None:
                table.items[h][r] = item
            else:
                table.items[h] = item
        for shard, n in streams.values():
            del shard.items[n:]
        raise


models.DynamoDBBackend.transact_write_items = _transact_write_items

# A second change, for the same reason: moto answers every Query by sorting all of the
# table's items (Python comparisons of DynamoType keys), then sorts the matches again,
# and tests every item of the table against the key condition, a base-table Query too.
# During Query the items moto looks at are narrowed first: a base-table Query to its own
# partition (the table's dict of partitions), an index Query on a string or binary hash
# key to the items whose attribute holds exactly that value (plain comparisons, no
# DynamoType conversion per item). moto still checks every condition on what is left and
# sorts the matches as before, so results are unchanged; what changes is the cost: an
# admitter's seal is a query per queue bucket, and each used to walk the whole table in
# Python (a few thousand items made a seal take ~10 s, with every other request queued
# behind it).
_query = Table.query
_query_params = inspect.signature(_query)


def _unsorted_items(table):
    if table.range_key_attr:
        return [item for part in table.items.values() for item in part.values()]
    return list(table.items.values())


def _candidates(table, call):
    index_name = call.arguments.get("index_name")
    if not index_name:
        hash_key = call.arguments.get("hash_key")
        if hash_key is None:
            return _unsorted_items(table)
        part = table.items.get(hash_key)
        if part is None:
            return []
        return list(part.values()) if table.range_key_attr else [part]
    conditions = call.arguments.get("hash_key_conditions") or []
    if len(conditions) != 1 or conditions[0][1].type not in ("S", "B"):
        return _unsorted_items(table)
    name, want = conditions[0]
    kind, value = want.type, want.value
    out = []
    for item in _unsorted_items(table):
        got = item.attrs.get(name)
        if got is not None and got.type == kind and got.value == value:
            out.append(item)
    return out


def _query_narrowed(self, *args, **kwargs):
    call = _query_params.bind(self, *args, **kwargs)
    self.all_items = lambda: _candidates(self, call)
    try:
        return _query(self, *args, **kwargs)
    finally:
        del self.all_items


Table.query = _query_narrowed

logging.getLogger("werkzeug").setLevel(logging.WARNING)

server = make_server(
    "127.0.0.1",
    int(sys.argv[1]),
    DomainDispatcherApplication(create_backend_app),
    threaded=False,
)
print(server.server_port, flush=True)
server.serve_forever()
