// --low-priority: the run yields the CPU (nice 19) and the disk (the idle I/O
// class) to everything else on a production host.
#pragma once

#include "core/result.h"

namespace l4s {

// Sets nice 19 and IOPRIO_CLASS_IDLE on every thread of this process (both are
// per thread on Linux; threads started later inherit them).
Status set_low_priority();

// The calling thread's I/O priority class as ioprio_get reports it
// (1 realtime, 2 best-effort, 3 idle; 0 none set); -1 on failure.
int io_priority_class();

}  // namespace l4s
