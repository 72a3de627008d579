#!/usr/bin/env bash
# The program is in copy_slices.py (-f FILE); v = [1, 2] as in 03.
# expect: outputs.out == [[16, 132]]
# expect: grad.a == [[12, 194]]
gradcli backward -f "$(dirname "$0")/copy_slices.py" --at "a=[[2,4]]" --gradient 1,2 "$@"
