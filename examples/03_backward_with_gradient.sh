#!/usr/bin/env bash
# out.backward(gradient=[1, 2]) over both outputs: v^T J = [1, 2] @ [[8, 2], [2, 96]].
# expect: grad.a0 == 12
# expect: grad.a1 == 194
# expect: gradient.out0 == 1
# expect: gradient.out1 == 2
gradcli backward "b0 = a0**2 + a1; b1 = a1**3 + a0; out0 = 2*b0; out1 = 2*b1" --at a0=2,a1=4 --gradient 1,2 "$@"
