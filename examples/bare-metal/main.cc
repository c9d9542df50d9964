// Bare-metal demo: runs a tiny CNN whose .nbl image is compiled into the
// program (flash) on memory from one static arena, with no heap. Prints
// "bare-metal: ok" and returns 0, or says what went wrong and returns 1.
//
// The same source runs on the host (a ctest of the generated model and the
// arena allocator) and on a Cortex-M7 under QEMU (tests/run_freestanding.sh),
// where startup_cortex_m.c routes printf and the exit status through
// semihosting, heap_guard.c counts every malloc call and the start-up code
// measures the stack high-water mark.
#include <cmath>
#include <cstdio>
#include <cstring>

#include "nibble/arena_allocator.h"
#include "nibble/nibble.hpp"
#include "tiny_model.h"           // kTinyModel, kTinyModel_size (embed_nbl.cmake)
#include "tiny_model_expected.h"  // kTinyModelInput, kTinyModelExpected (make_tiny_model)

#if NIBBLE_DEMO_HEAP_GUARD
extern "C" unsigned long heap_guard_calls(void);  // malloc & co. since start-up
extern "C" unsigned long stack_peak_bytes(void);  // deepest stack use so far
#else
static unsigned long heap_guard_calls(void) { return 0; }
#endif

namespace {

// Model tables + session arena + op table, with room to spare; the demo
// prints what it really needed (ArenaAllocator::peak).
alignas(64) unsigned char g_arena[16 * 1024];

bool g_failed = false;

// "-0.123456": six decimals through integers, because newlib's printf of
// a float calls malloc (its dtoa), and this program checks it never does.
struct Fixed6 {
  char text[24];
};
Fixed6 fixed6(float v) {
  Fixed6 out;
  const long long micro = std::llround(static_cast<double>(v) * 1e6);
  const unsigned long long a = micro < 0 ? 0ull - static_cast<unsigned long long>(micro) : micro;
  std::snprintf(out.text, sizeof(out.text), "%s%lu.%06lu", micro < 0 ? "-" : "", static_cast<unsigned long>(a / 1000000),
                static_cast<unsigned long>(a % 1000000));
  return out;
}

void check(bool ok, const char* what, const nibble::Status& status = nibble::Status::ok()) {
  if (ok) return;
  std::printf("bare-metal: FAILED: %s (%s: %s)\n", what, nibble::status_code_name(status.code()), status.message());
  g_failed = true;
}

// Load, run, compare, tear down; returns the arena's peak use.
size_t run_model(nibble::ArenaAllocator& arena) {
  nibble::Result<nibble::Model> model = nibble::Model::from_buffer(kTinyModel, kTinyModel_size, arena.allocator());
  check(model.is_ok(), "load the embedded model", model.status());
  if (!model.is_ok()) return 0;
  nibble::SessionOptions options;
  options.allocator = arena.allocator();
  nibble::Result<nibble::Session> session = nibble::Session::create(model.value(), options);
  check(session.is_ok(), "create a session", session.status());
  if (!session.is_ok()) return 0;

  const size_t n_in = sizeof(kTinyModelInput) / sizeof(kTinyModelInput[0]);
  const size_t n_out = sizeof(kTinyModelExpected) / sizeof(kTinyModelExpected[0]);
  check(session->set_input(0, kTinyModelInput, n_in).is_ok(), "set the input");
  const nibble::Status status = session->run();
  check(status.is_ok(), "run", status);
  check(model->output(0).numel == n_out, "output size");
  const float* y = session->output_data(0);
  for (size_t i = 0; status.is_ok() && i < n_out; ++i) {
    if (!(std::fabs(y[i] - kTinyModelExpected[i]) <= 1e-5f)) {
      std::printf("bare-metal: FAILED: output %u is %s, expected %s\n", static_cast<unsigned>(i), fixed6(y[i]).text,
                  fixed6(kTinyModelExpected[i]).text);
      g_failed = true;
    }
  }
  std::printf("bare-metal: %u ops, output %s %s %s; arena peak %u of %u bytes (model: %u bytes, in place)\n",
              static_cast<unsigned>(model->num_operators()), fixed6(y[0]).text, fixed6(y[1]).text, fixed6(y[2]).text,
              static_cast<unsigned>(arena.peak()), static_cast<unsigned>(arena.capacity()),
              static_cast<unsigned>(kTinyModel_size));
  return arena.peak();
}

}  // namespace

int main() {
  // The first printf sets up stdout (newlib allocates its buffer then);
  // from here on the program must not touch the heap.
  std::printf("bare-metal: %s\n", nibble::cpu_description());
  const unsigned long heap_before = heap_guard_calls();

  // 1. The model from the arena; afterwards every block is back.
  nibble::ArenaAllocator arena(g_arena, sizeof(g_arena));
  const size_t peak = run_model(arena);
  check(arena.used() == 0 && arena.live_blocks() == 0, "all arena memory released after teardown");

  // 2. An arena one byte short of the peak: kOutOfMemory, not a crash.
  if (peak > 0) {
    nibble::ArenaAllocator small(g_arena, peak - 1);
    nibble::Result<nibble::Model> model = nibble::Model::from_buffer(kTinyModel, kTinyModel_size, small.allocator());
    nibble::StatusCode code = model.is_ok() ? nibble::StatusCode::kOk : model.status().code();
    if (model.is_ok()) {
      nibble::SessionOptions options;
      options.allocator = small.allocator();
      nibble::Result<nibble::Session> session = nibble::Session::create(model.value(), options);
      code = session.is_ok() ? nibble::StatusCode::kOk : session.status().code();
      if (!session.is_ok()) std::printf("bare-metal: too small an arena: %s\n", session.status().message());
    }
    check(code == nibble::StatusCode::kOutOfMemory, "a too-small arena reports kOutOfMemory");
  }

  // 3. Error messages are formatted by nibble itself (core/format.h): a
  // truncated image names its numbers (%llu) right on this libc too.
  {
    nibble::ArenaAllocator scratch(g_arena, sizeof(g_arena));
    const size_t size = kTinyModel_size - 1;  // the data region no longer fits
    nibble::Result<nibble::Model> model = nibble::Model::from_buffer(kTinyModel, size, scratch.allocator());
    char expected[32];
    std::snprintf(expected, sizeof(expected), "the %u-byte file", static_cast<unsigned>(size));
    check(!model.is_ok() && model.status().code() == nibble::StatusCode::kTruncated &&
              std::strstr(model.status().message(), expected) != nullptr,
          "a truncated image reports kTruncated with its size", model.status());
    if (!model.is_ok()) std::printf("bare-metal: truncated image: %s\n", model.status().message());
  }

#if NIBBLE_FREESTANDING
  // 4. What a freestanding build does not have says so.
  {
    nibble::Result<nibble::Model> model = nibble::Model::load_file("model.nbl");
    check(!model.is_ok() && model.status().code() == nibble::StatusCode::kUnsupported, "load_file is unsupported");
    nibble::ArenaAllocator scratch(g_arena, sizeof(g_arena));
    nibble::Result<nibble::Model> tiny = nibble::Model::from_buffer(kTinyModel, kTinyModel_size, scratch.allocator());
    check(tiny.is_ok(), "load the embedded model again", tiny.status());
    if (tiny.is_ok()) {
      nibble::SessionOptions options;
      options.allocator = scratch.allocator();
      options.num_threads = 2;
      nibble::Result<nibble::Session> session = nibble::Session::create(tiny.value(), options);
      check(!session.is_ok() && session.status().code() == nibble::StatusCode::kUnsupported,
            "num_threads > 1 is unsupported");
    }
  }
#endif

  const unsigned long heap_calls = heap_guard_calls() - heap_before;
  check(heap_calls == 0, "no heap allocation after start-up");
#if NIBBLE_DEMO_HEAP_GUARD
  std::printf("bare-metal: heap allocations after start-up: %lu; stack peak: %lu bytes\n", heap_calls,
              stack_peak_bytes());
#endif
  if (g_failed) return 1;
  std::printf("bare-metal: ok\n");
  return 0;
}
