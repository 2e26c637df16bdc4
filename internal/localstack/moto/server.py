# Serves moto's WSGI app on one thread: moto's backends are not thread-safe, and the
# threaded moto_server can corrupt state under concurrent calls. Port 0 picks a free
# port; the chosen one is printed first so the parent never races for a port.
import logging
import sys

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import make_server

logging.getLogger("werkzeug").setLevel(logging.WARNING)

server = make_server(
    "127.0.0.1",
    int(sys.argv[1]),
    DomainDispatcherApplication(create_backend_app),
    threaded=False,
)
print(server.server_port, flush=True)
server.serve_forever()
