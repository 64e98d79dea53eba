"""Bearer tokens for `podfleet server --auth-mode client`.

A token is issued once (`podfleet auth token create NAME --namespace NS`) and only its
SHA-256 is kept, in the store as a `podfleet.io/v1 Token` object, so a copy of the store
does not leak usable credentials. Each token names the namespaces it may touch.
"""

from podfleet.auth.tokens import (TOKEN_KIND, TOKEN_NAMESPACE, Principal, create_token, delete_token, list_tokens,
                                  verify_token)

__all__ = ["TOKEN_KIND", "TOKEN_NAMESPACE", "Principal", "create_token", "delete_token", "list_tokens",
           "verify_token"]
