#!/usr/bin/env bash
# Set everything up, analyse the bundled sample clip into formcheck_out/sample/, then say how to
# open the review page. Only on a terminal does it offer to start the page; piped or on CI it
# never waits for input and never starts a server.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
sample=$(.venv/bin/python -c "from formcheck import assets; print(assets.default_sample())")
.venv/bin/formcheck analyze "$sample" --out formcheck_out/sample "$@"
echo
echo "Review page: run  .venv/bin/formcheck app  then open http://localhost:8501 and upload"
echo "  $sample"
if [ -t 0 ] && [ -t 1 ] && [ -z "${CI:-}" ]; then
  read -r -t 20 -p "Start the review page now? [y/N] " answer || answer=""
  if [ "${answer:-}" = "y" ] || [ "${answer:-}" = "Y" ]; then
    exec .venv/bin/formcheck app
  fi
fi
