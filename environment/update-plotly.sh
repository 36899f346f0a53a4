#!/usr/bin/env bash
# Fetches plotly.js (npm plotly.js-dist-min) into labkit's resources and checks it against the npm registry's
# integrity hash. Run by hand only when moving to another 2.35.x version; the build never runs it (the file is
# committed so that builds stay offline). Then update PlotlyJs.VERSION/SHA256 and labkit/plot/NOTICE.md.
#
#   bash environment/update-plotly.sh [VERSION]     default 2.35.3
set -euo pipefail
VERSION="${1:-2.35.3}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="$ROOT/labkit/src/main/resources/labkit/plot"
command -v npm >/dev/null || { echo "update-plotly: npm not found (Debian: apt-get install npm)" >&2; exit 1; }
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
cd "$TMP"
want="$(npm view "plotly.js-dist-min@$VERSION" dist.integrity)"
tgz="$(npm pack --silent "plotly.js-dist-min@$VERSION")"
got="sha512-$(openssl dgst -sha512 -binary "$tgz" | base64 -w0)"
[[ "$got" == "$want" ]] || { echo "update-plotly: $tgz integrity $got, registry says $want" >&2; exit 1; }
tar xzf "$tgz"
head -c 200 package/plotly.min.js | grep -q "plotly.js v$VERSION" || { echo "update-plotly: no v$VERSION banner" >&2; exit 1; }
rm -f "$DEST"/plotly-*.min.js
cp package/plotly.min.js "$DEST/plotly-$VERSION.min.js"
cp package/LICENSE "$DEST/plotly-LICENSE.txt"
echo "update-plotly: $DEST/plotly-$VERSION.min.js ($want)"
echo "update-plotly: sha256 $(sha256sum "$DEST/plotly-$VERSION.min.js" | cut -d' ' -f1)"
