"""Task adapters: what a Task state's ``Resource`` is bound to.

One protocol (``_base.TaskBinding``) and one request (the effective input plus a
``TaskCall``) for every adapter: local Python callables (``local``), a Lambda Invoke API
endpoint (``lambda_``), the HTTP Task (``http``, guarded by ``_safety``, authenticated by
``_connections``) and Step Functions Local mocked responses (``mock``). ``_resolve`` picks
one per Task state when a machine is compiled.
"""

from ._base import TaskBinding, TaskCall, TaskObserver
from ._connections import Connections, ConnectionsError
from ._resolve import TaskAdapters
from .http import HttpAdapter
from .lambda_ import LambdaEndpoint
from .mock import MockConfig, MockConfigError

__all__ = [
    "Connections",
    "ConnectionsError",
    "HttpAdapter",
    "LambdaEndpoint",
    "MockConfig",
    "MockConfigError",
    "TaskAdapters",
    "TaskBinding",
    "TaskCall",
    "TaskObserver",
]
