"""Checks rendered Kubernetes manifests against the API's own schema, offline.

The schema is the official Kubernetes Python client's generated models (Debian: python3-kubernetes): every field
name must be one the API knows (attribute_map), every value of the type the API expects (openapi_types), and
every required field present (the models' constructors refuse a missing one). kubectl --dry-run=client cannot
do this here: it needs an API server for discovery even in client mode.

Usage: python3 k8s_schema.py MANIFESTS.yaml   -> one line per problem, exit 1 if any; "ok: N objects" otherwise.
"""
import sys

import kubernetes.client as models
import yaml
from kubernetes.client import ApiClient

KINDS = {
    ("v1", "Namespace"): "V1Namespace",
    ("v1", "ConfigMap"): "V1ConfigMap",
    ("v1", "Secret"): "V1Secret",
    ("v1", "Service"): "V1Service",
    ("apps/v1", "StatefulSet"): "V1StatefulSet",
    ("policy/v1", "PodDisruptionBudget"): "V1PodDisruptionBudget",
}


def check(value, typ, path, problems):
    if value is None:
        return
    if typ.startswith("list["):
        if not isinstance(value, list):
            problems.append(f"{path}: expected a list, got {type(value).__name__}")
            return
        for i, item in enumerate(value):
            check(item, typ[5:-1], f"{path}[{i}]", problems)
    elif typ.startswith("dict("):
        if not isinstance(value, dict):
            problems.append(f"{path}: expected a map, got {type(value).__name__}")
            return
        inner = typ[typ.index(",") + 1:-1].strip()
        for key, item in value.items():
            check(item, inner, f"{path}.{key}", problems)
    elif typ == "str":
        if not isinstance(value, str):
            problems.append(f"{path}: expected a string, got {value!r}")
    elif typ == "int":
        if not isinstance(value, int) or isinstance(value, bool):
            problems.append(f"{path}: expected an integer, got {value!r}")
    elif typ == "bool":
        if not isinstance(value, bool):
            problems.append(f"{path}: expected true or false, got {value!r}")
    elif typ == "float":
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            problems.append(f"{path}: expected a number, got {value!r}")
    elif typ in ("object", "datetime", "date"):
        return
    else:
        cls = getattr(models, typ)
        if not isinstance(value, dict):
            problems.append(f"{path}: expected a {typ} object, got {value!r}")
            return
        by_json = {json: py for py, json in cls.attribute_map.items()}
        for key, item in value.items():
            if key not in by_json:
                problems.append(f"{path}.{key}: unknown field of {typ}")
            else:
                check(item, cls.openapi_types[by_json[key]], f"{path}.{key}", problems)


def main(file):
    problems = []
    docs = [d for d in yaml.safe_load_all(open(file, encoding="utf-8")) if d]
    client = ApiClient()
    for doc in docs:
        key = (doc.get("apiVersion"), doc.get("kind"))
        name = f"{doc.get('kind')}/{(doc.get('metadata') or {}).get('name')}"
        if key not in KINDS:
            problems.append(f"{name}: apiVersion/kind {key} is not one this check knows")
            continue
        check(doc, KINDS[key], name, problems)
        try:
            client._ApiClient__deserialize(doc, KINDS[key])
        except (ValueError, TypeError) as e:
            problems.append(f"{name}: {e}")
    for p in problems:
        print(p)
    if problems:
        return 1
    print(f"ok: {len(docs)} objects")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
