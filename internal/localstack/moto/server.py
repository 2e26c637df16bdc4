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
# table's items (Python comparisons of DynamoType keys), then sorts the matches again.
# During Query the first sort is skipped; the matches are still sorted as before.
_query = Table.query


def _unsorted_items(table):
    if table.range_key_attr:
        return [item for part in table.items.values() for item in part.values()]
    return list(table.items.values())


def _query_unsorted_scan(self, *args, **kwargs):
    self.all_items = lambda: _unsorted_items(self)
    try:
        return _query(self, *args, **kwargs)
    finally:
        del self.all_items


Table.query = _query_unsorted_scan

logging.getLogger("werkzeug").setLevel(logging.WARNING)

server = make_server(
    "127.0.0.1",
    int(sys.argv[1]),
    DomainDispatcherApplication(create_backend_app),
    threaded=False,
)
print(server.server_port, flush=True)
server.serve_forever()
