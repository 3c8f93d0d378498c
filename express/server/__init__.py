"""``express serve``: the Step Functions API (awsJson1_0) over aiohttp, with metrics.

``create_app(api)`` builds one worker's application; ``Server`` runs it on a socket with a
graceful drain; ``serve(config)`` is the command (one process, or one per core).
"""

from ._api import Api, ServerConfig
from ._app import OPERATIONS, Server, create_app, make_socket
from ._workers import serve

__all__ = ["OPERATIONS", "Api", "Server", "ServerConfig", "create_app", "make_socket", "serve"]
