// Process-level figures the examples report.
#pragma once

#include <cstdint>

namespace nibble::examples {

// Peak resident set size of this process so far, in bytes.
uint64_t peak_rss_bytes();

}  // namespace nibble::examples
