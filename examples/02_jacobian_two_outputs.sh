#!/usr/bin/env bash
# Two outputs of two inputs: J = [[2*2*a0, 2], [2, 2*3*a1**2]] at a0=2, a1=4.
# expect: outputs.out0 == 16
# expect: outputs.out1 == 132
# expect: matrix == [[8, 2], [2, 96]]
# expect: rows == ["out0", "out1"]
# expect: cols == ["a0", "a1"]
gradcli jacobian "b0 = a0**2 + a1; b1 = a1**3 + a0; out0 = 2*b0; out1 = 2*b1" --at a0=2,a1=4 "$@"
