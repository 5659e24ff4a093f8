#!/bin/sh
echo "schema engine stub: generate never calls it" >&2
exit 1
