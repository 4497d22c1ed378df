#!/usr/bin/env bash
# Set everything up, then analyse the bundled sample clip into formcheck_out/sample/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
sample=$(.venv/bin/python -c "from formcheck import assets; print(assets.default_sample())")
.venv/bin/formcheck analyze "$sample" --out formcheck_out/sample "$@"
