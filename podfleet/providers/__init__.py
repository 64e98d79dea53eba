"""Pod providers: run core/v1 Pods (process sandboxes now; containers and Kubernetes later).

`contract.py` is the contract every provider implements; `process/` needs only Linux.
"""
