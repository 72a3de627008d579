#!/usr/bin/env bash
# Inputs from randn (seeded by --seed, default 0: runs repeat). d/dx sum(2x^2 + b) = 4x.
# expect: grad.x == 4 * inputs.x
# expect: grad.b == 1 * ones
gradcli backward "t = 2*x*x + b; y = t.sum()" --at "x=randn(3,4)" --at "b=randn(3,4)" "$@"
