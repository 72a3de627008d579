#!/usr/bin/env bash
# A scalar loss needs no --gradient: d/dx sum((2x)^2) = 8x.
# expect: outputs.loss == 56
# expect: grad.x == [8, 16, 24]
gradcli backward "y = x*2; loss = sum(y**2)" --at "x=[1,2,3]" "$@"
