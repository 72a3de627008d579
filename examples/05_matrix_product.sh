#!/usr/bin/env bash
# out = a @ w; with v = [[1], [1]], grad w = a^T v: the column sums of a.
# expect: outputs.out == [[5], [3]]
# expect: grad.w == [[3], [5]]
# expect: grad.a == [[1, 1], [1, 1]]
gradcli backward "out = mm(a, w)" --at "a=[[2,3],[1,2]]" --at "w=ones(2,1)" --gradient 1,1 "$@"
