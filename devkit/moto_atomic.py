"""moto's server with DynamoDB's conditional writes made atomic.

moto serves each request on its own thread and checks a condition expression
and applies the write without a lock, so two concurrent conditional writes to
one key can both succeed, which DynamoDB never allows. The idempotency tests
depend on that guarantee, so DynamoDB requests are served one at a time here;
every other service (SQS long polls among them) stays concurrent.
"""

import sys
import threading

from moto import server
from moto.moto_server.werkzeug_app import DomainDispatcherApplication

_dynamodb = threading.Lock()
_call = DomainDispatcherApplication.__call__


def _serialized(self, environ, start_response):
    if environ.get("HTTP_X_AMZ_TARGET", "").startswith("DynamoDB_"):
        with _dynamodb:
            return list(_call(self, environ, start_response))
    return _call(self, environ, start_response)


DomainDispatcherApplication.__call__ = _serialized

if __name__ == "__main__":
    sys.exit(server.main())
