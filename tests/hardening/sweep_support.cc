#include "sweep_support.h"

#include <cstdlib>
#include <vector>

#include "nibble/nibble.hpp"

namespace nibble::testing {

uint64_t sweep_stride() {
  const char* value = std::getenv("NIBBLE_SWEEP_STRIDE");
  if (value == nullptr) return 1;
  const long long stride = std::atoll(value);
  return stride < 1 ? 1 : static_cast<uint64_t>(stride);
}

ExactBuffer::ExactBuffer(size_t size, size_t shift) : base_(nullptr, std::free), shift_(shift) {
  void* p = nullptr;
  // posix_memalign, not aligned_alloc: the size need not be a multiple of
  // the alignment, so the block ends exactly at the last byte.
  if (posix_memalign(&p, 64, size + shift == 0 ? 1 : size + shift) == 0) base_.reset(static_cast<uint8_t*>(p));
}

namespace {

// Inputs as a caller would fill them: token ids 1 (one row for sequence
// inputs), floats 0.5. A corrupted model may make any of this fail.
void fill_inputs(const Model& model, Session& session) {
  for (size_t i = 0; i < model.num_inputs(); ++i) {
    const TensorInfo info = model.input(i);
    if (info.type == ElementType::kI32) {
      const size_t count = info.sequence ? 1 : static_cast<size_t>(info.numel);
      if (count > (size_t{1} << 20)) continue;
      std::vector<int32_t> ids(count, 1);
      (void)session.set_input_ids(i, ids.data(), ids.size());
    } else if (!info.sequence) {
      float* x = session.input_data(i);
      for (uint64_t k = 0; x != nullptr && k < info.numel; ++k) x[k] = 0.5f;
    } else {
      const size_t row = info.dims[0] > 0 ? static_cast<size_t>(info.numel / static_cast<uint64_t>(info.dims[0])) : 0;
      std::vector<float> x(row, 0.5f);
      (void)session.set_input(i, x.data(), x.size());
    }
  }
}

// A corrupted shape can make a session ask for gigabytes: natively that
// could succeed by overcommit and then thrash, and under ASan a huge
// malloc aborts. The sessions get their memory through this budget, as a
// device with a fixed pool would, and so see kOutOfMemory instead.
struct Budget {
  size_t left;
  static void* allocate(void* context, size_t bytes, size_t alignment) {
    auto* self = static_cast<Budget*>(context);
    if (bytes > self->left) return nullptr;
    void* p = nullptr;
    if (posix_memalign(&p, alignment < sizeof(void*) ? sizeof(void*) : alignment, bytes) != 0) return nullptr;
    self->left -= bytes;  // never given back: a budget per session, not a pool
    return p;
  }
  static void deallocate(void* /*context*/, void* p) { std::free(p); }
};

constexpr size_t kSessionBudget = size_t{256} << 20;

}  // namespace

bool exercise(const uint8_t* data, size_t size, bool sessions, Outcomes* out) {
  ++out->attempts;
  Result<Model> model = Model::from_buffer(data, size);
  if (!model.is_ok()) return false;
  ++out->loaded;
  if (!sessions) return true;
  for (Backend backend : {Backend::kReference, Backend::kDefault}) {
    SessionOptions options;
    options.backend = backend;
    Budget budget{kSessionBudget};
    const Allocator allocator{Budget::allocate, Budget::deallocate, &budget};
    options.allocator = &allocator;
    Result<Session> session = Session::create(model.value(), options);
    if (!session.is_ok()) continue;
    ++out->sessions;
    fill_inputs(model.value(), session.value());
    if (session->run().is_ok()) ++out->runs;
  }
  return true;
}

}  // namespace nibble::testing
