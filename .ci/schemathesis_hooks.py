"""Schemathesis hooks for .ci/schemathesis.sh.

Schemathesis reuses ids it saw in earlier responses, so it finds the fuzzing admin's own
id (from `GET /me` or `GET /users`) and changes that account: a new password, roles or
organisation ends the admin's token by design, and every later case is answered 401.
The admin's own account is kept out of reach: a case aimed at it is sent to a fresh
(unknown) id instead.
"""

import os
import uuid

import schemathesis

ADMIN_ID = os.environ.get("FUZZ_ADMIN_ID", "")


@schemathesis.hook
def before_call(ctx, case, **kwargs):
    params = case.path_parameters or {}
    if ADMIN_ID and str(params.get("id", "")).lower() == ADMIN_ID.lower():
        params["id"] = str(uuid.uuid4())
