#!/bin/sh
# Validates Docs/openapi.yaml against the OpenAPI 3.0 schema with openapi-spec-validator (PyPI).
# The Swift test OpenAPIDocumentTests checks that every /api route is documented; this checks that
# the document itself is valid OpenAPI. Run from anywhere: it finds the repository from its path.
set -eu
root="$(cd "$(dirname "$0")/../.." && pwd)"
if ! python3 -c 'import openapi_spec_validator' 2>/dev/null; then
    echo "openapi-spec-validator is missing: pip install openapi-spec-validator" >&2
    exit 1
fi
python3 -m openapi_spec_validator "$root/Docs/openapi.yaml"
