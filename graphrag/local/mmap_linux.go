package local

import "syscall"

// mmapPopulate asks the kernel to fault the mapping in when it is made.
const mmapPopulate = syscall.MAP_POPULATE
